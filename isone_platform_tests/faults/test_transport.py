"""Fault matrix, transport cases (1–6, 24, 25, 27): what the wire does wrong, and what the platform does about it.

Each test stores a clean day first, then runs it again through the fault. A transient fault must end in the same
stored day (fingerprint equal to the clean one: rows, keys, every value, the raw bodies). A persistent one must fail
loudly, naming the request path, and leave the stored day exactly as it was. A failed run never half-replaces a day.
"""

from __future__ import annotations

import base64
import os
import subprocess
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from isone_platform.lib.ingest_assets import isone_retry_policy
from isone_platform.lib.isone_client import DEFAULT_READ_TIMEOUT_SECONDS
from isone_platform.lib.settings import Settings, use_settings
from isone_platform.simulator import Fault, SimulatorServer
from isone_platform_tests.conftest import REPO_ROOT
from isone_platform_tests.faults.conftest import Platform

DAY = date(2024, 11, 19)
DATASET = "system_load_5min"
PATH = "/fiveminutesystemload/day/20241119"
# What the client is allowed (platform_env's ISONE_MAX_ATTEMPTS) and how often Dagster retries the step.
CLIENT_ATTEMPTS = 4
STEP_ATTEMPTS = 1 + isone_retry_policy(Settings.from_env()).max_retries  # ISONE_STEP_MAX_RETRIES
# Client attempts when a fault never clears: fewer, so that every step attempt fails quickly.
PERSISTENT_ATTEMPTS = 2
RETRY_AFTER = 1.5


def statuses(sim, path: str = PATH) -> list[int]:
    """The status of every request for `path` the simulator saw since its last reset (0: connection reset)."""
    return [r.status for r in sim.requests if r.path.endswith(path)]


def recovers(platform: Platform, fault: Fault) -> tuple[list[int], dg.ExecuteInProcessResult]:
    """Store the clean day, run it again through `fault`: the run succeeds and the stored day is unchanged.
    Returns the statuses the simulator answered during the faulty run, and the run."""
    clean = platform.baseline(DATASET, DAY)
    platform.sim.add_fault(fault)
    platform.sim.reset_requests()
    result = platform.materialize(DATASET, day=DAY)
    assert result.success
    assert platform.fingerprint(DATASET, DAY) == clean
    return statuses(platform.sim), result


def step_retries(result: dg.ExecuteInProcessResult) -> int:
    """How many times Dagster retried the raw (fetching) step of the run."""
    return result.retry_attempts_for_node(f"raw__isone__{DATASET}")


def fails_keeping_the_day(platform: Platform, fault: Fault, *needles: str) -> str:
    """Store the clean day, run it again through a fault that never clears: a failure naming the path (and the
    needles), the stored day unchanged. Returns the failure text."""
    clean = platform.baseline(DATASET, DAY)
    os.environ["ISONE_MAX_ATTEMPTS"] = str(PERSISTENT_ATTEMPTS)  # platform_env's monkeypatch restores it
    platform.sim.add_fault(fault)
    message = platform.fails_loudly(DATASET, DAY, f"GET {PATH}", *needles)
    assert platform.fingerprint(DATASET, DAY) == clean
    return message


def test_case_01_429_retry_after_is_waited_out(platform, sim):
    """Case 1: the rate limit's Retry-After is honoured (the next request comes no sooner) and the day is intact."""
    sim.add_fault(Fault(PATH, "429", first_n=2, retry_after=RETRY_AFTER))
    clean = platform.baseline(DATASET, DAY)  # through the 429s: they are the first two requests
    times = [(r.time, r.status) for r in sim.requests if r.path.endswith(PATH)]
    assert [s for _, s in times] == [429, 429, 200]
    gaps = [(b[0] - a[0]).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    assert min(gaps) >= RETRY_AFTER - 0.05  # the server stamps after sending; allow its own few ms
    sim.clear_faults()
    platform.materialize(DATASET, day=DAY, raise_on_error=True)
    assert platform.fingerprint(DATASET, DAY) == clean


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_case_02_a_5xx_burst_within_the_clients_attempts_recovers(platform, kind):
    """Case 2: a short burst of server errors is ridden out by the client's own retries, in one step attempt."""
    burst = CLIENT_ATTEMPTS - 1
    seen, result = recovers(platform, Fault(PATH, kind, first_n=burst, retry_after=0.1))
    assert seen == [int(kind)] * burst + [200] and step_retries(result) == 0


def test_case_02_a_503_burst_beyond_the_clients_attempts_is_picked_up_by_the_step_retry(platform):
    """Case 2: the client gives up after its attempts; Dagster's step retry starts it again and the day is stored
    once, as clean (the audit's 503×7)."""
    burst = CLIENT_ATTEMPTS + 2
    seen, result = recovers(platform, Fault(PATH, "503", first_n=burst, retry_after=0.1))
    assert seen == [503] * burst + [200] and step_retries(result) == 1


def test_case_02_a_persistent_503_fails_loudly_and_keeps_the_previous_day(platform, sim):
    """Case 2: every step attempt runs out of client attempts; the run fails saying so, the stored day stays."""
    sim.reset_requests()
    message = fails_keeping_the_day(
        platform, Fault(PATH, "503", retry_after=0.1), "HTTP 503", f"gave up after {PERSISTENT_ATTEMPTS} attempts"
    )
    assert statuses(sim) == [200] + [503] * PERSISTENT_ATTEMPTS * STEP_ATTEMPTS, message


def test_case_03_connection_resets_are_retried(platform):
    """Case 3: a connection reset without a response is a transport error: retried, day intact."""
    seen, result = recovers(platform, Fault(PATH, "reset", first_n=2))
    assert seen == [0, 0, 200] and step_retries(result) == 0


def test_case_03_persistent_connection_resets_fail_loudly(platform):
    """Case 3: the error names the request and the transport error, never a bare errno."""
    fails_keeping_the_day(platform, Fault(PATH, "reset"), "ReadError", f"gave up after {PERSISTENT_ATTEMPTS} attempts")


def test_case_04_a_response_slower_than_the_read_timeout_is_retried(platform, monkeypatch, caplog):
    """Case 4: the read timeout comes from ISONE_READ_TIMEOUT_SECONDS (the audit waited the default 60 s); a
    stalled answer times out, the client's retry gets the day."""
    assert DEFAULT_READ_TIMEOUT_SECONDS == 60.0
    monkeypatch.setenv("ISONE_READ_TIMEOUT_SECONDS", "1")
    seen, result = recovers(platform, Fault(PATH, "slow", first_n=1, delay=4))
    assert step_retries(result) == 0
    retried = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retried) == 1 and f"GET {PATH}: ReadTimeout" in retried[0]


def test_case_04_a_stalled_server_fails_loudly_after_the_timeouts(platform, monkeypatch):
    """Case 4: an answer that never comes in time is a ReadTimeout naming the path, not a hang."""
    monkeypatch.setenv("ISONE_READ_TIMEOUT_SECONDS", "1")
    fails_keeping_the_day(
        platform, Fault(PATH, "slow", delay=3), "ReadTimeout", f"gave up after {PERSISTENT_ATTEMPTS} attempts"
    )


def test_case_05_truncated_json_is_retried(platform):
    """Case 5: a body cut in half is refused before landing and fetched again."""
    seen, result = recovers(platform, Fault(PATH, "truncated_json", first_n=2))
    assert seen == [200, 200, 200] and step_retries(result) == 0


def test_case_05_persistent_truncated_json_fails_loudly(platform):
    """Case 5: never landed, so the good body in the lake and the std rows stay."""
    fails_keeping_the_day(platform, Fault(PATH, "truncated_json"), "not valid JSON", "possibly truncated")


def test_case_06_an_html_page_with_status_200_is_retried(platform):
    """Case 6: ISO-NE's maintenance page arrives as 200 text/html: transient, retried."""
    seen, result = recovers(platform, Fault(PATH, "html_200", first_n=2))
    assert seen == [200, 200, 200] and step_retries(result) == 0


def test_case_06_a_persistent_html_page_fails_loudly(platform):
    """Case 6: the error says what came instead of JSON."""
    fails_keeping_the_day(platform, Fault(PATH, "html_200"), "HTTP 200: expected JSON, got text/html")


@pytest.mark.parametrize("credentials", ["wrong", "missing"])
def test_case_24_bad_or_missing_credentials_fail_at_once_with_an_explanation(platform, sim, monkeypatch, credentials):
    """Case 24: a 401 is not retried (1 request, no step retry) and says which variables to check."""
    clean = platform.baseline(DATASET, DAY)
    if credentials == "wrong":
        monkeypatch.setenv("ISONE_PASSWORD", "not-the-password")
    else:
        monkeypatch.delenv("ISONE_USERNAME")
        monkeypatch.delenv("ISONE_PASSWORD")
    sim.reset_requests()
    platform.fails_loudly(DATASET, DAY, f"GET {PATH} -> HTTP 401", "ISONE_USERNAME / ISONE_PASSWORD")
    assert statuses(sim) == [401]
    assert platform.fingerprint(DATASET, DAY) == clean


# Case 25: a password no other string in the platform contains, so any hit is a leak.
SECRET_USER, SECRET_PASSWORD = "auditor", "pw-7Qx2-never-stored"
WRONG_PASSWORD = "wrong-" + SECRET_PASSWORD[::-1]


def basic_token(password: str) -> bytes:
    """What the Authorization header carries: base64 of user:password."""
    return base64.b64encode(f"{SECRET_USER}:{password}".encode())


@pytest.fixture
def secret_sim():
    with SimulatorServer(
        port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=1, user=SECRET_USER, password=SECRET_PASSWORD
    ) as server:
        yield server


def leaks(roots: list[Path], secrets: list[bytes]) -> list[str]:
    """Every file under `roots` holding one of `secrets` (grep -rla, as the audit did)."""
    found = subprocess.run(
        ["grep", "-rlaF", *(x for s in secrets for x in ("-e", s.decode())), *map(str, roots)],
        capture_output=True,
        text=True,
    )
    assert found.returncode in (0, 1), found.stderr  # 1: no match
    return found.stdout.split()


def test_case_25_credentials_are_never_stored(platform, secret_sim, tmp_path, monkeypatch):
    """Case 25, with a persistent DAGSTER_HOME: after a good run, a run through 503s, a 401 run and a run with the
    credentials in the project's .env, neither the password nor the Basic token is in the run and event
    databases, the compute logs, the lake or the warehouse."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO_ROOT / "deploy" / "local" / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("ISONE_BASE_URL", secret_sim.base_url)
    monkeypatch.setenv("ISONE_USERNAME", SECRET_USER)
    monkeypatch.setenv("ISONE_PASSWORD", SECRET_PASSWORD)
    with dg.DagsterInstance.get() as instance:
        assert platform.materialize(DATASET, day=DAY, instance=instance).success
        secret_sim.add_fault(Fault(PATH, "503", first_n=2, retry_after=0.1))
        assert platform.materialize(DATASET, day=DAY, instance=instance).success
        monkeypatch.setenv("ISONE_PASSWORD", WRONG_PASSWORD)
        assert not platform.materialize(DATASET, day=DAY, instance=instance).success
        monkeypatch.delenv("ISONE_USERNAME")
        monkeypatch.delenv("ISONE_PASSWORD")
        (tmp_path / ".env").write_text(f"ISONE_USERNAME={SECRET_USER}\nISONE_PASSWORD={SECRET_PASSWORD}\n")
        # the .env is read by Settings, never loaded into os.environ: the resource takes the secret from them
        assert "ISONE_PASSWORD" not in os.environ and Settings.from_env().isone_password is not None
        use_settings(None)  # what a new process does: read its settings afresh
        assert platform.materialize(DATASET, day=date(2024, 11, 18), instance=instance).success
        assert len(instance.get_runs()) == 4
    secrets = [
        SECRET_PASSWORD.encode(),
        WRONG_PASSWORD.encode(),
        basic_token(SECRET_PASSWORD),
        basic_token(WRONG_PASSWORD),
    ]
    stores = [home, tmp_path / "lake", *tmp_path.glob("catalog.sqlite*")]
    assert any(p.suffix == ".db" for p in home.rglob("*")) and any((tmp_path / "lake").rglob("*.parquet"))
    assert leaks(stores, secrets) == []


def test_case_25_the_leak_search_finds_a_planted_secret(tmp_path):
    """Case 25's search would see a leak: the same grep over a SQLite file that holds the token."""
    import sqlite3

    token = basic_token(SECRET_PASSWORD)
    con = sqlite3.connect(tmp_path / "runs.db")
    con.execute("create table t (x text)")
    con.execute("insert into t values (?)", [f"Authorization: Basic {token.decode()}"])
    con.commit()
    con.close()
    assert leaks([tmp_path], [SECRET_PASSWORD.encode(), token]) == [str(tmp_path / "runs.db")]


def test_case_27_everything_listens_on_loopback_only(sim):
    """Case 27: the simulator binds 127.0.0.1 (also its CLI's default), and the UI and the dashboard are started
    on 127.0.0.1, which is also dagster-webserver's own default (code servers talk over unix sockets)."""
    from dagster_webserver.cli import dagster_webserver

    from isone_platform import demo
    from isone_platform.dashboard import server as dashboard_server
    from isone_platform.simulator import cli as sim_cli

    assert {p.name: p.default for p in dagster_webserver.params}["host"] == "127.0.0.1"

    assert sim._httpd.socket.getsockname()[0] == "127.0.0.1"  # noqa: SLF001 - the bound socket is the truth
    assert SimulatorServer().host == "127.0.0.1"
    assert sim_cli.build_parser().parse_args([]).host == "127.0.0.1"
    ui = demo.dagster_dev_command(3999)  # what `make demo` starts
    assert ui[ui.index("-h") + 1] == "127.0.0.1"
    page = dashboard_server.command(port=3998)  # `isone-platform dashboard` and the demo's dashboard
    assert page[page.index("--server.address") + 1] == "127.0.0.1"
