"""`isone-platform dashboard`: the Streamlit command line, and bad settings refused before the server starts."""

from __future__ import annotations

import pytest

from isone_platform.cli import main
from isone_platform.dashboard import server


def test_command_serves_the_app_on_the_given_address_without_telemetry():
    cmd = server.command("127.0.0.1", 8600)
    assert cmd[1:5] == ["-m", "streamlit", "run", str(server.APP)]
    flags = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1" and flags["--server.port"] == "8600"
    assert flags["--browser.gatherUsageStats"] == "false" and flags["--server.headless"] == "true"


def test_a_port_outside_1_to_65535_is_refused(capsys):
    assert main(["dashboard", "--port", "70000"]) == 1
    assert "dashboard port 70000 is not a TCP port (1-65535)" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["soon", "0"])
def test_a_bad_refresh_period_is_refused_before_the_server_starts(monkeypatch, capsys, value):
    monkeypatch.setenv("ISONE_DASHBOARD_REFRESH_SECONDS", value)
    assert main(["dashboard", "--port", "8600"]) == 1
    assert f"ISONE_DASHBOARD_REFRESH_SECONDS={value!r}" in capsys.readouterr().err
