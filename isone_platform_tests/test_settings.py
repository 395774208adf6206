"""`Settings`: `.env.example` documents exactly its ISONE_* variables, with its defaults; an invalid value is an
error naming the variable and what it accepts; `.env` is read without touching `os.environ`; secrets stay hidden."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from isone_platform.lib.settings import PACKAGE_ROOT, Settings, SettingsError

EXAMPLE = PACKAGE_ROOT / ".env.example"
LINE = re.compile(r"^(#\s*)?(ISONE_[A-Z0-9_]+)=(.*)$")


def _documented() -> dict[str, tuple[bool, str]]:
    """ISONE_* variables of .env.example: name -> (commented out, example value)."""
    found = {}
    for line in EXAMPLE.read_text().splitlines():
        match = LINE.match(line.strip())
        if match:
            found[match[2]] = (bool(match[1]), match[3].strip())
    return found


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No ISONE_* / AWS_* variables and a project root without .env."""
    for name in list(os.environ):
        if name.startswith(("ISONE_", "AWS_")) or name == "PGPASSWORD":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ISONE_PROJECT_ROOT", str(tmp_path))
    return tmp_path


def test_every_documented_variable_is_a_field_and_vice_versa():
    fields = {name.upper() for name in Settings.model_fields if name.startswith("isone_")}
    assert set(_documented()) == fields


def test_documented_values_are_the_defaults(clean_env, monkeypatch):
    """An uncommented example value is the default (except the placeholders of the credentials)."""
    defaults = Settings.from_env()
    for name, (commented, value) in _documented().items():
        if commented or not value or name == "ISONE_USERNAME":
            continue
        monkeypatch.setenv(name, value)
        assert getattr(Settings.from_env(), name.lower()) == getattr(defaults, name.lower()), name


def test_defaults(clean_env):
    s = Settings.from_env()
    assert s.isone_env == "local"
    assert s.lake_url == str(clean_env / "data" / "lake")
    assert s.isone_backfill_days_per_run == 15
    assert s.isone_polling is True
    assert s.isone_password is None
    assert s.aws.region_name == "us-east-1" and s.aws.endpoint is None
    assert s.instance_home == (clean_env / ".dagster_home").resolve()  # the demo's instance, found by catalog/status


def test_dagster_home_is_the_instance_home_when_set(clean_env, monkeypatch, tmp_path):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert Settings.from_env().instance_home == (tmp_path / "home").resolve()


@pytest.mark.parametrize(
    ("name", "value", "accepts"),
    [
        ("ISONE_ENV", "qa", "'local' or 'prod'"),
        ("ISONE_POLLING", "maybe", "boolean"),
        ("ISONE_BACKFILL_DAYS_PER_RUN", "0", "greater than 0"),
        ("ISONE_MAX_ATTEMPTS", "five", "integer"),
        ("ISONE_DAGSTER_URL", "localhost:3000", "http(s) URL"),
    ],
)
def test_an_invalid_value_names_the_variable(clean_env, monkeypatch, name, value, accepts):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=re.escape(name)) as raised:
        Settings.from_env()
    assert accepts in str(raised.value)


def test_the_error_shows_the_value_of_a_setting_but_never_a_secret(clean_env, monkeypatch):
    monkeypatch.setenv("ISONE_MAX_ATTEMPTS", "five")
    with pytest.raises(SettingsError, match=r"ISONE_MAX_ATTEMPTS='five': Input should be a valid integer"):
        Settings.from_env()
    monkeypatch.setenv("ISONE_PASSWORD", "hunter2")
    s = Settings.from_env(isone_max_attempts=3)
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.model_dump())


def test_dotenv_is_read_without_touching_os_environ(clean_env: Path, monkeypatch):
    (clean_env / ".env").write_text("ISONE_USERNAME=alice\nISONE_PASSWORD=s3cret\nISONE_BACKFILL_DAYS_PER_RUN=7\n")
    monkeypatch.setenv("ISONE_BACKFILL_DAYS_PER_RUN", "9")  # the environment wins
    s = Settings.from_env()
    assert (s.isone_username, s.isone_backfill_days_per_run) == ("alice", 9)
    assert s.isone_password is not None and s.isone_password.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s) and "ISONE_PASSWORD" not in os.environ
    assert s.child_env()["ISONE_PASSWORD"] == "s3cret"  # a child process gets it explicitly


def test_aws_resolution(clean_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    aws = Settings.from_env().aws
    assert (aws.endpoint_url, aws.region_name) == ("http://127.0.0.1:5000", "eu-west-1")
    assert aws.endpoint is not None and (aws.endpoint.host, aws.endpoint.use_ssl) == ("127.0.0.1:5000", False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "minio.example")
    monkeypatch.setenv("AWS_REGION", "us-west-2")
    aws = Settings.from_env().aws
    assert aws.endpoint is not None and aws.endpoint.use_ssl and aws.region_name == "us-west-2"


def test_library_credentials_from_dotenv_reach_the_process_environment_without_overriding(clean_env, monkeypatch):
    """boto3 (raw S3 lake) and libpq (PostgreSQL catalog) read only the process environment: building the
    resources hands them the `.env` values, but a variable already exported wins, and nothing else is exported."""
    from isone_platform.lib.resources import build_resources

    (clean_env / ".env").write_text(
        "AWS_ACCESS_KEY_ID=from-dotenv\nAWS_SECRET_ACCESS_KEY=dotenv-secret\nPGPASSWORD=pg-dotenv\nISONE_USERNAME=bob\n"
    )
    monkeypatch.setenv("PGPASSWORD", "exported")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "")  # registered with monkeypatch, so the test leaves the environment as it found it
    build_resources()
    assert os.environ["AWS_ACCESS_KEY_ID"] == "from-dotenv"
    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "dotenv-secret"
    assert os.environ["PGPASSWORD"] == "exported"
    assert "ISONE_USERNAME" not in os.environ


def test_history_start_defaults_to_the_demo_days_and_accepts_an_earlier_date(clean_env, monkeypatch):
    from datetime import date, timedelta

    from isone_platform.lib.partitions import operating_day_partitions_for, today_operating_day
    from isone_platform.lib.settings import DEFAULT_HISTORY_DAYS

    today = today_operating_day()
    default = Settings.from_env()
    assert default.isone_history_start is None
    assert default.history_start == today - timedelta(days=DEFAULT_HISTORY_DAYS)
    keys = operating_day_partitions_for(default).get_partition_keys()
    assert keys[0] == (today - timedelta(days=DEFAULT_HISTORY_DAYS)).isoformat() and keys[-1] == today.isoformat()
    assert len(keys) == DEFAULT_HISTORY_DAYS + 1  # what `make demo` fills: its 3 complete days and today

    monkeypatch.setenv("ISONE_HISTORY_START", "2016-05-01")
    early = Settings.from_env()
    assert early.history_start == date(2016, 5, 1)
    assert operating_day_partitions_for(early).get_first_partition_key() == "2016-05-01"


@pytest.mark.parametrize(
    ("value", "accepts"), [("2024-02-30", "valid date"), ("last year", "valid date"), ("2999-01-01", "in the future")]
)
def test_an_unusable_history_start_names_the_variable(clean_env, monkeypatch, value, accepts):
    monkeypatch.setenv("ISONE_HISTORY_START", value)
    with pytest.raises(SettingsError, match="ISONE_HISTORY_START") as raised:
        Settings.from_env()
    assert accepts in str(raised.value)


def test_operating_day_partitions_follow_the_settings_when_the_definitions_load(clean_env, monkeypatch):
    """The module-level name every asset module imports is resolved from `current_settings()` on import."""
    from isone_platform.lib import partitions
    from isone_platform.lib.settings import use_settings

    monkeypatch.setenv("ISONE_HISTORY_START", "2024-11-01")
    use_settings(None)
    from isone_platform.lib.partitions import operating_day_partitions

    assert operating_day_partitions.get_first_partition_key() == "2024-11-01"
    assert partitions.operating_day_partitions is operating_day_partitions  # one object per start
