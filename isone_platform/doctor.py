"""`isone-platform doctor`: is this environment able to run the platform? (The old pipeline's health checks.)

One line per check, ✓ or ✗, and exit status 1 when any check fails:
- config: ISONE_ENV and the storage URLs are consistent (prod: S3 lake, PostgreSQL catalog without a password
  in the URL), and the Dagster resources build;
- credentials: ISO-NE user and password set (never printed); for an S3 lake, AWS credentials found;
- ISO-NE (or the simulator) answers `/fiveminutesystemload/info`;
- lake writable: a probe object is put, read back and deleted;
- warehouse writable: the catalog is attached read-write and a probe table is created and written (its Parquet
  file goes to the data path) inside a transaction that is rolled back, leaving no trace.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from isone_platform.lib.settings import Settings, SettingsError

OK, FAIL = "✓", "✗"


@dataclass
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{OK if self.ok else FAIL} {self.name}: {self.detail}"


def _run(name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(name, True, fn())
    except Exception as exc:  # every failure becomes a ✗ line, never a traceback
        from isone_platform.lib.warehouse import redact

        message = " ".join(str(exc).split()) or type(exc).__name__
        return Check(name, False, redact(message)[:600])


def check_config(settings: Settings) -> str:
    from isone_platform.lib.resources import build_resources
    from isone_platform.lib.warehouse import redact

    warehouse = build_resources(settings)["warehouse"]  # raises ConfigError on an inconsistent prod environment
    return (
        f"ISONE_ENV={settings.isone_env}, lake {settings.lake_url}, warehouse catalog {redact(warehouse.catalog)}, "
        f"data {warehouse.data_path}"
    )


def check_credentials(settings: Settings) -> str:
    missing = [n for n in ("isone_username", "isone_password") if getattr(settings, n) is None]
    if missing:
        names = " and ".join(n.upper() for n in missing)
        raise RuntimeError(f"{names} not set (ISO Express account; see .env.example)")
    found = ["ISONE_USERNAME", "ISONE_PASSWORD"]
    if settings.lake_url.startswith("s3://") and settings.aws.has_keys:
        found.append("AWS credentials (env)")  # from the environment or .env, as boto's chain names it
    elif settings.lake_url.startswith("s3://"):
        import boto3

        credentials = boto3.Session().get_credentials()
        if credentials is None:
            raise RuntimeError(
                "ISO-NE credentials set, but no AWS credentials found (AWS_ACCESS_KEY_ID / "
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or an instance/IRSA role)"
            )
        found.append(f"AWS credentials ({credentials.method})")
    return "set: " + ", ".join(found) + " (values not shown)"


def check_isone_api(settings: Settings) -> str:
    from isone_platform.lib.isone_client import IsoneClient, RetryPolicy

    base_url = settings.isone_base_url
    path = "/fiveminutesystemload/info"
    started = time.perf_counter()
    password = settings.isone_password.get_secret_value() if settings.isone_password else None
    with IsoneClient(
        base_url,
        settings.isone_username,
        password,
        retry=RetryPolicy(2, 0.5, 2.0),
        connect_timeout=5.0,
        read_timeout=20.0,
    ) as client:
        response = client.get(path)
    return f"{base_url}{path} answered HTTP {response.status} in {time.perf_counter() - started:.2f} s"


def check_lake(settings: Settings) -> str:
    from isone_platform.lib.lake import LocalLake, S3Lake, lake_from_url
    from isone_platform.lib.resources import s3_resource

    url = settings.lake_url
    lake = lake_from_url(url, s3=s3_resource(settings) if url.startswith("s3://") else None)
    if isinstance(lake, S3Lake):
        lake.check_bucket()
    key = f"_doctor/probe-{uuid.uuid4().hex}.txt"
    payload = b"isone-platform doctor probe"
    lake.put(key, payload)
    try:
        if lake.get(key) != payload:
            raise RuntimeError(f"{url}: the probe object read back differs from what was written")
    finally:
        lake.delete([key])
    if lake.exists(key):
        raise RuntimeError(f"{url}: the probe object could not be deleted")
    if isinstance(lake, LocalLake):
        try:
            (lake.root / "_doctor").rmdir()
        except OSError:
            pass
    where = f" (endpoint {lake.endpoint})" if isinstance(lake, S3Lake) else ""
    return f"{lake.url}{where}: probe object put, read back and deleted"


def check_warehouse(settings: Settings) -> str:
    from isone_platform.lib.warehouse import DuckLakeResource, redact

    warehouse = DuckLakeResource.from_settings(settings)
    with warehouse.connect(read_only=False) as con:
        table = f"main._doctor_probe_{uuid.uuid4().hex[:12]}"
        con.execute("BEGIN")
        try:
            # enough rows to be written as a Parquet file to the data path (not inlined into the catalog)
            con.execute(f"CREATE TABLE {table} AS SELECT range AS i FROM range(20000)")
            [(rows,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
        finally:
            con.execute("ROLLBACK")
        [(tables,)] = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'isone' AND table_schema = 'std'"
        ).fetchall()
    if rows != 20000:
        raise RuntimeError(f"probe table returned {rows} rows instead of 20000")
    return (
        f"catalog {redact(warehouse.catalog)} attached read-write, probe table written to {warehouse.data_path} "
        f"and rolled back; {tables} std table(s)"
    )


CHECKS: list[tuple[str, Callable[[Settings], str]]] = [
    ("config valid", check_config),
    ("credentials", check_credentials),
    ("ISO-NE API", check_isone_api),
    ("lake writable", check_lake),
    ("warehouse writable", check_warehouse),
]


def run_checks(out=None, settings: Settings | None = None) -> int:
    """Run every check on `settings` (default: read now), print one line each; 0 when all pass, 1 otherwise.
    Settings that do not validate are the failed config check, and nothing else can run."""
    out = out or sys.stdout
    if settings is None:
        try:
            settings = Settings.from_env()
        except SettingsError as exc:
            print(Check(CHECKS[0][0], False, str(exc)).line(), file=out, flush=True)
            print(f"0/{len(CHECKS)} checks passed; failed: {CHECKS[0][0]}", file=out, flush=True)
            return 1
    results = []
    for name, fn in CHECKS:
        result = _run(name, lambda fn=fn: fn(settings))
        results.append(result)
        print(result.line(), file=out, flush=True)
    failed = [r.name for r in results if not r.ok]
    print(
        f"{len(results) - len(failed)}/{len(results)} checks passed"
        + (f"; failed: {', '.join(failed)}" if failed else ""),
        file=out,
        flush=True,
    )
    return 1 if failed else 0


def _main(args: argparse.Namespace) -> int:
    return run_checks()


def register(subparsers) -> None:
    """Add `doctor` to the `isone-platform` CLI."""
    parser = subparsers.add_parser(
        "doctor", help="check credentials, ISO-NE, the lake, the warehouse and the config; exit 1 on any ✗"
    )
    parser.set_defaults(func=_main)
