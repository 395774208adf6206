"""B6: two production-profile run workers writing different days at once, against one worker doing all the days.

Production profile on 127.0.0.1: a throwaway PostgreSQL (Debian's binaries) holds the DuckLake catalog and
Dagster's own storage (runs, event log, pool slots), moto's S3 server holds the raw lake and the warehouse's
Parquet files, the bundled simulator stands in for ISO-NE (its cache warmed before the timed window). Each variant
starts from an empty bucket and empty databases, with the std tables created beforehand (a deployed warehouse)
and the `warehouse` and `isone_api` pools set to `POOLS` in the shared instance, as `deploy/README.md` says to
when scaling out.

A worker is a separate OS process, as a Dagster run worker (a pod with the K8sRunLauncher) is: it imports the
definitions, then materializes raw + std of `FEEDS` one operating day per run (`dg.materialize`, in-process
executor, on the shared PostgreSQL instance, so the pools are claimed across the workers). Both workers' std
steps reach the same tables at about the same time: their DuckLake commits can conflict, and the warehouse retries
the whole transaction (`isone_platform.lib.warehouse.retry`, counted there per kind, `retries_so_far`); a step
whose write still fails is retried by Dagster (STEP_UP_FOR_RETRY events, counted too). Before either, DuckLake
itself retries a commit that lost the race for the next snapshot id: each such attempt is a failed statement in
PostgreSQL's log, counted from there (`CATALOG_CONFLICT`).

"Nothing lost": after each variant a reader counts every (table, day) and its distinct primary keys; the two-worker
warehouse must hold exactly what the one-worker warehouse holds, and what the workers said they wrote.

The same module is the worker: `python -m benchmarks.b6_prod_workers prepare|work|count DAY...` (in the
environment the benchmark gives it; it prints one JSON line).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.common import (
    DEMO_CREDENTIALS,
    HISTORY_START,
    REPO,
    SimProcess,
    log,
    prewarm_simulator,
)

NAME = "B6"
# The all-node RT 5-minute LMPs (the bulk: ~1,200 nodes x 288 intervals a day) plus small feeds, so each run
# writes several tables, as a backfill run does.
FEEDS = ("lmp_rt_5min", "lmp_da_hourly", "system_load_5min", "zonal_load_5min", "fuel_mix")
FIRST_DAY = dt.date(2024, 7, 15)  # ordinary summer weekdays (no DST change: every day has the same rows)
DEFAULT_DAYS = 4
POOLS = {"warehouse": 2, "isone_api": 2}  # what deploy/README.md says to set for two writers
WORKER_TIMEOUT_S = 1800
# A DuckLake commit that lost the race for the next snapshot (or file, or catalog) id to another writer fails in
# PostgreSQL with a duplicate key on a `ducklake_*` table and DuckLake retries it by itself: PostgreSQL's server
# log (it logs every failed statement) is where those retries can be counted.
CATALOG_CONFLICT = re.compile(
    r'ERROR:\s+(?:duplicate key value violates unique constraint "(ducklake_\w+)"|(could not serialize access))'
)
HOW = (
    "wall: the worker processes started -> the last one exited (each imports the definitions, as a run pod does); "
    "rows: std rows the runs wrote (run metadata), checked against a reader's count; conflicts retried: DuckLake's "
    "own commit retries (duplicate snapshot ids in PostgreSQL's log), the warehouse's transaction retries counted in "
    "each worker, Dagster step retries"
)


# ---------------------------------------------------------------------------------------------------------------
# the benchmark (parent process)


def run(args, results: dict) -> None:
    """Entry point: skipped with a reason without PostgreSQL's server binaries; an error goes into the report."""
    from isone_platform_tests.prod.servers import postgres_bin_dir

    log("B6: two production-profile workers vs one")
    if postgres_bin_dir() is None:
        results[NAME] = {"skipped": "PostgreSQL server binaries (initdb, pg_ctl) not found: `make bench` installs them"}
        return
    try:
        results[NAME] = measure(bench_days(args.prod_days))
    except Exception as exc:  # noqa: BLE001 - report it in the table, keep the other figures
        results[NAME] = {"error": f"{type(exc).__name__}: {exc}"[-2000:]}


def bench_days(n: int) -> list[str]:
    """`n` consecutive operating days from FIRST_DAY; an even number, so two workers get the same share."""
    if n < 2 or n % 2:
        raise ValueError(f"B6 needs an even number of days (two workers, half each), got {n}")
    return [(FIRST_DAY + dt.timedelta(days=i)).isoformat() for i in range(n)]


def measure(days: list[str]) -> dict:
    """Start PostgreSQL, moto and the simulator; run both variants; always stop what was started."""
    from isone_platform_tests.prod.servers import MotoS3, PostgresServer, postgres_bin_dir

    work = Path(tempfile.mkdtemp(prefix="isone-bench-b6-"))
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's server logs every request otherwise
    started: list = []
    try:
        bin_dir = postgres_bin_dir()
        assert bin_dir is not None  # run() checked
        pg = PostgresServer(bin_dir).start()
        started.append(pg)
        moto = MotoS3()
        started.append(moto)
        sim = SimProcess(cache_mb=1024)
        started.append(sim)
        prewarm_s = prewarm_simulator(sim, [dt.date.fromisoformat(d) for d in days], FEEDS)
        log(f"B6: simulator cache warmed in {prewarm_s:.0f} s")
        splits = {"one_worker": [days], "two_workers": [days[: len(days) // 2], days[len(days) // 2 :]]}
        variants = {name: variant(Servers(pg, moto, sim, work), name, split) for name, split in splits.items()}
        return summary(days, variants, prewarm_s)
    finally:
        for server in reversed(started):
            server.stop()
        if os.environ.get("BENCH_KEEP"):
            log(f"B6: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


class Servers:
    """What every variant's environment points at."""

    def __init__(self, pg, moto, sim: SimProcess, work: Path):
        self.pg, self.moto, self.sim, self.work = pg, moto, sim, work


def variant(servers: Servers, name: str, split: list[list[str]]) -> dict:
    """One variant on a fresh bucket, catalog and Dagster database: prepare, run the workers at once, count."""
    env = variant_env(servers, name)
    worker(env, "prepare", [])
    log(f"B6: {name}: {len(split)} worker(s), days {split}")
    pg_log = servers.pg.base / "server.log"
    log_start = pg_log.stat().st_size
    t0 = time.perf_counter()
    workers = [Worker(env, "work", days) for days in split]
    outputs = [w.result() for w in workers]
    wall = time.perf_counter() - t0
    with open(pg_log, "rb") as f:
        f.seek(log_start)
        conflicts = catalog_conflicts(f.read().decode(errors="replace"))
    stored = worker(env, "count", [d for days in split for d in days])
    log(f"B6: {name}: {wall:.0f} s")
    return {**variant_figures(wall, outputs, stored), **conflicts}


def catalog_conflicts(server_log: str) -> dict:
    """The catalog commit conflicts DuckLake retried by itself, from PostgreSQL's log: {total, per constraint}."""
    kinds: dict[str, int] = {}
    for match in CATALOG_CONFLICT.finditer(server_log):
        kind = match.group(1) or match.group(2)
        kinds[kind] = kinds.get(kind, 0) + 1
    return {"ducklake_commit_retries": sum(kinds.values()), "ducklake_commit_retries_by_kind": kinds}


def variant_env(servers: Servers, name: str) -> dict:
    """The production settings of one variant: its own bucket, catalog database, Dagster database and home."""
    from isone_platform_tests.prod.servers import APP_PASSWORD, APP_USER, DUMMY_AWS

    suffix = f"{name}_{uuid.uuid4().hex[:8]}"
    bucket = f"isone-b6-{suffix.replace('_', '-')}"
    servers.moto.client().create_bucket(Bucket=bucket)
    catalog = servers.pg.create_database(f"catalog_{suffix}")
    dagster_db = servers.pg.create_database(f"dagster_{suffix}")
    root = servers.work / name
    home = root / "dagster_home"
    home.mkdir(parents=True)
    shutil.copyfile(REPO / "deploy" / "prod" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ISONE_", "AWS_", "DAGSTER_", "PG"))}
    env.update(DUMMY_AWS)
    env.update(
        AWS_ENDPOINT_URL=servers.moto.endpoint,
        PGPASSWORD=APP_PASSWORD,
        ISONE_ENV="prod",
        ISONE_LAKE_URL=f"s3://{bucket}/lake",
        ISONE_CATALOG_URL=servers.pg.url(catalog),
        ISONE_PROJECT_ROOT=str(root),
        ISONE_BASE_URL=servers.sim.base_url,
        ISONE_USERNAME=DEMO_CREDENTIALS[0],
        ISONE_PASSWORD=DEMO_CREDENTIALS[1],
        ISONE_POLLING="off",
        ISONE_HISTORY_START=HISTORY_START,
        DAGSTER_HOME=str(home),
        DAGSTER_PG_HOST=servers.pg.host,
        DAGSTER_PG_PORT=str(servers.pg.port),
        DAGSTER_PG_DB=dagster_db,
        DAGSTER_PG_USER=APP_USER,
        DAGSTER_PG_PASSWORD=APP_PASSWORD,
        DAGSTER_DISABLE_TELEMETRY="1",
    )
    return env


class Worker:
    """This module as a worker process in `env`; its stderr (Dagster's log) goes to a file beside its home."""

    def __init__(self, env: dict, mode: str, days: list[str]):
        self.label = f"{mode} {' '.join(days)}".strip()
        self.log_path = Path(env["ISONE_PROJECT_ROOT"]) / f"{mode}-{uuid.uuid4().hex[:6]}.log"
        cmd = [sys.executable, "-m", "benchmarks.b6_prod_workers", mode, *days]
        with open(self.log_path, "wb") as errors:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)

    def result(self) -> dict:
        """The JSON line the worker printed; the tail of its log in the error when it failed."""
        try:
            out, _ = self.proc.communicate(timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        if self.proc.returncode != 0 or not out.strip():
            raise RuntimeError(f"B6 worker `{self.label}` exited {self.proc.returncode}: {self.error_lines()}")
        return json.loads(out.strip().splitlines()[-1])

    def error_lines(self, most: int = 12) -> str:
        """The last lines of the worker's log that are not Dagster's event lines: its traceback."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join([line for line in lines if " - dagster - " not in line][-most:])


def worker(env: dict, mode: str, days: list[str]) -> dict:
    """Run one worker to its end (prepare, count)."""
    return Worker(env, mode, days).result()


def variant_figures(wall: float, outputs: list[dict], stored: dict) -> dict:
    """Wall, rows written, rows/s and retries of one variant, with each worker's own figures."""
    rows = sum(o["rows"] for o in outputs)
    retries: dict[str, int] = {}
    for o in outputs:
        for kind, n in o["warehouse_retries"].items():
            retries[kind] = retries.get(kind, 0) + n
    span = max(o["ended"] for o in outputs) - min(o["started"] for o in outputs)
    return {
        "workers": len(outputs),
        "wall_s": round(wall, 1),
        "runs_s": round(span, 1),
        "rows": rows,
        "rows_per_s": round(rows / wall),
        "rows_per_s_runs_only": round(rows / span),
        "warehouse_retries": retries,
        "warehouse_retries_total": sum(retries.values()),
        "step_retries": sum(o["step_retries"] for o in outputs),
        "failed_steps": [f for o in outputs for f in o["failed_steps"]],
        "per_worker": outputs,
        "stored": stored,
    }


def summary(days: list[str], variants: dict, prewarm_s: float) -> dict:
    """Both variants, their ratio and the nothing-lost verdict."""
    one, two = variants["one_worker"], variants["two_workers"]
    problems = lost(one, two)
    return {
        "days": days,
        "feeds": list(FEEDS),
        "pools": POOLS,
        **variants,
        "speedup_rows_per_s": round(two["rows_per_s"] / one["rows_per_s"], 2),
        "speedup_runs_only": round(two["rows_per_s_runs_only"] / one["rows_per_s_runs_only"], 2),
        "nothing_lost": not problems,
        "problems": problems[:20],
        "simulator_prewarm_s": round(prewarm_s, 1),
        "how": HOW,
    }


def lost(one: dict, two: dict) -> list[str]:
    """What the two-worker warehouse lacks or repeats compared with the one-worker one (empty: nothing lost)."""
    problems = []
    for name, v in (("one_worker", one), ("two_workers", two)):
        stored_rows = sum(rows for per_day in v["stored"].values() for rows, _ in per_day.values())
        if stored_rows != v["rows"]:
            problems.append(f"{name}: the runs wrote {v['rows']} rows, a reader counts {stored_rows}")
        problems += [
            f"{name}: {table} {day}: {rows} rows but {keys} distinct keys"
            for table, per_day in v["stored"].items()
            for day, (rows, keys) in per_day.items()
            if rows != keys
        ]
        problems += [f"{name}: failed: {failure}" for failure in v["failed_steps"]]
    if two["stored"] != one["stored"]:
        problems.append(f"two workers stored {two['stored']}, one worker {one['stored']}")
    return problems


def render(b: dict) -> list[str]:
    """B6's block of the table."""
    if "skipped" in b or "error" in b:
        return [
            f"B6 two production-profile workers vs one: {'SKIPPED' if 'skipped' in b else 'ERROR'} "
            f"{b.get('skipped') or b.get('error')}"
        ]
    one, two = b["one_worker"], b["two_workers"]
    return [
        f"B6 two production-profile workers vs one (PostgreSQL catalog + Dagster storage, S3 on moto), "
        f"{len(b['days'])} days x {len(b['feeds'])} feeds, pools {b['pools']}",
        *(variant_row(name, v) for name, v in (("1 worker", one), ("2 workers", two))),
        f"  2 vs 1: {b['speedup_rows_per_s']:.2f}x rows/s ({b['speedup_runs_only']:.2f}x runs only); "
        f"nothing lost: {'yes' if b['nothing_lost'] else 'NO: ' + '; '.join(b['problems'][:3])}",
    ]


def variant_row(name: str, v: dict) -> str:
    return (
        f"  {name:9s} wall {v['wall_s']:6.1f} s  {v['rows']:,} rows  {v['rows_per_s'] / 1e3:6.1f}k rows/s "
        f"(runs only {v['rows_per_s_runs_only'] / 1e3:.1f}k)  commit conflicts retried: by DuckLake "
        f"{v.get('ducklake_commit_retries', 0)}, by the warehouse {v['warehouse_retries_total']}, "
        f"step retries {v['step_retries']}"
    )


# ---------------------------------------------------------------------------------------------------------------
# the worker (a separate process, in the variant's environment)


def prepare() -> dict:
    """A deployed warehouse and instance: every std table exists (and the revisions tables the LMP writes keep),
    the pools are set to POOLS."""
    import dagster as dg

    from isone_platform.lib.schemas import REVISION_TABLES, STD_TABLES
    from isone_platform.lib.warehouse import WarehouseConfig, ensure_tables, open_connection

    con = open_connection(WarehouseConfig.from_env(), read_only=False)
    try:
        ensure_tables(con, [*STD_TABLES.values(), *REVISION_TABLES.values()])
    finally:
        con.close()
    instance = dg.DagsterInstance.get()
    try:
        for pool, limit in POOLS.items():
            instance.event_log_storage.set_concurrency_slots(pool, limit)
    finally:
        instance.dispose()
    return {"pools": POOLS}


def work(days: list[str]) -> dict:
    """Materialize raw + std of FEEDS for each day, one run per day, on the shared instance."""
    import dagster as dg

    from isone_platform.definitions import defs
    from isone_platform.lib.resources import build_resources
    from isone_platform.lib.warehouse import retries_so_far

    assets = [a for a in defs().assets or [] if isinstance(a, dg.AssetsDefinition)]
    selection = [dg.AssetKey([layer, f"isone__{feed}"]) for feed in FEEDS for layer in ("raw", "std")]
    instance = dg.DagsterInstance.get()
    started, rows, step_retries, failures = time.time(), 0, 0, []
    try:
        for day in days:
            result = dg.materialize(
                assets,
                selection=selection,
                partition_key=day,
                resources=build_resources(),
                instance=instance,
                raise_on_error=False,
            )
            rows += std_rows_written(result)
            step_retries += sum(e.event_type_value == "STEP_UP_FOR_RETRY" for e in result.all_events)
            failures += step_failures(day, result)
    finally:
        instance.dispose()
    return {
        "days": days,
        "started": started,
        "ended": time.time(),
        "rows": rows,
        "warehouse_retries": retries_so_far(),
        "step_retries": step_retries,
        "failed_steps": failures,
    }


def step_failures(day: str, result) -> list[str]:
    """`day step: error` of each step that failed in a run (a benchmark that loses data says why)."""
    return [
        f"{day} {e.step_key}: {e.step_failure_data.error.message.strip()[:300] if e.step_failure_data.error else '?'}"
        for e in result.all_events
        if e.event_type_value == "STEP_FAILURE"
    ]


def std_rows_written(result) -> int:
    """The std rows a run wrote: its std materializations' `run_rows` (one per asset for a one-day run)."""
    total = 0
    for event in result.get_asset_materialization_events():
        if event.asset_key is not None and event.asset_key.path[0] == "std":
            value = event.step_materialization_data.materialization.metadata.get("run_rows")
            total += int(value.value) if value is not None else 0
    return total


def count(days: list[str]) -> dict:
    """{table: {day: [rows, distinct primary keys]}} of FEEDS' std tables, read as an analyst would."""
    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.sql_literals import days_sql
    from isone_platform.lib.warehouse import WarehouseConfig, open_connection

    con = open_connection(WarehouseConfig.from_env(), read_only=True)
    try:
        out = {}
        for feed in FEEDS:
            table = DATASETS[feed].table
            keys = ", ".join(f'"{k}"' for k in table.primary_key)
            rows = con.execute(
                f"SELECT operating_day, count(*), count(DISTINCT ({keys})) FROM {table.qualified_name} "
                f"WHERE operating_day IN ({days_sql([dt.date.fromisoformat(d) for d in days])}) GROUP BY 1 ORDER BY 1"
            ).fetchall()
            out[table.qualified_name] = {d.isoformat(): [n, k] for d, n, k in rows}
        return out
    finally:
        con.close()


def main(argv: list[str]) -> None:
    mode, days = argv[0], argv[1:]
    modes = {"prepare": lambda: prepare(), "work": lambda: work(days), "count": lambda: count(days)}
    if mode not in modes:
        raise SystemExit(f"mode must be one of {sorted(modes)}, got {mode!r}")
    print(json.dumps(modes[mode]()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
