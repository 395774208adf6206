"""`isone-platform`: the demo, the dashboard, SQL on the warehouse, and the terminal commands analysts and
operators use (backfill, catalog, status, export, dq, doctor)."""

from __future__ import annotations

import argparse
import importlib
import sys

COMMAND_MODULES = ("doctor", "backfill", "catalog", "status", "export")
"""The commands that live in a module of their own (`isone_platform/<name>.py`, each with `register(sub)`):
`doctor` (environment health checks), `backfill` (launch and follow a partition backfill), `catalog` (every
dataset's days, rows, size, materialization, checks), `status` (backfills, sensors, schedules, freshest polled
data), `export` (days of a dataset to Parquet/CSV/JSON, local or S3)."""


def _sql(args: argparse.Namespace) -> int:
    import polars as pl

    from isone_platform import warehouse

    con = warehouse.connect()  # read-only: a refused statement raises ReadOnlyViolation, reported by main()
    try:
        relation = con.sql(args.query)
        frame = None if relation is None else relation.pl()
    finally:
        con.close()
    if frame is None:  # a statement without a result (CREATE TABLE memory.t …, SET TimeZone …)
        print("ok (the statement returns no rows)")
        return 0
    with pl.Config(tbl_rows=args.max_rows, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=60):
        print(frame)
    return 0


def _restore_catalog(args: argparse.Namespace) -> int:
    from isone_platform.lib import warehouse
    from isone_platform.lib.lake import lake_from_url
    from isone_platform.lib.settings import current_settings

    settings = current_settings()
    lake = lake_from_url(settings.lake_url)
    if args.list:
        for key in warehouse.catalog_backups(lake):
            print(key)
        return 0
    config = warehouse.DuckLakeResource.from_settings(settings).config
    key = warehouse.restore_sqlite_catalog(config, lake, args.backup)
    print(
        f"restored {config.sqlite_path} from {lake.url}/{key}; materialize the days written since that copy "
        "again (docs/restore.md)"
    )
    return 0


def _dq(args: argparse.Namespace) -> int:
    from datetime import date

    from isone_platform.dq import run_dq

    return run_dq([date.fromisoformat(args.date)] if args.date else None, last=args.last)


def _demo(args: argparse.Namespace) -> int:
    from isone_platform.demo import run_demo

    return run_demo(
        ui=not args.no_ui, days=args.days, ui_port=args.port, sim_port=args.sim_port, dashboard_port=args.dashboard_port
    )


def _dashboard(args: argparse.Namespace) -> int:
    from isone_platform.dashboard.server import serve

    return serve(args.host, args.port)


def main(argv: list[str] | None = None) -> int:
    """Commands read the settings once, on first use (`current_settings()`); an invalid one is reported as
    `error: invalid setting NAME=…: what it accepts`."""
    parser = argparse.ArgumentParser(prog="isone-platform", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    sql = sub.add_parser("sql", help="run a query on the warehouse (read-only) and print the result")
    sql.add_argument("query", help='e.g. "select * from system_load order by ts_utc desc limit 5"')
    sql.add_argument("--max-rows", type=int, default=50)
    sql.set_defaults(func=_sql)

    from isone_platform.dashboard.server import DEFAULT_HOST, DEFAULT_PORT

    demo = sub.add_parser("demo", help="run the platform on the bundled simulator and serve the UI and the dashboard")
    demo.add_argument("--no-ui", action="store_true", help="stop after the summary")
    demo.add_argument("--days", type=int, default=3, help="complete days before today to materialize")
    demo.add_argument("--port", type=int, default=3000, help="Dagster UI port (127.0.0.1)")
    demo.add_argument("--sim-port", type=int, default=8765, help="simulator port (127.0.0.1)")
    demo.add_argument("--dashboard-port", type=int, default=DEFAULT_PORT, help="dashboard port (127.0.0.1)")
    demo.set_defaults(func=_demo)

    dash = sub.add_parser("dashboard", help="serve the analysts' dashboard (read-only) until Ctrl-C")
    dash.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})")
    dash.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    dash.set_defaults(func=_dashboard)

    dq = sub.add_parser("dq", help="print a data-quality snapshot (read-only); exit 1 on any ERROR finding")
    dq_days = dq.add_mutually_exclusive_group()
    dq_days.add_argument("--date", help="one operating day, YYYY-MM-DD")
    dq_days.add_argument("--last", type=int, default=3, help="the latest N operating days with data (default 3)")
    dq.set_defaults(func=_dq)

    restore = sub.add_parser(
        "restore-catalog", help="put a backup of the SQLite warehouse catalog back (docs/restore.md)"
    )
    restore.add_argument("--backup", help="the lake key of the copy (default: the newest); see --list")
    restore.add_argument("--list", action="store_true", help="list the catalog copies in the lake, oldest first")
    restore.set_defaults(func=_restore_catalog)

    for module in COMMAND_MODULES:  # each module's `register(sub)` adds its subcommand
        importlib.import_module(f"isone_platform.{module}").register(sub)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Exception as exc:  # the CLI reports, it does not dump tracebacks on users
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
