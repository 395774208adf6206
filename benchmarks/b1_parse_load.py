"""B1: parse + standardize + warehouse load of one day of every feed, against DuckDB and gridstatus.

The all-node RT 5-minute LMP day is its 24 `starthour` chunks. Baselines, on the very same bytes:
(a) DuckDB's native `read_json` of the bodies from disk, transformed to the same std columns (UTC timestamps,
provenance) and INSERTed into a DuckLake table of a fresh warehouse of the same kind as ours (and, as the machine's
limit, into an in-memory table); (b) gridstatus `ISONEAPI` (in its own venv) fetching and parsing the same day from
the simulator serving the same bodies (recorded mode); also like for like: both fetching, both parse only.
Each repetition interleaves ours and the baselines feed by feed, so machine load hits all sides alike.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import (
    DAY,
    DEMO_CREDENTIALS,
    SimProcess,
    ensure_gridstatus,
    loadavg,
    log,
    median,
    required,
    run_gridstatus,
    scalar,
    timed,
)

if TYPE_CHECKING:  # the benchmark imports the platform lazily
    from isone_platform.lib.warehouse import WarehouseConfig

NAME = "B1"

# The targets against DuckDB's native read_json -> DuckLake on the same bytes (issue #18): the all-node RT 5-minute
# LMP day at least VS_DUCKDB_TARGET times as fast, every other feed at least VS_DUCKDB_FLOOR. gridstatus builds a
# frame without any warehouse commit, so its ratios measure other work: they are reported as context only.
ALL_NODE_FEED = "lmp_rt_5min"
VS_DUCKDB_TARGET = 2.0
VS_DUCKDB_FLOOR = 1.0


def vs_duckdb_target(feed: str) -> float:
    """The ratio to DuckDB's native load that `feed` must reach."""
    return VS_DUCKDB_TARGET if feed == ALL_NODE_FEED else VS_DUCKDB_FLOOR


DUCK_SQL = {
    # feed -> SELECT over `r` (one record struct) producing the std columns
    "lmp": """
        r.BeginDate::TIMESTAMPTZ AS interval_begin_utc,
        r.BeginDate::TIMESTAMPTZ + INTERVAL {grain} AS interval_end_utc,
        DATE '{day}' AS operating_day,
        r.Location."@LocId"::INTEGER AS location_id, r.Location."$" AS location_name,
        r.Location."@LocType" AS location_type, r.LmpTotal::DOUBLE AS lmp,
        r.EnergyComponent::DOUBLE AS energy_component, r.CongestionComponent::DOUBLE AS congestion_component,
        r.LossComponent::DOUBLE AS loss_component, '{status}' AS price_status""",
    "system_load_5min": """
        r.BeginDate::TIMESTAMPTZ AS interval_begin_utc,
        r.BeginDate::TIMESTAMPTZ + INTERVAL 5 MINUTE AS interval_end_utc,
        DATE '{day}' AS operating_day, r.LoadMw::DOUBLE AS load_mw, r.NativeLoad::DOUBLE AS native_load_mw,
        r.ArdDemand::DOUBLE AS ard_demand_mw, r.SystemLoadBtmPv::DOUBLE AS system_load_btm_pv_mw,
        r.NativeLoadBtmPv::DOUBLE AS native_load_btm_pv_mw""",
    "zonal_load_5min": """
        r.interval_begin_date::TIMESTAMPTZ AS interval_begin_utc,
        r.interval_begin_date::TIMESTAMPTZ + INTERVAL 5 MINUTE AS interval_end_utc, DATE '{day}' AS operating_day,
        r.load_zone_id::INTEGER AS zone_id, r.load_zone_name AS zone_name, r.estimated_load_mw::DOUBLE AS load_mw,
        r.estimated_btm_pv_mw::DOUBLE AS btm_pv_mw""",
    "fuel_mix": """
        r.BeginDate::TIMESTAMPTZ AS interval_begin_utc,
        coalesce(lead(r.BeginDate::TIMESTAMPTZ) OVER (ORDER BY r.BeginDate::TIMESTAMPTZ),
                 r.BeginDate::TIMESTAMPTZ + INTERVAL 5 MINUTE) AS interval_end_utc,
        DATE '{day}' AS operating_day, r.FuelCategory AS fuel_category,
        r.FuelCategoryRollup AS fuel_category_rollup, r.GenMw::DOUBLE AS gen_mw, r.MarginalFlag = 'Y' AS is_marginal""",
}
# feed -> the record array's path in the body
RECORD_PATHS = {
    "lmp_rt_5min": "FiveMinLmps.FiveMinLmp",
    "lmp_da_hourly": "HourlyLmps.HourlyLmp",
    "lmp_rt_hourly": "HourlyLmps.HourlyLmp",
    "system_load_5min": "FiveMinSystemLoads.FiveMinSystemLoad",
    "zonal_load_5min": "isone_web_services.five_min_estimated_zonal_loads.five_min_estimated_zonal_load",
    "fuel_mix": "GenFuelMixes.GenFuelMix",
}
GRAINS = {"lmp_rt_5min": "5 MINUTE", "lmp_da_hourly": "1 HOUR", "lmp_rt_hourly": "1 HOUR"}
READ_JSON_OPTIONS = "maximum_object_size = 268435456"  # an all-node hour is larger than DuckDB's default
# every timed variant that gets a median and a rows/s in the results, in the order the JSON lists them
TIMED_KEYS = (
    "ours_parse",
    "ours_load",
    "ours_total",
    "duckdb",
    "duckdb_memory",
    "python_parse",
    "ours_fetch_total",
    "gridstatus",
    "gridstatus_fetch",
)
DUCKDB_STORAGE = (
    "DuckLake table (SQLite catalog + Parquet) in a fresh warehouse, same DDL as ours; ATTACH + one "
    "DELETE/INSERT transaction per day"
)


def run(args, results: dict) -> None:
    """Entry point: installs gridstatus if wanted, measures, and stores results["B1"]."""
    note = None
    if args.gridstatus:
        args.gridstatus, note = ensure_gridstatus(results["versions"])
    results[NAME] = measure(args, note)


def measure(args, gridstatus_note: str | None) -> dict:
    """Every repetition of every feed, then the per-feed summary; temporary files and processes never outlive it."""
    from isone_platform.lib.datasets import DATASETS

    feeds = [n for n in DATASETS if n in RECORD_PATHS]  # the feeds DuckDB's baseline can load (DUCK_SQL)
    work = Path(tempfile.mkdtemp(prefix="isone-bench-b1-"))
    setup = None
    try:
        setup = Setup.create(work, feeds)
        samples = Samples()
        for rep in range(args.repeat):
            log(f"B1: repetition {rep + 1}/{args.repeat} (load {loadavg()})")
            repetition(setup, samples, rep, with_gridstatus=args.gridstatus)
        same = compare_duck_frames(setup.ours_cfg, setup.duck.config, feeds)
        out = {name: summarize_feed(samples, name, setup.days[name], same.get(name)) for name in feeds}
        return {
            "day": DAY.isoformat(),
            "repeat": args.repeat,
            "feeds": out,
            "duckdb_storage": DUCKDB_STORAGE,
            "gridstatus": gridstatus_note,
        }
    finally:
        if setup is not None:
            setup.close()
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------
# set-up: one day of every feed, recorded, served again byte-exact


def recorded_file(directory: Path, landed) -> Path:
    """Where a landed body is written as a simulator recording (the simulator's file naming)."""
    return directory / (landed.path.strip("/").replace("/", "_") + ".json")


def write_recorded(days: dict, directory: Path) -> dict[str, list[Path]]:
    """The day's bodies as simulator recordings, so every client is served exactly the same bytes.

    Returns the files per feed."""
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, raw in days.items():
        files[name] = [recorded_file(directory, landed) for landed in raw.bodies]
        for landed, path in zip(raw.bodies, files[name], strict=True):
            path.write_bytes(landed.body)
    return files


def fetch_generated_day(feeds: list[str]) -> dict:
    """{feed: RawDay} of DAY from a generating simulator, fetched once: the bytes every side then works on."""
    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.fetch import fetch_day
    from isone_platform.lib.isone_client import IsoneClient

    log(f"B1: fetching {DAY} of every feed from the simulator (generated data, once)")
    sim = SimProcess()
    try:
        with IsoneClient(sim.base_url, *DEMO_CREDENTIALS) as client:
            return {name: fetch_day(client, DATASETS[name], DAY, "final") for name in feeds}
    finally:
        sim.stop()


@dataclass
class Setup:
    """What the repetitions share: the day's bodies, their files, the recorded simulator and three warehouses."""

    days: dict
    files: dict[str, list[Path]]
    sim: SimProcess
    ours_cfg: WarehouseConfig
    # the fetching variant writes elsewhere, so that ours and DuckDB's warehouse see the same number of replaces
    # (a DuckLake DELETE gets slower as a table's snapshots accumulate)
    fetch_cfg: WarehouseConfig
    duck: DuckBaseline

    @classmethod
    def create(cls, work: Path, feeds: list[str]) -> Setup:
        from isone_platform.lib.warehouse import WarehouseConfig

        days = fetch_generated_day(feeds)
        recorded = work / "recorded"
        files = write_recorded(days, recorded)
        duck = DuckBaseline(WarehouseConfig.local(work / "duck"), days, files)
        sim = SimProcess(recorded=recorded)  # serves those very bytes from now on
        return cls(
            days, files, sim, WarehouseConfig.local(work / "ours"), WarehouseConfig.local(work / "ours-fetch"), duck
        )

    def close(self) -> None:
        self.sim.stop()
        self.duck.close()


# ---------------------------------------------------------------------------------------------------------------
# the DuckDB baselines


def feed_select(name: str) -> str:
    """DuckDB's SELECT producing the feed's std columns from one record `r`."""
    feed_sql = DUCK_SQL["lmp" if name.startswith("lmp") else name]
    return feed_sql.format(day=DAY.isoformat(), grain=GRAINS.get(name, ""), status="final")


def file_list(paths: list[Path]) -> str:
    return ", ".join(f"'{f}'" for f in paths)


class DuckBaseline:
    """DuckDB doing B1's job natively: read_json of the recorded files, std columns in SQL, one transaction."""

    def __init__(self, config, days: dict, files: dict[str, list[Path]]):
        import duckdb

        from isone_platform.lib.warehouse import load_extensions, prepare_local_paths

        self.config, self.days, self.files = config, days, files
        self.con = duckdb.connect(":memory:")
        self.con.execute("SET TimeZone = 'UTC'")
        load_extensions(self.con, config)
        prepare_local_paths(config)

    def insert_sql(self, name: str) -> str:
        """INSERT of the feed's day with the provenance columns ours records (source path, body hash, fetch time)."""
        from isone_platform.lib.datasets import DATASETS

        table, raw = DATASETS[name].table, self.days[name]
        prov = ", ".join(
            f"('{f.name}', '{b.path}', '{b.sha256}')" for f, b in zip(self.files[name], raw.bodies, strict=True)
        )
        fetched = raw.bodies[0].fetched_at.isoformat()
        cols = ", ".join(table.column_names)
        return f"""
                INSERT INTO {table.qualified_name} ({cols})
                SELECT {cols} FROM (
                    SELECT {feed_select(name)}, p.source_path, TIMESTAMPTZ '{fetched}' AS fetched_at_utc, p.body_sha256
                    FROM (SELECT parse_filename(filename) AS file, unnest({RECORD_PATHS[name]}) AS r
                          FROM read_json([{file_list(self.files[name])}], filename = true, {READ_JSON_OPTIONS})) j
                    JOIN (VALUES {prov}) p(file, source_path, body_sha256) USING (file)
                )"""

    def load(self, name: str) -> int:
        """Replace the day in DuckDB's own DuckLake warehouse; the table's row count after."""
        from isone_platform.lib.datasets import DATASETS
        from isone_platform.lib.warehouse.catalog import _attach
        from isone_platform.lib.warehouse.ddl import _create_table_sql

        table, con = DATASETS[name].table, self.con
        sql = self.insert_sql(name)
        _attach(con, self.config, read_only=False)
        try:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {table.layer}")
            con.execute(_create_table_sql(table))
            con.execute("BEGIN")
            con.execute(f"DELETE FROM {table.qualified_name} WHERE operating_day = DATE '{DAY}'")
            con.execute(sql)
            con.execute("COMMIT")
            return scalar(con, f"SELECT count(*) FROM {table.qualified_name}")
        finally:
            con.execute("USE memory")
            con.execute("DETACH DATABASE IF EXISTS isone")

    def memory(self, name: str) -> int:
        """The machine's limit for these bytes: DuckDB's read_json straight into an in-memory table, the same std
        columns, no warehouse (no Parquet, no catalog commit)."""
        import duckdb

        mem = duckdb.connect(":memory:")
        try:
            mem.execute("SET TimeZone = 'UTC'")
            mem.execute(f"""CREATE TABLE t AS SELECT {feed_select(name)} FROM (
                    SELECT unnest({RECORD_PATHS[name]}) AS r
                    FROM read_json([{file_list(self.files[name])}], {READ_JSON_OPTIONS}))""")
            return scalar(mem, "SELECT count(*) FROM t")
        finally:
            mem.close()

    def close(self) -> None:
        self.con.close()


# ---------------------------------------------------------------------------------------------------------------
# one repetition


class Samples:
    """Seconds per feed per variant (`ours_parse`, `duckdb`, …) and each feed's row count."""

    def __init__(self):
        self.seconds: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        self.rows: dict[str, int] = {}

    def add(self, name: str, key: str, seconds: float) -> None:
        self.seconds[name][key].append(seconds)


def repetition(setup: Setup, samples: Samples, rep: int, *, with_gridstatus: bool) -> None:
    """Every feed once on every side, then gridstatus on all feeds (one subprocess per repetition)."""
    for name in setup.days:
        measure_ours(setup, samples, name)
        measure_duckdb(setup, samples, name)
        if name.startswith("lmp") or rep == 0:  # the small feeds' Python path needs one sample only
            measure_python_path(setup, samples, name)
        measure_ours_fetching(setup, samples, name)
    if with_gridstatus:
        add_gridstatus_samples(samples, run_gridstatus(setup.sim.base_url, repeat=1))


def measure_ours(setup: Setup, samples: Samples, name: str) -> None:
    """Ours: parse + standardize (fast path), then one atomic partition replace."""
    from isone_platform.lib.datasets import DATASETS, standardize
    from isone_platform.lib.warehouse import replace_partitions

    ds = DATASETS[name]
    std, parse_s = timed(standardize, ds, setup.days[name])
    _, load_s = timed(replace_partitions, setup.ours_cfg, ds.table, std.frame, [DAY])
    samples.rows[name] = std.frame.height
    samples.add(name, "ours_parse", parse_s)
    samples.add(name, "ours_load", load_s)
    samples.add(name, "ours_total", parse_s + load_s)


def measure_duckdb(setup: Setup, samples: Samples, name: str) -> None:
    """DuckDB native on the same bodies, into a warehouse and into memory; both must find the rows ours did."""
    for key, load in (("duckdb", setup.duck.load), ("duckdb_memory", setup.duck.memory)):
        n, seconds = timed(load, name)
        samples.add(name, key, seconds)
        assert n == samples.rows[name], (name, n, samples.rows[name])


def measure_python_path(setup: Setup, samples: Samples, name: str) -> None:
    """The Python parse path alone (the "before" of the fast path)."""
    from isone_platform.lib.datasets import DATASETS, standardize
    from isone_platform.lib.parse.common import fast_path

    with fast_path(False):
        _, seconds = timed(standardize, DATASETS[name], setup.days[name])
    samples.add(name, "python_parse", seconds)


def fetch_standardize_load(setup: Setup, name: str) -> None:
    """Ours end to end from the simulator, as gridstatus works (it fetches too)."""
    from isone_platform.lib.datasets import DATASETS, standardize
    from isone_platform.lib.fetch import fetch_day
    from isone_platform.lib.isone_client import IsoneClient
    from isone_platform.lib.warehouse import replace_partitions

    ds = DATASETS[name]
    with IsoneClient(setup.sim.base_url, *DEMO_CREDENTIALS) as client:
        fetched = fetch_day(client, ds, DAY, "final")
    replace_partitions(setup.fetch_cfg, ds.table, standardize(ds, fetched).frame, [DAY])


def measure_ours_fetching(setup: Setup, samples: Samples, name: str) -> None:
    _, seconds = timed(fetch_standardize_load, setup, name)
    samples.add(name, "ours_fetch_total", seconds)


def add_gridstatus_samples(samples: Samples, gridstatus: dict | None) -> None:
    """gridstatus's [fetch+parse s, parse s, rows] per feed as samples (nothing if it failed)."""
    for feed, runs in (gridstatus or {}).items():
        for fetch_parse, parse, n in runs:
            samples.add(feed, "gridstatus_fetch", fetch_parse)
            samples.add(feed, "gridstatus", parse)
            samples.add(feed, "gridstatus_rows", n)


# ---------------------------------------------------------------------------------------------------------------
# results


def summarize_feed(samples: Samples, name: str, raw, same_rows_as_duckdb: bool | None) -> dict:
    """One feed's entry in results["B1"]["feeds"]: sizes, every sample, medians, rows/s and the ratios."""
    s, r = samples.seconds[name], samples.rows[name]
    entry = {
        "rows": r,
        "bytes": raw.total_bytes,
        "bodies": len(raw.bodies),
        "samples_s": {k: [round(x, 4) for x in v] for k, v in s.items()},
    }
    for key in TIMED_KEYS:
        if s.get(key):
            entry[f"{key}_s"] = round(required(median(s[key])), 4)
            entry[f"{key}_rows_per_s"] = round(r / required(median(s[key])))
    entry["vs_duckdb"] = round(required(median(s["duckdb"])) / required(median(s["ours_total"])), 3)
    entry["vs_duckdb_target"] = vs_duckdb_target(name)
    if s.get("gridstatus"):
        entry.update(gridstatus_ratios(s))
    entry["same_rows_as_duckdb"] = same_rows_as_duckdb
    return entry


def gridstatus_ratios(s: dict) -> dict:
    """How many times faster than gridstatus, three ways (>1: ours is faster)."""
    ours_total, gs_fetch = required(median(s["ours_total"])), required(median(s["gridstatus_fetch"]))
    return {
        # context, no target: our B1 path (parse + standardize + load) vs gridstatus fetching and parsing the day
        "vs_gridstatus": round(gs_fetch / ours_total, 2),
        # like for like: both fetching from the same simulator (ours also loads the warehouse) ...
        "vs_gridstatus_with_fetch": round(gs_fetch / required(median(s["ours_fetch_total"])), 2),
        # ... and both parsing the same responses in memory, no fetch (ours also loads the warehouse)
        "vs_gridstatus_parse_only": round(required(median(s["gridstatus"])) / ours_total, 2),
        "gridstatus_rows": s["gridstatus_rows"][0],
    }


def compare_duck_frames(ours_cfg, duck_cfg, feeds) -> dict[str, bool]:
    """Do DuckDB's native load and ours hold the same rows (all columns but the fetch time)?"""
    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.warehouse import read_partitions

    same = {}
    for name in feeds:
        schema = DATASETS[name].table
        drop = ["fetched_at_utc"]
        key = [*schema.primary_key, *(c for c in schema.column_names if c not in schema.primary_key and c not in drop)]
        a = read_partitions(ours_cfg, schema, [DAY]).drop(drop).sort(key)
        b = read_partitions(duck_cfg, schema, [DAY]).drop(drop).sort(key)
        same[name] = a.equals(b)
    return same
