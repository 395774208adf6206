"""dbt (dbt-duckdb) on the DuckLake warehouse: the project, its manifest, the connection environment.

- The manifest (`dbt_project/target/manifest.json`) is produced by `ensure_manifest()`, called when the
  definitions load: it runs `dbt parse` (offline, a few seconds) when the manifest is missing or older than any
  file of the dbt project, under a file lock, and swaps the new manifest in atomically. So `dagster dev`,
  `dagster definitions validate`, the demo's in-process runs, run workers and tests all find a current one
  (`DbtProject.prepare_if_dev()` only acts under `dagster dev`).
- dbt reaches the warehouse through `dbt_project/profiles.yml`: an in-memory DuckDB that attaches the DuckLake
  catalog as `isone` (the same alias the std writers use), from two variables set by `dbt_env()` out of the
  `warehouse` resource's config: `ISONE_DBT_CATALOG` (the catalog after `ducklake:`) and `ISONE_DBT_DATA_PATH`;
  memory and S3 access from the settings. dbt runs as a child process with an environment built from them.
- The DuckDB extensions dbt loads are installed offline from their PyPI packages first
  (`install_duckdb_extensions`), as the warehouse module does for itself.

No Dagster definitions here (defs/marts/ builds them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import duckdb

from isone_platform.lib import warehouse
from isone_platform.lib.aws import AwsSettings
from isone_platform.lib.schemas import REVISION_TABLES, STD_TABLES
from isone_platform.lib.settings import PACKAGE_ROOT, Settings, current_settings, scoped_environ
from isone_platform.lib.warehouse import WarehouseConfig

DBT_PROJECT_DIR = PACKAGE_ROOT / "dbt_project"
DBT_TARGET_DIR = DBT_PROJECT_DIR / "target"
MANIFEST_PATH = DBT_TARGET_DIR / "manifest.json"
MART_SCHEMA = "mart"
MART_GROUP = "mart"  # groups are layers: raw, std, mart (lib/asset_meta.py)
MART_TABLES = (
    "isone__load_daily",
    "isone__lmp_daily",
    "isone__fuel_mix_daily",
    "isone__system_vs_zonal_daily",
    "isone__load_forecast_accuracy_daily",
    "isone__seven_day_outlook",
    "isone__price_revisions_daily",
)

# Files whose change makes the manifest stale.
_SOURCE_DIRS = ("models", "macros", "tests", "seeds", "snapshots")
_SOURCE_FILES = ("dbt_project.yml", "profiles.yml")


class DbtManifestError(RuntimeError):
    """`dbt parse` failed: the message carries dbt's output."""


def dbt_executable() -> str:
    """The dbt of this environment (the venv's `bin/dbt` next to the running Python), else `dbt` on PATH."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("dbt")
    if not found:
        raise DbtManifestError("dbt is not installed in this environment (expected next to the Python executable)")
    return found


def dbt_env(config: WarehouseConfig, settings: Settings | None = None) -> dict[str, str]:
    """Environment variables the dbt profile reads, for the warehouse `config` (the `warehouse` resource's);
    memory limit and S3 access from `settings` (default: this process's)."""
    settings = settings or current_settings()
    env = {
        "ISONE_DBT_CATALOG": config.catalog,
        "ISONE_DBT_DATA_PATH": config.data_path,
        "ISONE_DBT_MEMORY_LIMIT": settings.isone_dbt_memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    if config.data_path.startswith("s3://"):
        env.update(_s3_settings_env(config.aws or settings.aws))
    return env


def _s3_settings_env(aws: AwsSettings) -> dict[str, str]:
    """DuckDB s3_* settings for the profile, from the same AWS settings the warehouse's S3 secret uses.
    Credentials go in `DBT_ENV_SECRET_*` variables, which dbt redacts from its logs."""
    env = {"ISONE_DBT_S3_REGION": aws.region_name}
    for secret, var in (
        (aws.access_key_id, "KEY_ID"),
        (aws.secret_access_key, "SECRET"),
        (aws.session_token, "SESSION_TOKEN"),
    ):
        if secret is not None:
            env[f"DBT_ENV_SECRET_ISONE_S3_{var}"] = secret.get_secret_value()
    endpoint = aws.endpoint
    if endpoint:
        env.update(
            ISONE_DBT_S3_ENDPOINT=endpoint.host,
            ISONE_DBT_S3_URL_STYLE="path",
            ISONE_DBT_S3_USE_SSL="true" if endpoint.use_ssl else "false",
        )
    return env


@contextmanager
def dbt_environment(
    config: WarehouseConfig,
    settings: Settings | None = None,
    days: tuple[date, date] | None = None,
) -> Iterator[dict[str, str]]:
    """`dbt_env(config)` and the operating `days` to rebuild (none: every day) in this process's environment for
    the duration (dagster-dbt hands its own environment to dbt and takes none), then restored."""
    values = {**dbt_env(config, settings), **day_range_env(*(days or (None, None)))}
    with scoped_environ(values):
        yield values


def install_duckdb_extensions(config: WarehouseConfig) -> None:
    """Install (offline, from the PyPI extension packages) every DuckDB extension the dbt profile loads for `config`.

    dbt-duckdb runs `INSTALL x; LOAD x` for each profile extension; INSTALL of an installed extension needs no
    network. Uses the warehouse module's own loader so both agree on which extensions a config needs.
    """
    con = duckdb.connect(":memory:")
    try:
        warehouse.load_extensions(con, config)  # the one place that knows the extension set
        warehouse.load_extension(con, "httpfs")  # the profile always loads it
    finally:
        con.close()


def prepare_warehouse(config: WarehouseConfig) -> None:
    """Everything dbt needs before it attaches: extension files installed, local catalog dir and data path present
    (and a SQLite catalog in WAL mode, like the std writers use)."""
    install_duckdb_extensions(config)
    warehouse.prepare_local_paths(config)
    # The marts read every std table as a source: a table never materialized yet (a fresh warehouse that only
    # polls, say) must exist, empty, or dbt fails on the missing relation.
    con = warehouse.open_connection(config, read_only=False)
    try:
        warehouse.ensure_tables(con, [*STD_TABLES.values(), *REVISION_TABLES.values()])
    finally:
        con.close()


# ---------------------------------------------------------------------------------------------------------------
# manifest


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _SOURCE_FILES:
        path = project_dir / name
        if path.exists():
            newest = max(newest, path.stat().st_mtime)
    for name in _SOURCE_DIRS:
        root = project_dir / name
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file():
                    newest = max(newest, path.stat().st_mtime)
    return newest


def manifest_is_current(project_dir: Path = DBT_PROJECT_DIR) -> bool:
    manifest = project_dir / "target" / "manifest.json"
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project_dir)


def ensure_manifest(project_dir: Path = DBT_PROJECT_DIR, *, force: bool = False) -> Path:
    """Return `target/manifest.json`, running `dbt parse` first when it is missing or stale (or `force`).

    Safe across processes (a file lock; a process that waited finds the fresh manifest and does not parse
    again) and for readers (the new manifest is parsed into a temporary target directory and moved in).
    """
    from filelock import FileLock

    manifest = project_dir / "target" / "manifest.json"
    if not force and manifest_is_current(project_dir):
        return manifest
    target = project_dir / "target"
    target.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target / ".manifest.lock"), timeout=300):
        if not force and manifest_is_current(project_dir):
            return manifest
        scratch = Path(tempfile.mkdtemp(prefix=".parse-", dir=target))
        try:
            settings = current_settings()
            extra = {**dbt_env(WarehouseConfig.from_settings(settings), settings), "DBT_TARGET_PATH": str(scratch)}
            env = settings.child_env({**extra, "DBT_LOG_PATH": str(scratch)})
            # partial parsing from the previous manifest keeps a re-parse after a small edit fast
            if (target / "partial_parse.msgpack").exists():
                shutil.copy2(target / "partial_parse.msgpack", scratch / "partial_parse.msgpack")
            proc = subprocess.run(
                [
                    dbt_executable(),
                    "parse",
                    "--quiet",
                    "--project-dir",
                    str(project_dir),
                    "--profiles-dir",
                    str(project_dir),
                ],
                cwd=project_dir,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if proc.returncode != 0 or not (scratch / "manifest.json").exists():
                raise DbtManifestError(
                    f"`dbt parse` of {project_dir} failed (exit {proc.returncode}):\n"
                    f"{proc.stdout[-4000:]}{proc.stderr[-4000:]}"
                )
            for name in ("partial_parse.msgpack", "semantic_manifest.json"):
                if (scratch / name).exists():
                    os.replace(scratch / name, target / name)
            os.replace(scratch / "manifest.json", manifest)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return manifest


def prune_run_targets(keep: int = 10, min_age_seconds: float = 3600, target_dir: Path = DBT_TARGET_DIR) -> int:
    """Remove old per-invocation target directories (dagster-dbt gives every `dbt` call its own under target/,
    with its logs and run_results.json): all but the newest `keep`, and only those idle for `min_age_seconds`.
    Returns how many were removed."""
    if not target_dir.is_dir():
        return 0
    runs = sorted(
        (p for p in target_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    now = time.time()
    removed = 0
    for path in runs[keep:]:
        if now - path.stat().st_mtime >= min_age_seconds:
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


# ---------------------------------------------------------------------------------------------------------------
# run arguments


DAY_RANGE_ENV = ("ISONE_DBT_MIN_DATE", "ISONE_DBT_MAX_DATE")
"""The variables the dbt macro `day_range()` (dbt_project/macros/operating_days.sql) reads at execution: a run's
days reach dbt through the environment, not `--vars`, because dbt re-parses the whole project whenever the
command-line vars change, and every run has its own days."""


def day_range_env(first: date | None, last: date | None) -> dict[str, str]:
    """`DAY_RANGE_ENV` for the operating days [first, last] (inclusive); no days -> both empty (every day)."""
    if first is None or last is None:
        return dict.fromkeys(DAY_RANGE_ENV, "")
    if last < first:
        raise ValueError(f"empty operating-day range {first} .. {last}")
    return dict(zip(DAY_RANGE_ENV, (first.isoformat(), last.isoformat()), strict=True))


def dbt_resource():
    """The `dbt` resource: dagster-dbt's CLI resource on dbt_project/, with the venv's dbt executable, minus the
    fixed costs per run we do not use (`lib/dbt_resource.py`)."""
    from isone_platform.lib.dbt_resource import IsoneDbtCliResource

    return IsoneDbtCliResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
