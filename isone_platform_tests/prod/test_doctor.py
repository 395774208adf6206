"""`isone-platform doctor`: ✓ lines and exit 0 on a healthy environment (local and prod), ✗ and exit 1 otherwise;
never prints a secret."""

from __future__ import annotations

import os
import subprocess
import sys

from isone_platform.cli import main

from .servers import APP_PASSWORD

CHECK_NAMES = ["config valid", "credentials", "ISO-NE API", "lake writable", "warehouse writable"]


def doctor(capsys) -> tuple[int, list[str]]:
    code = main(["doctor"])
    out = capsys.readouterr().out
    return code, out.splitlines()


def marks(lines: list[str]) -> dict[str, str]:
    return {name: line[0] for line in lines for name in CHECK_NAMES if line[2:].startswith(name + ":")}


def test_local_environment_against_the_simulator_passes(platform_env, capsys, tmp_path):
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert marks(lines) == dict.fromkeys(CHECK_NAMES, "✓")
    assert lines[-1] == "5/5 checks passed"
    assert "/fiveminutesystemload/info answered HTTP 200" in "\n".join(lines)
    text = "\n".join(lines)
    assert "ISONE_ENV=local" in text and "demo:demo" not in text
    assert not (tmp_path / "lake" / "_doctor").exists()  # the probe leaves nothing behind


def test_prod_environment_with_s3_and_postgres_passes(prod_env, capsys):
    code, lines = doctor(capsys)
    assert code == 0, lines
    text = "\n".join(lines)
    assert marks(lines) == dict.fromkeys(CHECK_NAMES, "✓")
    assert f"s3://{prod_env.bucket}/lake (endpoint {prod_env.s3.endpoint})" in text
    assert "AWS credentials (env)" in text
    assert APP_PASSWORD not in text and "testing-secret" not in text
    assert prod_env.s3.client.list_objects_v2(Bucket=prod_env.bucket).get("KeyCount", 0) == 0  # no probe left


def test_wrong_database_password_and_missing_bucket_fail(prod_env, capsys, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    monkeypatch.setenv("ISONE_LAKE_URL", "s3://no-such-bucket-xyz/lake")
    code, lines = doctor(capsys)
    assert code == 1
    m = marks(lines)
    assert m["lake writable"] == "✗" and m["warehouse writable"] == "✗"
    assert m["config valid"] == m["credentials"] == m["ISO-NE API"] == "✓"
    text = "\n".join(lines)
    assert "'no-such-bucket-xyz' does not exist at endpoint " + prod_env.s3.endpoint in text
    assert "password authentication failed" in text and "not-the-password" not in text
    assert lines[-1] == "3/5 checks passed; failed: lake writable, warehouse writable"


def test_missing_credentials_wrong_api_password_and_bad_config_fail(platform_env, capsys, monkeypatch):
    monkeypatch.setenv("ISONE_PASSWORD", "wrong-api-password")
    code, lines = doctor(capsys)
    assert code == 1 and marks(lines)["ISO-NE API"] == "✗"
    assert "authentication failed" in "\n".join(lines) and "wrong-api-password" not in "\n".join(lines)

    monkeypatch.delenv("ISONE_PASSWORD")
    monkeypatch.setenv("ISONE_ENV", "prod")  # with a local lake and SQLite catalog: inconsistent
    code, lines = doctor(capsys)
    m = marks(lines)
    assert code == 1 and m["config valid"] == "✗" and m["credentials"] == "✗"
    assert "ISONE_LAKE_URL must be s3://bucket/prefix in prod" in "\n".join(lines)
    assert "ISONE_PASSWORD not set" in "\n".join(lines)


def test_cli_subprocess_prints_checks_and_exit_status(platform_env):
    proc = subprocess.run(
        [sys.executable, "-m", "isone_platform.cli", "doctor"],
        capture_output=True,
        text=True,
        env={**os.environ},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert [line[0] for line in proc.stdout.splitlines()[:5]] == ["✓"] * 5
