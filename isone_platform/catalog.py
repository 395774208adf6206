"""`isone-platform catalog [--json]`: every dataset of the warehouse at a glance.

One entry per std and mart table the project declares, taken from the registries, never from a list here: the
feeds (`lib/datasets.DATASETS`), the revisions tables (`lib/schemas.REVISION_TABLES`) and the dbt marts
(`lib/dbt.MART_TABLES`), so a dataset a later issue adds appears by itself. For each: its grain, the first and
last operating day with rows, the days present and missing in that span, rows, bytes of its DuckLake data files,
and — from the Dagster instance when `DAGSTER_HOME` holds one — its last materialization and latest check status.
Without an instance those two read "unknown".

Days: the operating day is the ISO-NE local day, America/New_York, as stored in `operating_day`, so a 23- or
25-hour DST day is one day like any other; a feed that exists only from `Dataset.available_from` misses no day
before it; the seven-day forecast is partitioned by issue day, so its days are issue days; a revisions table
misses no day (most days revise nothing).

Read-only throughout: the warehouse through `isone_platform.warehouse.connect()`, the instance through
`lib/instance_view.py`.

`--json` prints a list of objects with exactly the keys of `CATALOG_KEYS` (stable; new keys only ever added):

- `key` (str): the asset key, e.g. `std/isone__system_load_5min`; `layer` (str): `std` or `mart`;
  `table` (str): the warehouse table, e.g. `std.isone__system_load_5min`; `grain` (str): e.g. `5 min`;
- `in_warehouse` (bool): the table exists; `partitioned` (bool): it has an `operating_day` partition;
- `available_from` (str | null): the first day ISO-NE has the feed, YYYY-MM-DD;
- `first_day`, `last_day` (str | null): YYYY-MM-DD; `days_present`, `days_missing` (int);
- `missing_days` (list of [first, last] pairs of YYYY-MM-DD): the missing days as ranges;
- `rows`, `bytes`, `data_files` (int): rows, and size and count of the DuckLake data and delete files;
- `instance` (bool): a Dagster instance was read; without one the next three are null, null and "unknown";
- `last_materialization` (str | null): ISO 8601 UTC; `last_materialization_age_seconds` (int | null);
- `check_status` (str): `PASS`, `WARN`, `ERROR`, `NONE` (no check evaluated yet) or `unknown`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from isone_platform.lib.text_table import human_age, human_bytes, print_table

if TYPE_CHECKING:  # the command's imports are deferred: registering it must not slow the other commands down
    import dagster as dg
    import duckdb

    from isone_platform.lib.datasets import Dataset
    from isone_platform.lib.read_only import GuardedConnection

    Connection = duckdb.DuckDBPyConnection | GuardedConnection  # the analysts' read-only one, or any other

CATALOG_KEYS = (
    "key",
    "layer",
    "table",
    "grain",
    "in_warehouse",
    "partitioned",
    "available_from",
    "first_day",
    "last_day",
    "days_present",
    "days_missing",
    "missing_days",
    "rows",
    "bytes",
    "data_files",
    "instance",
    "last_materialization",
    "last_materialization_age_seconds",
    "check_status",
)
"""The keys of each `--json` object, in order (documented in the module docstring)."""

MART_GRAIN = "1 day"
REVISIONS_GRAIN = "per revision"


@dataclass(frozen=True)
class Entry:
    """One dataset as the registries declare it: where it lives, its grain, the checks that watch it."""

    layer: str
    name: str
    grain: str
    available_from: date | None = None
    check_names: tuple[str, ...] = ()
    gaps_are_missing: bool = True  # False: a day without rows is normal (no value was revised that day)

    @property
    def key(self) -> str:
        """The asset key as Dagster prints it: `std/isone__system_load_5min`."""
        return f"{self.layer}/{self.name}"

    @property
    def table(self) -> str:
        return f"{self.layer}.{self.name}"

    def asset_key(self) -> dg.AssetKey:
        import dagster as dg

        return dg.AssetKey([self.layer, self.name])


def grain_text(ds: Dataset) -> str:
    """`5 min`, `1 h`, `per report`, `per issue`, `snapshots` (irregular), `dimension` (unpartitioned), and
    `…, by issue day` for a feed partitioned by the day its forecasts are issued."""
    if not ds.partitioned:
        return "dimension"
    if ds.rules.reports is not None:
        text = "per report"
    elif ds.grain is None:
        text = "per issue" if ds.rules.issues is not None else "snapshots"
    elif ds.grain % timedelta(hours=1) == timedelta(0):
        text = f"{ds.grain // timedelta(hours=1)} h"
    else:
        text = f"{ds.grain // timedelta(minutes=1)} min"
    return text if ds.rows_inside_day else f"{text}, by issue day"


def std_entries() -> list[Entry]:
    """The feeds' std tables, with the rules their asset checks are named after, then the revisions tables."""
    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.dq.registry import rules_for
    from isone_platform.lib.schemas import REVISION_TABLES

    feeds = [
        Entry(
            ds.table.layer,
            ds.table.name,
            grain_text(ds),
            ds.available_from,
            tuple(rule.name for rule in rules_for(ds.name)),
        )
        for ds in DATASETS.values()
    ]
    revisions = [Entry(t.layer, t.name, REVISIONS_GRAIN, gaps_are_missing=False) for t in REVISION_TABLES.values()]
    return feeds + revisions


def mart_entries(check_names: dict[str, tuple[str, ...]] | None = None) -> list[Entry]:
    """The dbt marts (`mart/<model>`), with the names of their asset checks when they were read."""
    from isone_platform.lib.dbt import MART_SCHEMA, MART_TABLES

    names = check_names or {}
    return [Entry(MART_SCHEMA, m, MART_GRAIN, None, names.get(m, ())) for m in MART_TABLES]


def dbt_test_names(manifest: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    """model name -> its tests' names (dagster-dbt names each test's asset check after the test node)."""
    models = {uid: node["name"] for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"}
    tests: dict[str, list[str]] = {}
    for node in manifest["nodes"].values():
        attached = node.get("attached_node")
        if node["resource_type"] == "test" and attached in models:
            tests.setdefault(models[attached], []).append(node["name"])
    return {model: tuple(sorted(names)) for model, names in tests.items()}


def mart_check_names() -> dict[str, tuple[str, ...]]:
    """The asset checks of each mart: its dbt tests, from the manifest (made current first: `dbt parse` when it is
    stale), and the reconciliations with std of `defs/marts/checks.py`."""
    import dagster as dg

    from isone_platform.defs.marts import checks
    from isone_platform.lib.dbt import ensure_manifest

    names = {model: list(tests) for model, tests in dbt_test_names(json.loads(ensure_manifest().read_text())).items()}
    for definition in vars(checks).values():
        if isinstance(definition, dg.AssetChecksDefinition):
            for key in definition.check_keys:
                names.setdefault(key.asset_key.path[-1], []).append(key.name)
    return {model: tuple(sorted(found)) for model, found in names.items()}


# -- the warehouse ---------------------------------------------------------------------------------------------


@dataclass
class TableStats:
    """What the warehouse holds of one table."""

    in_warehouse: bool = False
    partitioned: bool = False
    rows: int = 0
    days: list[date] = field(default_factory=list)
    bytes: int = 0
    data_files: int = 0


def existing_tables(con: Connection) -> dict[str, bool]:
    """`schema.table` -> whether it has an `operating_day` column, for every table of the warehouse."""
    from isone_platform.lib.warehouse import CATALOG_ALIAS

    rows = con.execute(
        "SELECT table_schema || '.' || table_name, bool_or(column_name = 'operating_day') "
        "FROM information_schema.columns WHERE table_catalog = ? GROUP BY 1",
        [CATALOG_ALIAS],
    ).fetchall()
    return {name: bool(has_day) for name, has_day in rows}


def file_sizes(con: Connection) -> dict[str, tuple[int, int]]:
    """table name -> (bytes, files) of its current DuckLake data and delete files (`ducklake_table_info`)."""
    from isone_platform.lib.warehouse import CATALOG_ALIAS

    rows = con.execute(
        "SELECT table_name, file_size_bytes + delete_file_size_bytes, file_count + delete_file_count "
        f"FROM ducklake_table_info('{CATALOG_ALIAS}')"
    ).fetchall()
    return {name: (int(size or 0), int(files or 0)) for name, size, files in rows}


def table_stats(con: Connection, entries: Sequence[Entry]) -> dict[str, TableStats]:
    """Rows, operating days and file sizes of every entry's table (an empty `TableStats` when it is absent)."""
    tables = existing_tables(con)
    sizes = file_sizes(con)
    stats: dict[str, TableStats] = {}
    for entry in entries:
        if entry.table not in tables:
            stats[entry.key] = TableStats()
            continue
        size, files = sizes.get(entry.name, (0, 0))
        stats[entry.key] = _rows_and_days(con, entry.table, tables[entry.table], size, files)
    return stats


def _rows_and_days(con: Connection, table: str, partitioned: bool, size: int, files: int) -> TableStats:
    if not partitioned:
        [(rows,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
        return TableStats(True, False, int(rows), [], size, files)
    per_day = con.execute(f"SELECT operating_day, count(*) FROM {table} GROUP BY 1 ORDER BY 1").fetchall()
    return TableStats(True, True, sum(int(n) for _, n in per_day), [d for d, _ in per_day], size, files)


def missing_ranges(days: Sequence[date], available_from: date | None = None) -> list[tuple[date, date]]:
    """The days between the first and the last of `days` (sorted) that are not in it, as [first, last] ranges;
    days before `available_from` are not missing (the feed did not exist yet)."""
    if not days:
        return []
    present = set(days)
    start = max(days[0], available_from) if available_from else days[0]
    span = (start + timedelta(days=i) for i in range((days[-1] - start).days + 1))
    ranges: list[tuple[date, date]] = []
    for day in span:
        if day in present:
            continue
        if ranges and ranges[-1][1] + timedelta(days=1) == day:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def ranges_text(ranges: Sequence[tuple[date, date]]) -> str:
    """`2024-11-03, 2024-11-05..2024-11-07`: single days and inclusive ranges."""
    return ", ".join(a.isoformat() if a == b else f"{a.isoformat()}..{b.isoformat()}" for a, b in ranges)


# -- the instance ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceFacts:
    """What the Dagster instance says of one asset (`known` False: no instance was read)."""

    known: bool
    last_materialization: datetime | None = None
    check_status: str = "unknown"


def instance_facts(entries: Sequence[Entry]) -> dict[str, InstanceFacts]:
    """Last materialization and check status per entry from the instance of DAGSTER_HOME, if there is one."""
    import dagster as dg

    from isone_platform.lib import instance_view as iv
    from isone_platform.lib.settings import current_settings

    instance = iv.open_instance(current_settings().instance_home)
    if instance is None:
        return {e.key: InstanceFacts(False) for e in entries}
    with instance:
        materialized = iv.last_materializations(instance, [e.asset_key() for e in entries])
        return {
            e.key: InstanceFacts(
                True,
                materialized.get(e.asset_key()),
                iv.check_status(instance, [dg.AssetCheckKey(e.asset_key(), n) for n in e.check_names]),
            )
            for e in entries
        }


def needs_instance() -> bool:
    from isone_platform.lib import instance_view as iv
    from isone_platform.lib.settings import current_settings

    return iv.holds_instance(current_settings().instance_home)


# -- the report ------------------------------------------------------------------------------------------------


def catalog_records(
    entries: Sequence[Entry],
    stats: dict[str, TableStats],
    facts: dict[str, InstanceFacts],
    now: datetime,
) -> list[dict[str, Any]]:
    """One JSON-ready object per entry, with exactly the keys of `CATALOG_KEYS`."""
    return [_record(e, stats[e.key], facts[e.key], now) for e in entries]


def _record(entry: Entry, stats: TableStats, facts: InstanceFacts, now: datetime) -> dict[str, Any]:
    missing = missing_ranges(stats.days, entry.available_from) if entry.gaps_are_missing else []
    at = facts.last_materialization
    record = {
        "key": entry.key,
        "layer": entry.layer,
        "table": entry.table,
        "grain": entry.grain,
        "in_warehouse": stats.in_warehouse,
        "partitioned": stats.partitioned,
        "available_from": entry.available_from.isoformat() if entry.available_from else None,
        "first_day": stats.days[0].isoformat() if stats.days else None,
        "last_day": stats.days[-1].isoformat() if stats.days else None,
        "days_present": len(stats.days),
        "days_missing": sum((b - a).days + 1 for a, b in missing),
        "missing_days": [[a.isoformat(), b.isoformat()] for a, b in missing],
        "rows": stats.rows,
        "bytes": stats.bytes,
        "data_files": stats.data_files,
        "instance": facts.known,
        "last_materialization": at.isoformat() if at else None,
        "last_materialization_age_seconds": int((now - at).total_seconds()) if at else None,
        "check_status": facts.check_status,
    }
    assert tuple(record) == CATALOG_KEYS
    return record


def print_catalog(records: Sequence[dict[str, Any]], out: TextIO) -> None:
    """The aligned table, then the missing days of each dataset that has some, as ranges."""
    header = ["asset", "grain", "first day", "last day", "days", "missing", "rows", "size", "materialized", "age"]
    print_table([_row(r) for r in records], [*header, "checks"], out, indent="")
    gaps = [r for r in records if r["missing_days"]]
    if gaps:
        print("\nmissing operating days (America/New_York):", file=out)
    for r in gaps:
        ranges = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in r["missing_days"]]
        print(f"  {r['key']}: {ranges_text(ranges)}", file=out)
    if records and not records[0]["instance"]:
        print(
            "\nno Dagster instance (DAGSTER_HOME, else the project's .dagster_home, holds none): materializations and "
            "checks unknown",
            file=out,
        )


INLINED = "in catalog"
"""The size column of a table whose rows DuckLake inlined into its catalog database (no data files)."""


def _row(r: dict[str, Any]) -> list[Any]:
    if not r["in_warehouse"]:
        return [r["key"], r["grain"], "(no table)", "", "", "", "", "", *_instance_cells(r)]
    # DuckLake keeps the rows of small inserts (ducklake_default_data_inlining_row_limit) in its catalog database,
    # not in data files: such a table has rows and no bytes of files
    size = human_bytes(r["bytes"]) if r["data_files"] or not r["rows"] else INLINED
    if not r["partitioned"]:
        return [r["key"], r["grain"], "", "", "", "", f"{r['rows']:,}", size, *_instance_cells(r)]
    first, last = r["first_day"] or "", r["last_day"] or ""
    days, missing = r["days_present"], r["days_missing"]
    return [r["key"], r["grain"], first, last, days, missing, f"{r['rows']:,}", size, *_instance_cells(r)]


def _instance_cells(r: dict[str, Any]) -> list[str]:
    if not r["instance"]:
        return ["unknown", "unknown", r["check_status"]]
    if r["last_materialization"] is None:
        return ["never", "", r["check_status"]]
    at = datetime.fromisoformat(r["last_materialization"])
    return [at.strftime("%Y-%m-%d %H:%M UTC"), human_age(r["last_materialization_age_seconds"]), r["check_status"]]


def build_catalog(now: datetime | None = None) -> list[dict[str, Any]]:
    """Read the warehouse (and the instance, when there is one) into the `--json` records."""
    from isone_platform import warehouse

    with_instance = needs_instance()
    entries = [*std_entries(), *mart_entries(mart_check_names() if with_instance else None)]
    con = warehouse.connect()
    try:
        stats = table_stats(con, entries)
    finally:
        con.close()
    return catalog_records(entries, stats, instance_facts(entries), now or datetime.now(UTC))


def _main(args: argparse.Namespace) -> int:
    records = build_catalog()
    if args.json:
        json.dump(records, sys.stdout, indent=2)
        print()
    else:
        print_catalog(records, sys.stdout)
    return 0


def register(subparsers) -> None:
    """Add `catalog` to the `isone-platform` CLI."""
    parser = subparsers.add_parser(
        "catalog",
        help="every std and mart dataset: days present and missing, rows, size, last materialization, checks",
    )
    parser.add_argument("--json", action="store_true", help="a list of objects with stable keys (see the docs)")
    parser.set_defaults(func=_main)
