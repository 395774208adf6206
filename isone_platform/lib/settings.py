"""Every setting of the platform, typed and validated, read from the environment (and `.env`) in this one place.

Why one object: the variables used to be read wherever they were needed, some at import time, with defaults
written twice and errors that differed from place to place. Now `Settings.from_env()` is read once when the
definitions load (`defs/resources.py`) or a command starts (`current_settings()`), and passed on: resources are
built from it (`build_resources(settings)`), child processes get an explicit environment from it (`child_env`).
An invalid value raises `SettingsError` naming the variable and what it accepts. Credentials are `SecretStr`:
they print as `**********` in logs, metadata and errors.

The `.env` of the project root (and of the package checkout) is read by pydantic-settings (`env_file`), not
loaded into `os.environ` wholesale; variables already set in the environment win over it. The exception is the
few credentials that libraries read from the process environment only (`LIBRARY_CREDENTIALS`): when resources
are built, `export_library_credentials` hands their `.env` values to this process, never overriding one set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, PositiveFloat, PositiveInt, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from isone_platform.lib.aws import AwsSettings

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BASE_URL = "https://webservices.iso-ne.com/api/v1.1"  # also isone_client.DEFAULT_BASE_URL
DEFAULT_LAKE_URL = "./data/lake"
DEFAULT_CATALOG_URL = "./data/catalog.sqlite"
DEFAULT_DAGSTER_URL = "http://127.0.0.1:3000"  # where `make demo` and `dagster dev` serve the UI
ENVIRONMENTS = ("local", "prod")
# Without ISONE_HISTORY_START the partitions start this many days before today: the days `make demo` materializes
# (its --days, 3, complete days and today), so a new install reads "4 of 4" instead of thousands of missing days.
DEFAULT_HISTORY_DAYS = 3
# Read from the process environment by the libraries themselves: boto3 (the raw S3 lake) and libpq (the
# PostgreSQL catalog). Passing them as resource config would show them in the Dagster UI.
LIBRARY_CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "PGPASSWORD")


class SettingsError(ValueError):
    """An environment variable holds a value the platform cannot use: the message names it and what it accepts."""


class Settings(BaseSettings):
    """The platform's environment. Field `isone_lake_url` is variable `ISONE_LAKE_URL`, and so on; `.env.example`
    documents every `ISONE_*` one (a test keeps the two in step)."""

    model_config = SettingsConfigDict(
        case_sensitive=False, extra="ignore", env_ignore_empty=True, frozen=True, hide_input_in_errors=True
    )

    # which profile
    isone_env: Literal["local", "prod"] = "local"
    isone_project_root: Path | None = Field(default=None, description="where relative paths and .env resolve")
    # the ISO-NE API
    isone_base_url: str = DEFAULT_BASE_URL
    isone_username: str | None = None
    isone_password: SecretStr | None = None
    isone_max_attempts: PositiveInt = 5
    isone_read_timeout_seconds: PositiveFloat = 60.0
    isone_max_body_mb: PositiveInt = 512
    isone_step_max_retries: int = Field(default=3, ge=0)
    isone_step_retry_delay_seconds: float = Field(default=10.0, ge=0)
    isone_api_pool_limit: PositiveInt = 2
    isone_pool_blocked_log_seconds: PositiveInt = 60
    # operations
    isone_poll_tick_seconds: PositiveInt = 5
    isone_poll_probe_seconds: PositiveInt = 60
    isone_poll_window_seconds: PositiveInt = 60
    isone_poll_publication_lag_seconds: int = Field(default=60, ge=0)
    isone_polling: bool = True
    isone_backfill_days_per_run: PositiveInt = 15
    isone_dagster_url: str = Field(
        default=DEFAULT_DAGSTER_URL, description="the Dagster webserver `isone-platform backfill` launches on"
    )
    isone_history_start: date | None = Field(
        default=None, description="first operating day partition (YYYY-MM-DD); unset: DEFAULT_HISTORY_DAYS before today"
    )
    isone_snapshot_retention_hours: PositiveInt = 24
    isone_orphan_min_age_hours: PositiveInt = 48
    isone_raw_archive_days: PositiveInt = 30
    isone_dashboard_refresh_seconds: PositiveInt = 60
    # code references: links from each asset in the UI to its source file in the repository
    isone_repository_url: str | None = Field(
        default=None, description="https://github.com/<org>/<repo> (or a GitLab URL); unset: local file paths"
    )
    isone_repository_branch: str = "main"
    # storage
    isone_lake_url: str = DEFAULT_LAKE_URL
    isone_catalog_url: str = DEFAULT_CATALOG_URL
    isone_warehouse_data_path: str | None = None
    isone_duckdb_memory_limit: str = "1GB"
    isone_dbt_memory_limit: str = "512MB"
    # S3 (standard AWS names) and the PostgreSQL catalog's password (read by libpq)
    aws_region: str | None = None
    aws_default_region: str | None = None
    aws_endpoint_url: str | None = None
    aws_endpoint_url_s3: str | None = None
    aws_access_key_id: SecretStr | None = None
    aws_secret_access_key: SecretStr | None = None
    aws_session_token: SecretStr | None = None
    pgpassword: SecretStr | None = None
    dagster_home: Path | None = None

    @field_validator("isone_history_start")
    @classmethod
    def _history_start_not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > _today_in_new_york():
            raise ValueError(
                f"{value.isoformat()} is in the future: the first operating day must be today or earlier (YYYY-MM-DD)"
            )
        return value

    @field_validator("isone_dagster_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected the Dagster webserver's http(s) URL, e.g. " + DEFAULT_DAGSTER_URL)
        return value.rstrip("/")

    @field_validator("isone_repository_url")
    @classmethod
    def _github_or_gitlab(cls, value: str | None) -> str | None:
        if value is not None and not (
            value.startswith(("https://", "http://")) and ("github" in value or "gitlab" in value)
        ):
            raise ValueError(
                "expected the repository's web URL on GitHub or GitLab, e.g. https://github.com/<org>/<repo> "
                "(Dagster links code references to those two only)"
            )
        return value

    @classmethod
    def from_env(cls, root: Path | None = None, **overrides: Any) -> Settings:
        """Read the environment and the project's `.env` now; `root` overrides `ISONE_PROJECT_ROOT`.

        Raises `SettingsError` naming the first invalid variable and what it accepts."""
        start = Path(root or os.environ.get("ISONE_PROJECT_ROOT") or Path.cwd()).resolve()
        env_files = tuple(dict.fromkeys([PACKAGE_ROOT / ".env", start / ".env"]))  # later files win
        if root is not None:
            overrides["isone_project_root"] = root
        try:
            return cls(_env_file=env_files, **overrides)  # type: ignore[call-arg]
        except ValidationError as exc:
            raise _settings_error(exc) from None

    @property
    def root(self) -> Path:
        """The project root: relative paths resolve against it."""
        return Path(self.isone_project_root or Path.cwd()).resolve()

    @property
    def instance_home(self) -> Path:
        """The Dagster instance's directory: DAGSTER_HOME, else the project's `.dagster_home` (where `make demo`
        keeps its instance), so `catalog`, `status` and the demo agree without DAGSTER_HOME exported."""
        return Path(self.dagster_home or self.root / ".dagster_home").resolve()

    @property
    def history_start(self) -> date:
        """The first operating-day partition: `ISONE_HISTORY_START`, else `DEFAULT_HISTORY_DAYS` before today."""
        return self.isone_history_start or _today_in_new_york() - timedelta(days=DEFAULT_HISTORY_DAYS)

    @property
    def lake_url(self) -> str:
        """`ISONE_LAKE_URL` with a relative directory made absolute against the project root."""
        url = self.isone_lake_url
        if "://" not in url and not os.path.isabs(url):
            url = str((self.root / url).resolve())
        return url

    @property
    def aws(self) -> AwsSettings:
        """Where S3 is, in which region, with which keys: the one resolution of the AWS variables."""
        return AwsSettings(
            endpoint_url=self.aws_endpoint_url_s3 or self.aws_endpoint_url,
            region=self.aws_region or self.aws_default_region,
            access_key_id=self.aws_access_key_id,
            secret_access_key=self.aws_secret_access_key,
            session_token=self.aws_session_token,
        )

    def env_values(self) -> dict[str, str]:
        """Every setting that has a value, by variable name, secrets revealed: for a child process only."""
        values: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, bool):
                value = "on" if value else "off"
            values[name.upper()] = str(value)
        return values

    def child_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment of a child process (dagster dev, dbt, the simulator): this process's environment, the
        settings (so values read from `.env` reach the child too), `extra`, and this venv's bin on PATH."""
        env = {**os.environ, **self.env_values(), **(extra or {})}
        bin_dir = str(Path(sys.executable).parent)
        path = env.get("PATH", "")
        if bin_dir not in path.split(os.pathsep):
            env["PATH"] = f"{bin_dir}{os.pathsep}{path}" if path else bin_dir
        return env

    def from_process_env(self, name: str) -> bool:
        """Whether this process's environment holds this setting's value of variable `name` (not only `.env`,
        nor a value the command overrode): only then can Dagster's `EnvVar(name)` stand for it."""
        raw = os.environ.get(name)
        value = getattr(self, name.lower(), None)
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        return bool(raw) and value is not None and str(value) == raw


def _today_in_new_york() -> date:
    """Today's ISO-NE operating day (lib/partitions.today_operating_day, which imports this module)."""
    return datetime.now(ZoneInfo("America/New_York")).date()


def export_library_credentials(settings: Settings) -> list[str]:
    """Put the settings' `LIBRARY_CREDENTIALS` (from `.env`) into this process's environment where it has none,
    so boto3 and libpq find them as they would an exported variable; the names exported, for tests and logs."""
    values = settings.env_values()
    exported = [name for name in LIBRARY_CREDENTIALS if name in values and not os.environ.get(name)]
    for name in exported:
        os.environ[name] = values[name]
    return exported


def _settings_error(exc: ValidationError) -> SettingsError:
    """The validation errors as a `SettingsError` naming each variable, its value (never a secret's) and what it
    accepts."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        info = Settings.model_fields.get(field)
        secret = info is not None and "SecretStr" in str(info.annotation)
        shown = "" if secret or "input" not in error else f"={error['input']!r}"
        lines.append(f"{field.upper()}{shown}: {error['msg']}")
    return SettingsError("invalid setting " + "; ".join(lines))


_current: Settings | None = None


def current_settings() -> Settings:
    """The settings of this process, read on first use (the definitions when they load, the commands), unless a
    command set its own with `use_settings`. Tests that change the environment call `use_settings(None)`."""
    global _current
    if _current is None:
        _current = Settings.from_env()
    return _current


def use_settings(settings: Settings | None) -> None:
    """Make `settings` this process's settings (the demo points them at its simulator); None: read again on
    next use."""
    global _current
    _current = settings


@contextmanager
def scoped_environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set `values` in this process's environment for the duration, then restore it: for libraries that hand
    `os.environ` to their own child processes (dagster-dbt's `dbt.cli`) and take no environment argument."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def project_root() -> Path:
    """The project root of `current_settings()`."""
    return current_settings().root
