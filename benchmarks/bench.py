"""isone-platform benchmarks: B1 parse+load, B2 backfill through Dagster, B3 polling, B4 analyst queries.

`make bench` (or `uv run python benchmarks/bench.py`) starts the bundled simulator, runs each measurement several
times interleaved with its baselines, prints a table with pass/fail beside each target and writes
`benchmarks/results/latest.json` (machine, load, versions, git commit, every sample). Only ratios within one run
count: absolute times depend on the machine and on how busy it is (the load average is recorded).

    uv run python benchmarks/bench.py [--repeat 3] [--only B1,B3,B4] [--backfill-days 30] [--no-gridstatus]
    (`--only B5` alone merges its figures into the existing results file, keeping B1-B4)

B1  parse + standardize + warehouse load of one day of every feed (the all-node RT 5-minute LMP day is the
    24 `starthour` chunks), against (a) DuckDB's native `read_json` of the same bodies from disk, transformed
    to the same std columns (UTC timestamps, provenance) and INSERTed into a DuckLake table of a fresh warehouse
    of the same kind as ours (and, as the machine's limit, into an in-memory table), and (b) gridstatus
    `ISONEAPI` (in its own venv, benchmarks/.venv-gridstatus) fetching and parsing the same day from the
    simulator serving the same bodies (recorded mode); also like for like: both fetching, both parse only.
B2  a backfill of every partitioned asset (raw, std, checks, marts) through a real `dagster dev` launched over
    GraphQL `launchPartitionBackfill` with the real backfill policy: wall, rows, peak RSS of all its processes
    (and which they were), step time (our code) vs the rest (Dagster: daemon loop, run launch, event log).
B3  polling: sensor tick + `isone_poll` run in process against the simulator: requests and bytes per feed per
    tick; latency from publication (simulator clock) to a separate reader seeing the new interval.
B4  analyst queries on a year of marts (written directly as synthetic rows): p50 / p95 ms.
B5  the dashboard's server-side time on a year of marts + 7 days of std: see benchmarks/b5_dashboard.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
RESULTS = BENCH / "results"
GS_VENV = BENCH / ".venv-gridstatus"
BIN = Path(sys.executable).parent
DAY = dt.date(2024, 7, 15)  # an ordinary summer weekday
SIM_NOW = "2024-11-21T12:00:00-05:00"  # the simulator's "now": every benchmarked day is over (final prices)

sys.path.insert(0, str(REPO))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def shown_path(path: Path) -> str:
    """A path as results may record it: relative to the repository, else only its name (no machine paths)."""
    path = path.resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(xs):
    return statistics.median(xs) if xs else None


def pctl(xs, q):
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


class SimProcess:
    """`isone-sim` in its own process (its CPU is not ours), optionally serving recorded bodies byte-exact."""

    def __init__(self, *, recorded: Path | None = None, clock: str = f"fixed:{SIM_NOW}", seed: int = 1,
                 cache_mb: int | None = None):
        self.port = free_port()
        cmd = [str(BIN / "isone-sim"), "--port", str(self.port), "--clock", clock, "--seed", str(seed)]
        if cache_mb is not None:
            cmd += ["--cache-mb", str(cache_mb)]
        if recorded:
            cmd += ["--recorded", str(recorded)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        line = self.proc.stdout.readline()
        if "listening" not in line:
            raise RuntimeError(f"simulator did not start: {line}")
        self.base_url = f"http://127.0.0.1:{self.port}/api/v1.1"

    def cpu_seconds(self) -> float:
        return proc_cpu(self.proc.pid)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------------------------------------------
# B1


DUCK_SQL = {
    # feed -> (record path in the body, SELECT over `r` (one record struct) producing the std columns)
    "lmp": """
        r.BeginDate::TIMESTAMPTZ AS interval_begin_utc,
        r.BeginDate::TIMESTAMPTZ + INTERVAL {grain} AS interval_end_utc,
        DATE '{day}' AS operating_day,
        r.Location."@LocId"::INTEGER AS location_id, r.Location."$" AS location_name,
        r.Location."@LocType" AS location_type, r.LmpTotal::DOUBLE AS lmp,
        r.EnergyComponent::DOUBLE AS energy_component, r.CongestionComponent::DOUBLE AS congestion_component,
        r.LossComponent::DOUBLE AS loss_component, '{status}' AS price_status""",
    "system_load_5min": """
        r.BeginDate::TIMESTAMPTZ AS interval_begin_utc, r.BeginDate::TIMESTAMPTZ + INTERVAL 5 MINUTE AS interval_end_utc,
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
RECORD_PATHS = {
    "lmp_rt_5min": "FiveMinLmps.FiveMinLmp", "lmp_da_hourly": "HourlyLmps.HourlyLmp",
    "lmp_rt_hourly": "HourlyLmps.HourlyLmp", "system_load_5min": "FiveMinSystemLoads.FiveMinSystemLoad",
    "zonal_load_5min": "isone_web_services.five_min_estimated_zonal_loads.five_min_estimated_zonal_load",
    "fuel_mix": "GenFuelMixes.GenFuelMix",
}
GRAINS = {"lmp_rt_5min": "5 MINUTE", "lmp_da_hourly": "1 HOUR", "lmp_rt_hourly": "1 HOUR"}

# gridstatus ISONEAPI method per feed (None: not offered by ISONEAPI)
GS_METHODS = {
    "lmp_rt_5min": "get_lmp_real_time_5_min_final", "lmp_rt_hourly": "get_lmp_real_time_hourly_final",
    "lmp_da_hourly": None, "system_load_5min": "get_total_demand",
    "zonal_load_5min": "get_zonal_load_estimated_5_min", "fuel_mix": "get_fuel_mix",
}

GS_SCRIPT = textwrap.dedent('''
    import json, sys, time
    import pandas as pd
    import requests
    from gridstatus.isone_api.isone_api import ISONEAPI
    base_url, day, jobs, repeat = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
    api = ISONEAPI(sleep_seconds=1, max_retries=0)
    api.base_url = base_url
    start = pd.Timestamp(day, tz="US/Eastern")
    real_get, cache, use_cache = requests.get, {}, [False]

    def get(url, *args, **kwargs):  # "parse" mode: the HTTP responses of the first call, replayed
        if use_cache[0] and url in cache:
            return cache[url]
        cache[url] = real_get(url, *args, **kwargs)
        return cache[url]

    requests.get = get

    def call(feed, method):
        if feed == "lmp_rt_5min":  # hour-start chunks over the day: the 24 starthour requests
            return getattr(api, method)(start, end=start + pd.Timedelta(days=1))
        return getattr(api, method)(start)

    out = {}
    for r in range(repeat):
        for feed, method in jobs.items():
            use_cache[0] = False
            t = time.perf_counter()
            df = call(feed, method)
            fetch_parse = time.perf_counter() - t
            use_cache[0] = True
            t = time.perf_counter()
            df = call(feed, method)  # same responses from memory: response.json() + gridstatus's parsing
            parse = time.perf_counter() - t
            out.setdefault(feed, []).append([fetch_parse, parse, len(df)])
    print(json.dumps(out))
''')


def write_recorded(days: dict, directory: Path) -> None:
    """The day's bodies as simulator recordings, so every client is served exactly the same bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    for raw in days.values():
        for landed in raw.bodies:
            (directory / (landed.path.strip("/").replace("/", "_") + ".json")).write_bytes(landed.body)


def b1(args, results: dict) -> None:
    import duckdb
    import polars as pl

    from isone_platform.lib.datasets import DATASETS, standardize
    from isone_platform.lib.fetch import fetch_day
    from isone_platform.lib.isone_client import IsoneClient
    from isone_platform.lib.parse.common import fast_path
    from isone_platform.lib.raw import RawDay
    from isone_platform.lib.warehouse import (
        WarehouseConfig,
        _attach,
        _create_table_sql,
        _load_extensions_for,
        _prepare_local_paths,
        replace_partitions,
    )

    feeds = [n for n in DATASETS if n != "locations"]
    work = Path(tempfile.mkdtemp(prefix="isone-bench-b1-"))
    cleanup: list = []
    try:
        log(f"B1: fetching {DAY} of every feed from the simulator (generated data, once)")
        sim = SimProcess()
        days: dict[str, RawDay] = {}
        try:
            with IsoneClient(sim.base_url, "demo", "demo") as client:
                for name in feeds:
                    days[name] = fetch_day(client, DATASETS[name], DAY, "final")
        finally:
            sim.stop()
        recorded = work / "recorded"
        write_recorded(days, recorded)
        files: dict[str, list[Path]] = {}
        for name, raw in days.items():
            files[name] = [recorded / (b.path.strip("/").replace("/", "_") + ".json") for b in raw.bodies]
        sim = SimProcess(recorded=recorded)  # serves those very bytes from now on
        cleanup.append(sim.stop)
        ours_cfg = WarehouseConfig.local(work / "ours")
        # the fetching variant writes elsewhere, so that ours and DuckDB's warehouse see the same number of
        # replaces (a DuckLake DELETE gets slower as a table's snapshots accumulate)
        fetch_cfg = WarehouseConfig.local(work / "ours-fetch")
        duck_cfg = WarehouseConfig.local(work / "duck")
        duck = duckdb.connect(":memory:")
        duck.execute("SET TimeZone = 'UTC'")
        _load_extensions_for(duck, duck_cfg)
        _prepare_local_paths(duck_cfg, read_only=False)

        def duck_load(name: str) -> int:
            """DuckDB native: read_json of the files -> std columns -> one transaction replacing the day."""
            ds = DATASETS[name]
            raw = days[name]
            feed_sql = DUCK_SQL["lmp" if name.startswith("lmp") else name]
            status = "final" if name == "lmp_da_hourly" else "final"
            select = feed_sql.format(day=DAY.isoformat(), grain=GRAINS.get(name, ""), status=status)
            prov = ", ".join(f"('{f.name}', '{b.path}', '{b.sha256}')" for f, b in zip(files[name], raw.bodies))
            fetched = raw.bodies[0].fetched_at.isoformat()
            path = RECORD_PATHS[name]
            file_list = ", ".join(f"'{f}'" for f in files[name])
            cols = ", ".join(ds.table.column_names)
            sql = f"""
                INSERT INTO {ds.table.qualified_name} ({cols})
                SELECT {cols} FROM (
                    SELECT {select}, p.source_path, TIMESTAMPTZ '{fetched}' AS fetched_at_utc, p.body_sha256
                    FROM (SELECT parse_filename(filename) AS file, unnest({path}) AS r
                          FROM read_json([{file_list}], filename = true, maximum_object_size = 268435456)) j
                    JOIN (VALUES {prov}) p(file, source_path, body_sha256) USING (file)
                )"""
            _attach(duck, duck_cfg, read_only=False)
            try:
                duck.execute(f"CREATE SCHEMA IF NOT EXISTS {ds.table.layer}")
                duck.execute(_create_table_sql(ds.table))
                duck.execute("BEGIN")
                duck.execute(f"DELETE FROM {ds.table.qualified_name} WHERE operating_day = DATE '{DAY}'")
                duck.execute(sql)
                duck.execute("COMMIT")
                return duck.execute(f"SELECT count(*) FROM {ds.table.qualified_name}").fetchone()[0]
            finally:
                duck.execute("USE memory")
                duck.execute("DETACH DATABASE IF EXISTS isone")

        def duck_memory(name: str) -> int:
            """The machine's limit for these bytes: DuckDB's read_json straight into an in-memory table, the same
            std columns, no warehouse (no Parquet, no catalog commit)."""
            feed_sql = DUCK_SQL["lmp" if name.startswith("lmp") else name]
            select = feed_sql.format(day=DAY.isoformat(), grain=GRAINS.get(name, ""), status="final")
            file_list = ", ".join(f"'{f}'" for f in files[name])
            mem = duckdb.connect(":memory:")
            try:
                mem.execute("SET TimeZone = 'UTC'")
                mem.execute(f"""CREATE TABLE t AS SELECT {select} FROM (
                    SELECT unnest({RECORD_PATHS[name]}) AS r
                    FROM read_json([{file_list}], maximum_object_size = 268435456))""")
                return mem.execute("SELECT count(*) FROM t").fetchone()[0]
            finally:
                mem.close()

        samples: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
        rows: dict[str, int] = {}
        for rep in range(args.repeat):
            log(f"B1: repetition {rep + 1}/{args.repeat} (load {loadavg()})")
            for name in feeds:
                ds = DATASETS[name]
                raw = days[name]
                # ours: parse + standardize (fast path), then one atomic partition replace
                t0 = time.perf_counter()
                frame = standardize(ds, raw).frame
                t1 = time.perf_counter()
                replace_partitions(ours_cfg, ds.table, frame, [DAY])
                t2 = time.perf_counter()
                rows[name] = frame.height
                samples[name]["ours_parse"].append(t1 - t0)
                samples[name]["ours_load"].append(t2 - t1)
                samples[name]["ours_total"].append(t2 - t0)
                # DuckDB native on the same bodies
                t0 = time.perf_counter()
                n = duck_load(name)
                samples[name]["duckdb"].append(time.perf_counter() - t0)
                assert n == frame.height, (name, n, frame.height)
                t0 = time.perf_counter()
                n = duck_memory(name)
                samples[name]["duckdb_memory"].append(time.perf_counter() - t0)
                assert n == frame.height, (name, n, frame.height)
                # the Python path alone (the "before" of the fix)
                if name.startswith("lmp") or rep == 0:
                    with fast_path(False):
                        t0 = time.perf_counter()
                        standardize(ds, raw)
                        samples[name]["python_parse"].append(time.perf_counter() - t0)
                # ours, fetching too (to compare with gridstatus, which fetches)
                t0 = time.perf_counter()
                with IsoneClient(sim.base_url, "demo", "demo") as client:
                    fetched = fetch_day(client, ds, DAY, "final")
                frame = standardize(ds, fetched).frame
                replace_partitions(fetch_cfg, ds.table, frame, [DAY])
                samples[name]["ours_fetch_total"].append(time.perf_counter() - t0)
            if args.gridstatus:
                gs = run_gridstatus(sim.base_url, repeat=1)
                for feed, runs in (gs or {}).items():
                    for fetch_parse, parse, n in runs:
                        samples[feed]["gridstatus_fetch"].append(fetch_parse)
                        samples[feed]["gridstatus"].append(parse)
                        samples[feed]["gridstatus_rows"].append(n)
        same = compare_duck_frames(ours_cfg, duck_cfg, feeds)
        out = {}
        for name in feeds:
            s = samples[name]
            r = rows[name]
            entry = {"rows": r, "bytes": days[name].total_bytes, "bodies": len(days[name].bodies),
                     "samples_s": {k: [round(x, 4) for x in v] for k, v in s.items()}}
            for key in ("ours_parse", "ours_load", "ours_total", "duckdb", "duckdb_memory", "python_parse",
                        "ours_fetch_total", "gridstatus", "gridstatus_fetch"):
                if s.get(key):
                    entry[f"{key}_s"] = round(median(s[key]), 4)
                    entry[f"{key}_rows_per_s"] = round(r / median(s[key]))
            entry["vs_duckdb"] = round(median(s["duckdb"]) / median(s["ours_total"]), 3)
            if s.get("gridstatus"):
                # the target as the issue defines it: our B1 path (parse + standardize + load) vs gridstatus
                # fetching and parsing the same day
                entry["vs_gridstatus"] = round(median(s["gridstatus_fetch"]) / median(s["ours_total"]), 2)
                # like for like: both fetching from the same simulator (ours also loads the warehouse) ...
                entry["vs_gridstatus_with_fetch"] = round(median(s["gridstatus_fetch"]) / median(s["ours_fetch_total"]), 2)
                # ... and both parsing the same responses in memory, no fetch (ours also loads the warehouse)
                entry["vs_gridstatus_parse_only"] = round(median(s["gridstatus"]) / median(s["ours_total"]), 2)
                entry["gridstatus_rows"] = s["gridstatus_rows"][0]
                # what 10x gridstatus would need, against the machine's JSON limit (DuckDB into memory)
                entry["ten_x_gridstatus_rows_per_s"] = round(10 * r / median(s["gridstatus_fetch"]))
            entry["same_rows_as_duckdb"] = same.get(name)
            out[name] = entry
        results["B1"] = {"day": DAY.isoformat(), "repeat": args.repeat, "feeds": out,
                         "duckdb_storage": "DuckLake table (SQLite catalog + Parquet) in a fresh warehouse, "
                                           "same DDL as ours; ATTACH + one DELETE/INSERT transaction per day",
                         "gridstatus": results.get("_gridstatus_note")}
    finally:
        for stop in cleanup:
            stop()
        shutil.rmtree(work, ignore_errors=True)


def compare_duck_frames(ours_cfg, duck_cfg, feeds) -> dict[str, bool]:
    """Do DuckDB's native load and ours hold the same rows (all columns but the fuel-mix end and provenance)?"""
    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.warehouse import read_partitions

    same = {}
    for name in feeds:
        schema = DATASETS[name].table
        a, b = read_partitions(ours_cfg, schema, [DAY]), read_partitions(duck_cfg, schema, [DAY])
        drop = ["fetched_at_utc"]
        key = [*schema.primary_key, *(c for c in schema.column_names if c not in schema.primary_key and c not in drop)]
        a = a.drop(drop).sort(key)
        b = b.drop(drop).sort(key)
        same[name] = a.equals(b)
    return same


def ensure_gridstatus(results: dict) -> bool:
    py = GS_VENV / "bin" / "python"
    if not py.exists():
        log("B1: installing gridstatus into benchmarks/.venv-gridstatus (its own venv, not in uv.lock)")
        try:
            subprocess.run([sys.executable.replace(str(BIN), "/usr/bin") if False else "python3", "-m", "venv",
                            str(GS_VENV)], check=True)
            subprocess.run([str(GS_VENV / "bin" / "pip"), "install", "--quiet", "gridstatus"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            results["_gridstatus_note"] = f"gridstatus could not be installed: {exc}"
            return False
    version = subprocess.run([str(py), "-c", "import gridstatus; print(gridstatus.__version__)"],
                             capture_output=True, text=True)
    results["versions"]["gridstatus"] = version.stdout.strip() or version.stderr.strip()[-200:]
    results["_gridstatus_note"] = ("gridstatus ISONEAPI, base_url set to the simulator (recorded mode: the same "
                                   "bytes); lmp_da_hourly: ISONEAPI has no day-ahead LMP method (it reads the "
                                   "CSV), so no comparison")
    return version.returncode == 0


def run_gridstatus(base_url: str, repeat: int):
    jobs = {k: v for k, v in GS_METHODS.items() if v}
    env = {**os.environ, "ISONE_API_USERNAME": "demo", "ISONE_API_PASSWORD": "demo"}
    proc = subprocess.run([str(GS_VENV / "bin" / "python"), "-c", GS_SCRIPT, base_url, DAY.isoformat(),
                           json.dumps(jobs), str(repeat)], capture_output=True, text=True, env=env, timeout=900)
    if proc.returncode != 0:
        log(f"B1: gridstatus failed: {proc.stderr[-800:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------------------------
# B3


class QueryableWatcher:
    """A reader (the analyst's read-only connection) polling std tables until each holds its target interval."""

    def __init__(self, targets: dict, day: dt.date, every: float = 0.1):
        import threading

        self.targets, self.day, self.every = targets, day, every
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from isone_platform import warehouse

        con = None
        while not self._stop.is_set() and len(self.seen) < len(self.targets):
            try:
                con = con or warehouse.connect()
                for table, target in self.targets.items():
                    if table in self.seen:
                        continue
                    latest = con.sql(f"SELECT max(interval_begin_utc) FROM {table} "
                                     f"WHERE operating_day = '{self.day}'").fetchone()[0]
                    if latest is not None and latest >= target:
                        self.seen[table] = time.perf_counter() - self._t0
            except Exception:  # noqa: BLE001 - no warehouse or table yet: the run has not written it
                if con is not None:
                    con.close()
                con = None
            self._stop.wait(self.every)
        if con is not None:
            con.close()

    def stop(self) -> dict[str, float]:
        self._stop.set()
        self._thread.join(30)
        return dict(self.seen)


def b3(args, results: dict) -> None:
    from zoneinfo import ZoneInfo

    import dagster as dg

    from isone_platform.simulator import SimulatorServer

    ny = ZoneInfo("America/New_York")
    work = Path(tempfile.mkdtemp(prefix="isone-bench-b3-"))
    sim = SimulatorServer(port=0, clock=f"fixed:{SIM_NOW}", seed=1).start()
    env_before = dict(os.environ)
    os.environ.update(ISONE_BASE_URL=sim.base_url, ISONE_USERNAME="demo", ISONE_PASSWORD="demo",
                      ISONE_LAKE_URL=str(work / "lake"), ISONE_CATALOG_URL=str(work / "catalog.sqlite"),
                      ISONE_PROJECT_ROOT=str(work))
    try:
        from isone_platform import warehouse
        from isone_platform.defs.polling.definitions import POLL_PROBE_PATH, isone_poll_sensor
        from isone_platform.definitions import defs as build
        from isone_platform.lib.resources import build_resources

        from isone_platform.lib.schemas import STD_TABLES
        from isone_platform.lib.warehouse import WarehouseConfig, ensure_tables, open_connection

        # a deployed warehouse: every std table exists (the marts the poll run rebuilds read the day-ahead table too)
        con = open_connection(WarehouseConfig.from_env(work), read_only=False)
        try:
            ensure_tables(con, STD_TABLES.values())
        finally:
            con.close()
        defs = build()
        instance = dg.DagsterInstance.ephemeral()
        job = defs.resolve_job_def("isone_poll")
        prefixes = {"system_load_5min": "/fiveminutesystemload/", "zonal_load_5min": "/fiveminuteestimatedzonalload/",
                    "lmp_rt_5min": "/fiveminutelmp/", "fuel_mix": "/genfuelmix/"}
        cursor = None
        ticks = []
        day = dt.date(2024, 11, 20)
        # a morning of the day polled from 06:02; then every 5 minutes, each tick right when an interval is out
        start = dt.datetime(2024, 11, 20, 6, 2, tzinfo=ny)
        for i in range(args.poll_ticks):
            when = start + dt.timedelta(minutes=5 * i)
            published = when - dt.timedelta(seconds=60)  # the interval (when-7min) was published at when-1min
            interval = when - dt.timedelta(minutes=7)
            sim.clock.set(when)
            sim.reset_requests()
            t0 = time.perf_counter()
            with dg.build_sensor_context(instance=instance, cursor=cursor, resources=build_resources(),
                                         definitions=defs) as context:
                result = isone_poll_sensor(context)
                cursor = context.cursor
            t_sensor = time.perf_counter() - t0
            if isinstance(result, dg.SkipReason) or result is None:
                continue
            targets = {f"std.isone__{f}": interval for f in ("system_load_5min", "zonal_load_5min", "lmp_rt_5min")}
            watcher = QueryableWatcher(targets, day)
            t1 = time.perf_counter()
            run = job.execute_in_process(partition_key=result.partition_key, instance=instance, tags=result.tags)
            t_run = time.perf_counter() - t1
            seen = watcher.stop()  # seconds after t1 at which a reader first saw each table's target interval
            reqs = [r for r in sim.requests if r.path.removeprefix("/api/v1.1") != POLL_PROBE_PATH]
            per_feed_n, per_feed_b = Counter(), Counter()
            for r in reqs:
                p = r.path.removeprefix("/api/v1.1")
                for name, prefix in prefixes.items():
                    if p.startswith(prefix):
                        per_feed_n[name] += 1
                        per_feed_b[name] += r.bytes_sent
            probe_bytes = sum(r.bytes_sent for r in sim.requests if r.path.endswith(POLL_PROBE_PATH))
            queryable = len(seen) == len(targets)
            ticks.append({"tick": i, "sim_time": when.isoformat(), "success": run.success,
                          "requests": dict(per_feed_n), "bytes": dict(per_feed_b), "probe_bytes": probe_bytes,
                          "sensor_s": round(t_sensor, 3), "run_s": round(t_run, 3),
                          "queryable_after_s": {k: round(v, 2) for k, v in seen.items()}, "queryable": queryable,
                          "published_to_queryable_s": round(t_sensor + max(seen.values()), 3) if queryable else None})
            log(f"B3: tick {i}: run {t_run:.1f} s, requests {dict(per_feed_n)}")
        steady = ticks[1:] or ticks  # the first tick catches the day up from scratch
        feeds = sorted(prefixes)
        probe = int(os.environ.get("ISONE_POLL_PROBE_SECONDS", "30"))
        summary = {
            f: {"max_requests_per_tick": max(t["requests"].get(f, 0) for t in ticks),
                "mean_requests_per_tick": round(statistics.mean(t["requests"].get(f, 0) for t in steady), 2),
                "mean_bytes_per_tick": round(statistics.mean(t["bytes"].get(f, 0) for t in steady)),
                "first_tick_bytes": ticks[0]["bytes"].get(f, 0)}
            for f in feeds
        }
        lat = [t["published_to_queryable_s"] for t in steady if t["queryable"]]
        run_p50, run_max = (median(lat), max(lat)) if lat else (float("nan"), float("nan"))
        results["B3"] = {
            "ticks": ticks, "per_feed": summary, "probe_interval_s": probe,
            "latency_model": "publication -> next sensor probe (worst case the probe interval) -> sensor -> "
                             "run in process until a separate reader connection sees the new interval in every "
                             "polled 5-minute std table; measured: sensor + that; worst case adds the probe "
                             "interval. The run goes on with checks and marts after that (run_s). In dagster dev "
                             "the run is a new process: add its launch (~5 s of imports on this machine).",
            "run_total_p50_s": round(median([t["run_s"] for t in steady]), 2),
            "run_p50_s": round(run_p50, 2), "run_max_s": round(run_max, 2),
            "latency_worst_s": round(run_max + probe, 2), "latency_typical_s": round(run_p50 + probe / 2, 2),
            "all_success": all(t["success"] for t in ticks), "all_queryable": all(t["queryable"] for t in ticks),
        }
    finally:
        sim.stop()
        os.environ.clear()
        os.environ.update(env_before)
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------
# B4

MART_DDL = {
    "isone__load_daily": """
        SELECT d::DATE AS operating_day, a.area, CASE WHEN a.area = 'SYSTEM' THEN 'system' ELSE 'zone' END AS area_type,
               a.zone_id,
               a.base * (1 + 0.25 * cos(2 * pi() * (dayofyear(d) - 200) / 365)) + 40 * (hash(d, a.area) % 50)::INTEGER AS peak_mw,
               (d::TIMESTAMP + INTERVAL 21 HOUR + ((hash(d, a.area) % 12)::INTEGER) * INTERVAL 5 MINUTE)::TIMESTAMPTZ AS peak_interval_begin_utc,
               NULL::VARCHAR AS peak_interval_begin_local,
               a.base * 0.55 AS pit_mw, (d::TIMESTAMP + INTERVAL 8 HOUR)::TIMESTAMPTZ AS pit_interval_begin_utc,
               NULL::VARCHAR AS pit_interval_begin_local, a.base * 0.78 AS avg_mw, a.base * 0.78 * 24 AS energy_mwh,
               288 AS interval_count, 288 AS expected_intervals, 100.0 AS completeness_pct
        FROM range(DATE '{start}', DATE '{end}', INTERVAL 1 DAY) t(d)
        CROSS JOIN (VALUES ('SYSTEM', NULL::INTEGER, 15000.0), ('.Z.MAINE', 4001, 1200.0),
                    ('.Z.NEWHAMPSHIRE', 4002, 1300.0), ('.Z.VERMONT', 4003, 600.0), ('.Z.CONNECTICUT', 4004, 3400.0),
                    ('.Z.RHODEISLAND', 4005, 900.0), ('.Z.SEMASS', 4006, 1700.0), ('.Z.WCMASS', 4007, 1800.0),
                    ('.Z.NEMASSBOST', 4008, 3000.0)) a(area, zone_id, base)""",
    "isone__lmp_daily": """
        SELECT d::DATE AS operating_day, l.location_id, l.location_name, l.location_type,
               dayofweek(d) BETWEEN 1 AND 5 AS is_onpeak_day, 24 AS da_hours,
               40 + 15 * cos(2 * pi() * dayofyear(d) / 365) + (hash(d, l.location_id) % 1000)::INTEGER / 100.0 AS da_avg,
               48 + 15 * cos(2 * pi() * dayofyear(d) / 365) + (hash(d, l.location_id) % 1000)::INTEGER / 90.0 AS da_onpeak_avg,
               33 + 15 * cos(2 * pi() * dayofyear(d) / 365) AS da_offpeak_avg,
               288 AS rt_intervals,
               40 + 15 * cos(2 * pi() * dayofyear(d) / 365) + (hash(l.location_id, d) % 1000)::INTEGER / 100.0 AS rt_avg,
               49 + 15 * cos(2 * pi() * dayofyear(d) / 365) + (hash(l.location_id, d) % 1000)::INTEGER / 80.0 AS rt_onpeak_avg,
               32 + 15 * cos(2 * pi() * dayofyear(d) / 365) AS rt_offpeak_avg,
               -5.0 AS rt_min, d::TIMESTAMPTZ AS rt_min_interval_begin_utc, NULL::VARCHAR AS rt_min_interval_begin_local,
               180.0 AS rt_max, d::TIMESTAMPTZ AS rt_max_interval_begin_utc, NULL::VARCHAR AS rt_max_interval_begin_local,
               0 AS rt_negative_intervals,
               ((hash(d, l.location_id) % 1000)::INTEGER / 100.0) - ((hash(l.location_id, d) % 1000)::INTEGER / 100.0) AS da_rt_spread
        FROM range(DATE '{start}', DATE '{end}', INTERVAL 1 DAY) t(d)
        CROSS JOIN (SELECT i AS location_id, CASE WHEN i = 4000 THEN '.H.INTERNAL_HUB' ELSE 'NODE' || i END AS location_name,
                           CASE WHEN i = 4000 THEN 'HUB' WHEN i BETWEEN 4001 AND 4008 THEN 'LOAD ZONE' ELSE 'NETWORK NODE' END
                           AS location_type
                    FROM (SELECT unnest(range(1, 1198)) AS i UNION ALL SELECT unnest(range(4000, 4009)))) l""",
}

QUERIES = {
    "peak_by_zone": """
        SELECT area, max(peak_mw) AS peak_mw, arg_max(peak_interval_begin_utc, peak_mw) AS at_utc
        FROM mart.isone__load_daily WHERE area_type = 'zone' GROUP BY area ORDER BY peak_mw DESC""",
    "monthly_onpeak_avg": """
        SELECT date_trunc('month', operating_day) AS month, location_name,
               avg(da_onpeak_avg) AS da_onpeak, avg(rt_onpeak_avg) AS rt_onpeak
        FROM mart.isone__lmp_daily WHERE location_type IN ('HUB', 'LOAD ZONE') AND is_onpeak_day
        GROUP BY ALL ORDER BY ALL""",
    "da_rt_spread_ranking": """
        SELECT location_id, any_value(location_name) AS location_name, avg(da_rt_spread) AS spread,
               rank() OVER (ORDER BY avg(da_rt_spread) DESC) AS rank
        FROM mart.isone__lmp_daily GROUP BY location_id ORDER BY spread DESC LIMIT 20""",
}


def b4(args, results: dict) -> None:
    from isone_platform import warehouse
    from isone_platform.lib.warehouse import WarehouseConfig, open_connection

    work = Path(tempfile.mkdtemp(prefix="isone-bench-b4-"))
    try:
        config = WarehouseConfig.local(work)
        end = dt.date(2024, 11, 21)
        start = end - dt.timedelta(days=365)
        t0 = time.perf_counter()
        con = open_connection(config, read_only=False)
        try:
            con.execute("CREATE SCHEMA IF NOT EXISTS mart")
            for table, select in MART_DDL.items():
                con.execute(f"CREATE TABLE mart.{table} AS {select.format(start=start, end=end)}")
            counts = {t: con.execute(f"SELECT count(*) FROM mart.{t}").fetchone()[0] for t in MART_DDL}
        finally:
            con.close()
        build_s = time.perf_counter() - t0
        samples, cpu = defaultdict(list), defaultdict(list)
        con = warehouse.connect(config=config)
        try:
            cold = {}
            for name, sql in QUERIES.items():
                t = time.perf_counter()
                con.sql(sql).fetchall()
                cold[name] = time.perf_counter() - t
            for _ in range(args.query_repeat):
                for name, sql in QUERIES.items():  # interleaved
                    t, c = time.perf_counter(), time.process_time()
                    con.sql(sql).fetchall()
                    samples[name].append((time.perf_counter() - t) * 1000)
                    cpu[name].append((time.process_time() - c) * 1000)
        finally:
            con.close()
        results["B4"] = {
            "rows": counts, "days": 365, "build_s": round(build_s, 2), "repeat": args.query_repeat,
            "how": "a year of mart rows written directly into a fresh DuckLake warehouse (synthetic values with the "
                   "marts' columns; running dbt over a year of all-node std would take far longer than the bench)",
            "queries": {n: {"p50_ms": round(pctl(v, 0.5), 2), "p95_ms": round(pctl(v, 0.95), 2),
                            "cold_ms": round(cold[n] * 1000, 2),
                            "cpu_p50_ms": round(pctl(cpu[n], 0.5), 2), "sql": " ".join(QUERIES[n].split())}
                        for n, v in samples.items()},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------
# B2

LAUNCH_BACKFILL = """
mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message stack } } }"""
BACKFILL_STATUS = """
query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  __typename ... on PartitionBackfill { status } } }"""
RUNS = """
query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
  ... on Runs { results { runId status startTime endTime creationTime
                          stepStats { stepKey startTime endTime status } } } } }"""


def session_processes(sid: int) -> list[tuple[int, str]]:
    """(RSS bytes, short command) of every process in session `sid` (dagster dev and everything it started)."""
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[3]) != sid:  # field 6 (session id), after pid/comm/state/ppid/pgrp
                continue
            rss = next(int(line.split()[1]) * 1024 for line in (p / "status").read_text().splitlines()
                       if line.startswith("VmRSS:"))
            argv = (p / "cmdline").read_bytes().split(b"\0")
            words = [Path(a.decode(errors="replace")).name for a in argv[:6] if a and not a.startswith(b"-")]
            out.append((rss, " ".join(words[1:4]) or words[0] if words else "?"))
        except (OSError, ValueError, IndexError, StopIteration):
            continue
    return out


class PeakRss:
    """Peak of the summed RSS of a process session, and the processes at that peak."""

    def __init__(self, sid: int):
        self.sid, self.peak, self.at_peak = sid, 0, []

    def sample(self) -> None:
        procs = session_processes(self.sid)
        total = sum(r for r, _ in procs)
        if total > self.peak:
            self.peak, self.at_peak = total, sorted(procs, reverse=True)


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    total, end = 0.0, None
    for s, e in sorted(intervals):
        if end is None or s > end:
            total += e - s
            end = e
        elif e > end:
            total += e - end
            end = e
    return total


def b2(args, results: dict) -> None:
    import httpx

    from dagster import DagsterInstance

    work = Path(tempfile.mkdtemp(prefix="isone-bench-b2-"))
    home = work / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
    instance = DagsterInstance.from_config(str(home))
    instance.event_log_storage.set_concurrency_slots("isone_api", 2)  # as the demo does
    instance.dispose()
    sim = SimProcess(cache_mb=1024)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISONE_")}
    env.update(DAGSTER_HOME=str(home), ISONE_PROJECT_ROOT=str(work), ISONE_BASE_URL=sim.base_url,
               ISONE_USERNAME="demo", ISONE_PASSWORD="demo", ISONE_POLLING="off",
               **({"ISONE_BACKFILL_DAYS_PER_RUN": str(args.days_per_run)} if args.days_per_run else {}),
               DAGSTER_DISABLE_TELEMETRY="1", PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    logf = open(work / "dagster_dev.log", "wb")
    proc = subprocess.Popen(["env", "--default-signal=INT,TERM", str(BIN / "dagster"), "dev", "-w",
                             str(REPO / "workspace.yaml"), "-h", "127.0.0.1", "-p", str(port)],
                            cwd=work, env=env, stdout=logf, stderr=subprocess.STDOUT, start_new_session=True)
    http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)

    def gql(query, variables=None):
        r = http.post("/graphql", json={"query": query, "variables": variables or {}})
        r.raise_for_status()
        body = r.json()
        if "errors" in body:
            raise RuntimeError(body["errors"])
        return body["data"]

    rss = PeakRss(proc.pid)
    try:
        t_start = time.perf_counter()
        nodes = None
        while time.perf_counter() - t_start < 300:
            rss.sample()
            try:
                nodes = gql("{ assetNodes { assetKey { path } partitionDefinition { type } } }")["assetNodes"]
                if nodes:
                    break
            except (httpx.HTTPError, RuntimeError):
                pass
            time.sleep(1)
        if not nodes:
            raise RuntimeError("dagster dev did not load the code location")
        startup_s = time.perf_counter() - t_start
        partitioned = [{"path": n["assetKey"]["path"]} for n in nodes if n["partitionDefinition"]]
        end = dt.date(2024, 11, 20)
        days = [(end - dt.timedelta(days=i)).isoformat() for i in range(args.backfill_days - 1, -1, -1)]
        prewarm_s = prewarm_simulator(sim, [dt.date.fromisoformat(d) for d in days])
        log(f"B2: simulator cache warmed in {prewarm_s:.0f} s")
        log(f"B2: dagster dev up in {startup_s:.0f} s; backfill of {len(partitioned)} assets x {len(days)} days")
        sim_cpu0 = sim.cpu_seconds()
        t0 = time.perf_counter()
        launched = gql(LAUNCH_BACKFILL, {"p": {"assetSelection": partitioned, "partitionNames": days,
                                               "title": "bench"}})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(launched)
        bid = launched["backfillId"]
        status = None
        while time.perf_counter() - t0 < args.backfill_timeout:
            rss.sample()
            status = gql(BACKFILL_STATUS, {"id": bid})["partitionBackfillOrError"]["status"]
            if status in ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"):
                break
            time.sleep(1)
        wall = time.perf_counter() - t0
        t0_epoch = time.time() - wall
        sim_cpu = sim.cpu_seconds() - sim_cpu0
        runs = gql(RUNS, {"tags": [{"key": "dagster/backfill", "value": bid}]})["runsOrError"]["results"]
        steps = [(s["startTime"], s["endTime"]) for r in runs for s in r["stepStats"] if s["startTime"] and s["endTime"]]
        run_spans = [(r["startTime"], r["endTime"]) for r in runs if r["startTime"] and r["endTime"]]
        step_busy = union_seconds(steps)
        run_busy = union_seconds(run_spans)
        first_run = min((r["creationTime"] for r in runs), default=t0_epoch) - t0_epoch
        last_end = max((e for _, e in run_spans), default=t0_epoch) - t0_epoch
        step_sum = sum(e - s for s, e in steps)
        per_step: dict[str, float] = defaultdict(float)
        for r in runs:
            for st in r["stepStats"]:
                if st["startTime"] and st["endTime"]:
                    per_step[st["stepKey"]] += st["endTime"] - st["startTime"]
        launch = [r["startTime"] - r["creationTime"] for r in runs if r["startTime"] and r["creationTime"]]
        rows = backfill_rows(work, days)
        results["B2"] = {
            "days_per_run": args.days_per_run or "platform default (15)",
            "days": len(days), "first_day": days[0], "last_day": days[-1], "assets": len(partitioned),
            "status": status, "runs": len(runs), "run_statuses": dict(Counter(r["status"] for r in runs)),
            "wall_s": round(wall, 1), "rows": rows, "rows_total": sum(rows.values()),
            "peak_rss_bytes": rss.peak,
            "processes_at_peak": [{"rss_mb": round(r / 2**20), "cmd": c} for r, c in rss.at_peak],
            "startup_s": round(startup_s, 1),
            "first_run_created_after_s": round(first_run, 1),
            "after_last_run_s": round(wall - last_end, 1),
            "step_busy_s": round(step_busy, 1), "step_sum_s": round(step_sum, 1), "run_busy_s": round(run_busy, 1),
            "dagster_overhead_s": round(wall - step_busy, 1),
            "dagster_overhead_share": round((wall - step_busy) / wall, 3) if wall else None,
            "simulator_cpu_s": round(sim_cpu, 1), "simulator_prewarm_s": round(prewarm_s, 1),
            "run_launch_s": [round(x, 1) for x in launch],
            "step_seconds": {k: round(v, 1) for k, v in sorted(per_step.items(), key=lambda kv: -kv[1])},
            "how": "wall: launchPartitionBackfill -> backfill COMPLETED; our code = union of step execution "
                   "intervals (raw fetch+land, std parse+load, marts dbt, checks); Dagster overhead = the rest "
                   "(daemon's 30 s backfill loop before the first run and after the last, run launch + "
                   "definitions import per run, event log). Peak RSS: sum over every process of the dagster dev "
                   "session (webserver, daemon, code server, runs), sampled every second; the simulator is a "
                   "separate process and not counted.",
        }
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(60)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        logf.close()
        sim.stop()
        if os.environ.get("BENCH_KEEP"):
            log(f"B2: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def prewarm_simulator(sim: SimProcess, days: list[dt.date]) -> float:
    """Request every path the backfill will fetch once, before the timed window, so the simulator answers from
    its response cache: it stands in for ISO-NE's servers, whose CPU is not on our machine. Its CPU during the
    window is still reported (`simulator_cpu_s`)."""
    from concurrent.futures import ThreadPoolExecutor

    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.isone_client import IsoneClient

    paths = [r.path for ds in DATASETS.values() if ds.partitioned for d in days for r in ds.plan(d, "final")]
    t0 = time.perf_counter()
    with IsoneClient(sim.base_url, "demo", "demo", max_connections=2) as client, ThreadPoolExecutor(2) as pool:
        list(pool.map(client.get, paths))
    return time.perf_counter() - t0


def backfill_rows(work: Path, days: list[str]) -> dict[str, int]:
    from isone_platform.lib.warehouse import WarehouseConfig, open_connection

    config = WarehouseConfig(catalog=f"sqlite:{work / 'data' / 'catalog.sqlite'}",
                             data_path=f"{work / 'data' / 'lake' / 'tables'}/")
    out = {}
    try:
        con = open_connection(config, read_only=True)
    except Exception as exc:  # noqa: BLE001
        return {"error": str(exc)[:200]}
    try:
        tables = con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                             "WHERE table_catalog = 'isone' AND table_type = 'BASE TABLE'").fetchall()
        for schema, table in tables:
            try:
                out[f"{schema}.{table}"] = con.execute(
                    f"SELECT count(*) FROM {schema}.{table} WHERE operating_day BETWEEN '{days[0]}' AND '{days[-1]}'"
                ).fetchone()[0]
            except Exception:  # noqa: BLE001 - unpartitioned tables
                out[f"{schema}.{table}"] = con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
    finally:
        con.close()
    return out


# ---------------------------------------------------------------------------------------------------------------
# report


def machine_info() -> dict:
    mem = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        k, v = line.split(":", 1)
        if k in ("MemTotal", "MemAvailable"):
            mem[k] = int(v.split()[0]) * 1024
    model = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                  if l.startswith("model name")), platform.processor())
    return {"cpus": os.cpu_count(), "cpu_model": model, "mem_total_bytes": mem.get("MemTotal"),
            "mem_available_bytes": mem.get("MemAvailable"), "platform": platform.platform(),
            "python": platform.python_version()}


def versions() -> dict:
    import dagster
    import duckdb
    import polars

    out = {"polars": polars.__version__, "duckdb": duckdb.__version__, "dagster": dagster.__version__}
    try:
        import dbt.version

        out["dbt-core"] = dbt.version.__version__
    except Exception:  # noqa: BLE001
        pass
    return out


def git_commit() -> dict:
    def git(*a):
        return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty_files": len(git("status", "--porcelain").splitlines())}


def verdict(ok) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def table(results: dict) -> str:
    lines = []
    add = lines.append
    add(f"isone-platform benchmarks  commit {results['git']['commit'][:10]}  "
        f"{results['machine']['cpus']} CPUs  load avg start {results['load_start']} end {results.get('load_end')}")
    if "B1" in results:
        b = results["B1"]
        add("")
        add(f"B1 parse+standardize+load, one day ({b['day']}), median of {b['repeat']}; rows/s")
        add(f"  {'feed':17s} {'rows':>8s} {'MB':>5s} {'ours':>7s} {'(parse':>7s} {'load)':>7s} {'duckdb':>7s} "
            f"{'x duck':>6s} {'≥0.8':>4s} {'gs f+p':>7s} {'x gs':>5s} {'≥10':>4s} | {'limit':>7s} {'10x gs':>7s} "
            f"{'py path':>7s} | {'x gs (both fetch)':>17s} {'x gs (parse only)':>17s}")
        for name, e in b["feeds"].items():
            k = lambda key: f"{e[key] / 1e3:6.0f}k" if e.get(key) else f"{'-':>7s}"  # noqa: E731
            vs_gs = e.get("vs_gridstatus")
            fmt = lambda v: f"{v:5.1f}x" if v else "     -"  # noqa: E731
            add(f"  {name:17s} {e['rows']:8d} {e['bytes'] / 1e6:5.1f} {k('ours_total_rows_per_s')} "
                f"{k('ours_parse_rows_per_s')} {k('ours_load_rows_per_s')} {k('duckdb_rows_per_s')} "
                f"{e['vs_duckdb']:5.2f}x {verdict(e['vs_duckdb'] >= 0.8):>4s} "
                f"{k('gridstatus_fetch_rows_per_s')} {fmt(vs_gs)} {verdict(None if vs_gs is None else vs_gs >= 10):>4s} | "
                f"{k('duckdb_memory_rows_per_s')} {k('ten_x_gridstatus_rows_per_s')} {k('python_parse_rows_per_s')} | "
                f"{fmt(e.get('vs_gridstatus_with_fetch')):>17s} {fmt(e.get('vs_gridstatus_parse_only')):>17s}")
        add("  duckdb: DuckDB read_json of the same files into a DuckLake table like ours; limit: DuckDB read_json "
            "into an in-memory table (no warehouse); gs f+p: gridstatus ISONEAPI fetching + parsing the day from "
            "the simulator (recorded mode, same bytes); 10x gs: the rows/s the ≥10x target asks for")
    if "B2" in results:
        b = results["B2"]
        add("")
        if "error" in b:
            add(f"B2 backfill: ERROR {b['error']}")
        else:
            gib = b["peak_rss_bytes"] / 2**30
            add(f"B2 backfill of {b['assets']} assets x {b['days']} days through dagster dev: {b['status']}, "
                f"{b['runs']} runs, {b['rows_total']:,} rows")
            add(f"  wall {b['wall_s']:.0f} s [≤120 s: {verdict(b['wall_s'] <= 120)}]   peak RSS {gib:.2f} GiB "
                f"[≤2 GiB: {verdict(gib <= 2)}]")
            add(f"  our code (steps) {b['step_busy_s']:.0f} s, Dagster overhead {b['dagster_overhead_s']:.0f} s "
                f"({100 * b['dagster_overhead_share']:.0f} %: first run after {b['first_run_created_after_s']:.0f} s, "
                f"{b['after_last_run_s']:.0f} s after the last); simulator CPU {b['simulator_cpu_s']:.0f} s "
                f"(its cache warmed before, in {b.get('simulator_prewarm_s', 0):.0f} s)")
            top = list(b.get("step_seconds", {}).items())[:6]
            add("  at the RSS peak: " + ", ".join(f"{p['cmd']} {p['rss_mb']} MB" for p in b.get("processes_at_peak", [])))
            add(f"  run launch (created -> started) {b.get('run_launch_s')} s; heaviest steps (s, summed over runs): "
                + ", ".join(f"{k} {v:.0f}" for k, v in top))
    if "B3" in results:
        b = results["B3"]
        add("")
        add(f"B3 polling, {len(b['ticks'])} ticks (first tick catches up from scratch), probe every "
            f"{b['probe_interval_s']} s")
        for f, s in b["per_feed"].items():
            add(f"  {f:17s} max {s['max_requests_per_tick']} req/tick [≤2: {verdict(s['max_requests_per_tick'] <= 2)}]"
                f"  mean {s['mean_requests_per_tick']:.1f} req, {s['mean_bytes_per_tick'] / 1e3:8.1f} kB per tick")
        add(f"  publication -> queryable (a reader sees the interval in every polled 5-min std table): after the "
            f"probe p50 {b['run_p50_s']:.1f} s, max {b['run_max_s']:.1f} s; with the probe wait typical "
            f"{b['latency_typical_s']:.0f} s, worst {b['latency_worst_s']:.0f} s [≤60 s: {verdict(b['latency_worst_s'] <= 60)}]")
        add(f"  the poll run then checks and rebuilds the day's marts: whole run p50 {b.get('run_total_p50_s', 0):.1f} s")
    if "B4" in results:
        b = results["B4"]
        add("")
        add(f"B4 analyst queries on a year of marts ({', '.join(f'{k} {v:,}' for k, v in b['rows'].items())} rows), "
            f"{b['repeat']} runs each")
        for n, q in b["queries"].items():
            add(f"  {n:22s} p50 {q['p50_ms']:7.1f} ms  p95 {q['p95_ms']:7.1f} ms  (cold {q['cold_ms']:.0f} ms) "
                f"[p95 ≤100 ms: {verdict(q['p95_ms'] <= 100)}]  cpu p50 {q['cpu_p50_ms']:.0f} ms")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3, help="B1 repetitions (interleaved)")
    p.add_argument("--only", default="B1,B2,B3,B4,B5")
    p.add_argument("--backfill-days", type=int, default=30)
    p.add_argument("--backfill-timeout", type=float, default=900)
    p.add_argument("--days-per-run", type=int, default=None,
                   help="B2: ISONE_BACKFILL_DAYS_PER_RUN for the backfill (default: the platform's, 15)")
    p.add_argument("--poll-ticks", type=int, default=4)
    p.add_argument("--query-repeat", type=int, default=30)
    p.add_argument("--no-gridstatus", dest="gridstatus", action="store_false")
    p.add_argument("--out", default=str(RESULTS / "latest.json"))
    args = p.parse_args()
    only = {s.strip().upper() for s in args.only.split(",")}
    results: dict = {"started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                     "machine": machine_info(), "versions": versions(), "git": git_commit(),
                     "load_start": loadavg(), "args": {**vars(args), "out": shown_path(Path(args.out))}}
    t0 = time.perf_counter()
    if "B1" in only:
        if args.gridstatus:
            args.gridstatus = ensure_gridstatus(results)
        b1(args, results)
    if "B4" in only:
        log("B4: a year of marts, analyst queries")
        b4(args, results)
    if "B3" in only:
        log("B3: polling ticks")
        b3(args, results)
    if "B2" in only:
        log("B2: backfill through dagster dev")
        try:
            b2(args, results)
        except Exception as exc:  # noqa: BLE001 - report it in the table, keep the other figures
            results["B2"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    if "B5" in only:
        from b5_dashboard import b5, summary

        log("B5: dashboard panels on a year of marts")
        results["B5"] = b5(args.query_repeat)
        print(summary(results["B5"]))
    if only == {"B5"} and Path(args.out).exists():  # B5 alone: merged into the last full results, the rest kept
        run = {k: results[k] for k in ("started_utc", "git", "load_start")}
        merged = {**json.loads(Path(args.out).read_text()), "B5": {**results["B5"], **run, "load_end": loadavg()}}
        Path(args.out).write_text(json.dumps(merged, indent=2, default=str) + "\n")
        return
    results.pop("_gridstatus_note", None)
    results["load_end"] = loadavg()
    results["elapsed_s"] = round(time.perf_counter() - t0, 1)
    text = table(results)
    results["table"] = text
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print()
    print(text)
    print(f"\n{results['elapsed_s']:.0f} s; results in {out}")


if __name__ == "__main__":
    main()
