"""`isone-platform status`: the running platform at a glance.

From the Dagster instance of `DAGSTER_HOME` (read-only, `lib/instance_view.py`):
- the backfills in flight, each with its progress: partitions done / total (for an asset backfill, asset
  partitions: an asset × operating day counts once);
- each sensor — the poll sensor `isone_poll_sensor` among them (`defs/polling/`) — with its state and last tick;
- each schedule with its state, last tick and the last run it launched (name, status, time).
From the warehouse (read-only `isone_platform.warehouse.connect()`): the freshest interval of each polled dataset
(`lib/datasets.POLLED`; a forecast or report feed by its newest issue) and how old it is.

Without an instance the command says so and still shows the warehouse part; without a warehouse, the other way
round. Exit status 0 either way: this reports, it does not judge (see `isone-platform dq` for that).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from isone_platform.lib.text_table import human_age, print_table

if TYPE_CHECKING:  # the command's imports are deferred: registering it must not slow the other commands down
    import dagster as dg
    import duckdb

    from isone_platform.lib.datasets import Dataset
    from isone_platform.lib.read_only import GuardedConnection

    Connection = duckdb.DuckDBPyConnection | GuardedConnection  # the analysts' read-only one, or any other
    from isone_platform.lib.instance_view import LastRun

INTERVAL_COLUMN = "interval_begin_utc"


def _time(at: datetime | None) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


def _age(at: datetime | None, now: datetime) -> str:
    return human_age((now - at).total_seconds()) if at else ""


# -- the warehouse ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """The newest interval (or issue) of one polled dataset in the warehouse (None: the table has no rows)."""

    dataset: str
    column: str
    latest: datetime | None


def freshness_column(ds: Dataset) -> str:
    """What "fresh" means for a feed: its newest issue for forecasts and reports, else its newest interval."""
    from isone_platform.lib.poll import issue_column

    return issue_column(ds) or INTERVAL_COLUMN


def freshest(con: Connection, datasets: list[Dataset]) -> list[Freshness]:
    """The freshest interval of each of `datasets` whose table exists."""
    from isone_platform.lib.warehouse import CATALOG_ALIAS

    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = 'std'",
            [CATALOG_ALIAS],
        ).fetchall()
    }
    found = []
    for ds in datasets:
        if ds.table.name in tables:
            column = freshness_column(ds)
            [(latest,)] = con.execute(f'SELECT max("{column}") FROM {ds.table.qualified_name}').fetchall()
            found.append(Freshness(ds.asset_name, column, latest))
    return found


def section(title: str, header: list[str], rows: list[list[Any]], empty: str, out: TextIO) -> None:
    """One part of the report: its title, then its rows as an aligned table, or what it means that there are none."""
    print(f"\n== {title}", file=out)
    if rows:
        print_table(rows, header, out)
    else:
        print(f"  {empty}", file=out)


def print_freshness(found: list[Freshness], now: datetime, out: TextIO) -> None:
    rows = [[f.dataset, f.column, _time(f.latest) or "no rows", _age(f.latest, now)] for f in found]
    header = ["dataset", "column", "latest", "age"]
    section("freshest data of the polled datasets (warehouse)", header, rows, "no polled dataset yet", out)


def warehouse_part(now: datetime, out: TextIO) -> None:
    from isone_platform import warehouse
    from isone_platform.lib.datasets import POLLED

    try:
        con = warehouse.connect()
    except warehouse.WarehouseNotFoundError as exc:
        print(f"\n== warehouse\n  not readable: {exc}", file=out)
        return
    try:
        found = freshest(con, POLLED)
    finally:
        con.close()
    print_freshness(found, now, out)


# -- the instance ----------------------------------------------------------------------------------------------


UNRECORDED = "none recorded yet (the daemon records one on its first tick, the UI when it is switched)"


def print_backfills(instance: dg.DagsterInstance, now: datetime, out: TextIO) -> None:
    from isone_platform.lib.instance_view import backfills_in_flight

    rows = [
        [b.backfill_id, b.status, f"{b.done}/{b.total}", _time(b.started), _age(b.started, now), b.title]
        for b in backfills_in_flight(instance)
    ]
    header = ["backfill", "status", "done/total", "requested", "age", "assets"]
    section("backfills in flight", header, rows, "none", out)


def print_sensors(instance: dg.DagsterInstance, now: datetime, out: TextIO) -> None:
    from dagster._core.scheduler.instigation import InstigatorType

    from isone_platform.lib.instance_view import instigators

    rows = [
        [s.name, s.state, _time(s.last_tick) or "never", _age(s.last_tick, now), s.last_tick_status, s.last_tick_note]
        for s in instigators(instance, InstigatorType.SENSOR)
    ]
    section("sensors", ["sensor", "state", "last tick", "age", "tick status", "note"], rows, UNRECORDED, out)


def print_schedules(instance: dg.DagsterInstance, out: TextIO) -> None:
    from dagster._core.scheduler.instigation import InstigatorType

    from isone_platform.lib.instance_view import instigators, last_schedule_runs

    schedules = instigators(instance, InstigatorType.SCHEDULE)
    runs = last_schedule_runs(instance, [s.name for s in schedules])
    rows = [[s.name, s.state, _time(s.last_tick) or "never", *_run_cells(runs[s.name])] for s in schedules]
    header = ["schedule", "state", "last tick", "last run", "status", "created", "partition"]
    section("schedules", header, rows, UNRECORDED, out)


def _run_cells(run: LastRun | None) -> list[str]:
    if run is None:
        return ["none", "", "", ""]
    return [run.run_id[:8], run.status, _time(run.created), run.partition or ""]


def instance_part(now: datetime, out: TextIO) -> None:
    from isone_platform.lib.instance_view import open_instance
    from isone_platform.lib.settings import current_settings

    home = current_settings().instance_home
    instance = open_instance(home)
    if instance is None:
        print(
            f"== Dagster instance\n  no instance in {home} (DAGSTER_HOME, else the project's .dagster_home): "
            "backfills, sensors and schedules unknown",
            file=out,
        )
        return
    with instance:
        print(f"== Dagster instance {home}", file=out)
        print_backfills(instance, now, out)
        print_sensors(instance, now, out)
        print_schedules(instance, out)


def show_status(out: TextIO | None = None, now: datetime | None = None) -> int:
    """Print the instance part, then the warehouse part, to `out` (default stdout); always 0."""
    stream = out or sys.stdout
    at = now or datetime.now(UTC)
    instance_part(at, stream)
    warehouse_part(at, stream)
    return 0


def _main(args: argparse.Namespace) -> int:
    return show_status()


def register(subparsers) -> None:
    """Add `status` to the `isone-platform` CLI."""
    parser = subparsers.add_parser(
        "status", help="backfills in flight, the poll sensor, the schedules' last runs, the freshest polled data"
    )
    parser.set_defaults(func=_main)
