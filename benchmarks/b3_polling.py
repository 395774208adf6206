"""B3: polling. Sensor tick + `isone_poll` run in process against the simulator, tick after tick of one morning;
then the same through `dagster dev` (`b3_polling_dev.py`).

Measured: requests and bytes per feed per tick (polling must fetch only what is new), and the latency from an
interval's publication (simulator clock) to a separate reader seeing it in every polled 5-minute std table.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from benchmarks.common import DEMO_CREDENTIALS, SIM_NOW, log, median, required

if TYPE_CHECKING:  # the benchmark imports dagster and the platform lazily
    import dagster as dg

    from isone_platform.simulator import SimulatorServer

NAME = "B3"

NY = ZoneInfo("America/New_York")
POLLED_DAY = dt.date(2024, 11, 20)
FIRST_TICK = dt.datetime(2024, 11, 20, 6, 2, tzinfo=NY)  # a morning of the day polled from 06:02
FEED_PREFIXES = {
    "system_load_5min": "/fiveminutesystemload/",
    "zonal_load_5min": "/fiveminuteestimatedzonalload/",
    "lmp_rt_5min": "/fiveminutelmp/",
    "fuel_mix": "/genfuelmix/",
}
WATCHED_FEEDS = ("system_load_5min", "zonal_load_5min", "lmp_rt_5min")  # the polled 5-minute std tables
API_PREFIX = "/api/v1.1"
LATENCY_MODEL = (
    "publication -> next sensor probe (around the expected publication the sensor probes every tick, so worst "
    "case one tick) -> sensor -> run in process until a separate reader connection sees the new interval in "
    "every polled 5-minute std table; measured: sensor + that; worst case adds the tick. The run goes on with "
    "checks and marts after that (run_s). dagster_dev measures the whole path in dagster dev."
)


def run(args, results: dict) -> None:
    """Entry point: stores results["B3"]: the in-process ticks, and under "dagster_dev" the same path as users run
    it (its error, if it fails, is kept in the report beside the in-process figures)."""
    from benchmarks.b3_polling_dev import measure_dev

    log("B3: polling ticks in process")
    results[NAME] = measure(args)
    log(f"B3: polling through dagster dev, {args.poll_intervals} publications (5 minutes of wall time each)")
    try:
        results[NAME]["dagster_dev"] = measure_dev(args.poll_intervals)
    except Exception as exc:  # noqa: BLE001 - report it, keep the in-process figures
        results[NAME]["dagster_dev"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}


class QueryableWatcher:
    """A reader (the analyst's read-only connection) polling std tables until each holds its target interval."""

    def __init__(self, targets: dict, day: dt.date, every: float = 0.1):
        self.targets, self.day, self.every = targets, day, every
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._t0 = time.perf_counter()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _check(self, con) -> None:
        """Record the first time each table not yet seen holds its target interval."""
        for table, target in self.targets.items():
            if table in self.seen:
                continue
            latest = con.sql(
                f"SELECT max(interval_begin_utc) FROM {table} WHERE operating_day = '{self.day}'"
            ).fetchone()[0]
            if latest is not None and latest >= target:
                self.seen[table] = time.perf_counter() - self._t0

    def _run(self) -> None:
        from isone_platform import warehouse

        con = None
        while not self._stop.is_set() and len(self.seen) < len(self.targets):
            try:
                con = con or warehouse.connect()
                self._check(con)
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


@contextlib.contextmanager
def platform_env(sim, work: Path):
    """The platform's settings pointed at the simulator and `work` for the block; the caller's environment after."""
    env_before = dict(os.environ)
    os.environ.update(
        ISONE_BASE_URL=sim.base_url,
        ISONE_USERNAME=DEMO_CREDENTIALS[0],
        ISONE_PASSWORD=DEMO_CREDENTIALS[1],
        ISONE_LAKE_URL=str(work / "lake"),
        ISONE_CATALOG_URL=str(work / "catalog.sqlite"),
        ISONE_PROJECT_ROOT=str(work),
    )
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(env_before)


def create_std_tables(work: Path) -> None:
    """A deployed warehouse: every std table exists (the marts the poll run rebuilds read the day-ahead table too)."""
    from isone_platform.lib.schemas import STD_TABLES
    from isone_platform.lib.warehouse import WarehouseConfig, ensure_tables, open_connection

    con = open_connection(WarehouseConfig.from_env(work), read_only=False)
    try:
        ensure_tables(con, STD_TABLES.values())
    finally:
        con.close()


@dataclass
class Poller:
    """What the ticks share: the simulator, the definitions, one instance, the poll job and the sensor's cursor."""

    sim: SimulatorServer
    defs: dg.Definitions
    instance: dg.DagsterInstance
    job: dg.JobDefinition
    cursor: str | None = None

    @classmethod
    def create(cls, sim) -> Poller:
        import dagster as dg

        from isone_platform.definitions import defs as build

        defs = build()
        return cls(sim, defs, dg.DagsterInstance.ephemeral(), defs.resolve_job_def("isone_poll"))

    def sensor_tick(self):
        """The sensor's answer (a RunRequest or a skip) and how long it took, with the cursor carried over."""
        import dagster as dg

        from isone_platform.defs.polling.definitions import build_poll_sensor
        from isone_platform.lib.resources import build_resources
        from isone_platform.lib.settings import Settings

        settings = Settings.from_env()
        t0 = time.perf_counter()
        with dg.build_sensor_context(
            instance=self.instance, cursor=self.cursor, resources=build_resources(settings), definitions=self.defs
        ) as context:
            result = build_poll_sensor(settings, clock=self.sim.clock.now)(context)
            self.cursor = context.cursor
        return result, time.perf_counter() - t0

    def tick(self, i: int) -> dict | None:
        """Tick i, 5 minutes after the last, right when an interval is out; None if the sensor skipped."""
        import dagster as dg

        when = FIRST_TICK + dt.timedelta(minutes=5 * i)
        interval = when - dt.timedelta(minutes=7)  # the interval (when-7min) was published at when-1min
        self.sim.clock.set(when)
        self.sim.reset_requests()
        result, t_sensor = self.sensor_tick()
        if isinstance(result, dg.SkipReason) or result is None:
            return None
        assert isinstance(result, dg.RunRequest), result  # the sensor yields one run request or a skip
        targets = {f"std.isone__{f}": interval for f in WATCHED_FEEDS}
        watcher = QueryableWatcher(targets, POLLED_DAY)
        t1 = time.perf_counter()
        run = self.job.execute_in_process(partition_key=result.partition_key, instance=self.instance, tags=result.tags)
        t_run = time.perf_counter() - t1
        seen = watcher.stop()  # seconds after t1 at which a reader first saw each table's target interval
        return tick_record(i, when, run.success, self.sim.requests, t_sensor, t_run, seen, len(targets))


def feed_traffic(requests) -> tuple[Counter, Counter]:
    """(requests, bytes) per feed of one tick, the sensor's probe left out."""
    from isone_platform.defs.polling.definitions import POLL_PROBE_PATH

    per_feed_n, per_feed_b = Counter(), Counter()
    for r in requests:
        p = r.path.removeprefix(API_PREFIX)
        if p == POLL_PROBE_PATH:
            continue
        for name, prefix in FEED_PREFIXES.items():
            if p.startswith(prefix):
                per_feed_n[name] += 1
                per_feed_b[name] += r.bytes_sent
    return per_feed_n, per_feed_b


def tick_record(i, when, success, requests, t_sensor, t_run, seen, n_targets) -> dict:
    """One entry of results["B3"]["ticks"]."""
    from isone_platform.defs.polling.definitions import POLL_PROBE_PATH

    per_feed_n, per_feed_b = feed_traffic(requests)
    queryable = len(seen) == n_targets
    log(f"B3: tick {i}: run {t_run:.1f} s, requests {dict(per_feed_n)}")
    return {
        "tick": i,
        "sim_time": when.isoformat(),
        "success": success,
        "requests": dict(per_feed_n),
        "bytes": dict(per_feed_b),
        "probe_bytes": sum(r.bytes_sent for r in requests if r.path.endswith(POLL_PROBE_PATH)),
        "sensor_s": round(t_sensor, 3),
        "run_s": round(t_run, 3),
        "queryable_after_s": {k: round(v, 2) for k, v in seen.items()},
        "queryable": queryable,
        "published_to_queryable_s": round(t_sensor + max(seen.values()), 3) if queryable else None,
    }


def measure(args) -> dict:
    """args.poll_ticks ticks against an in-process simulator and a fresh warehouse, then the summary."""
    from isone_platform.lib.settings import Settings
    from isone_platform.simulator import SimulatorServer

    work = Path(tempfile.mkdtemp(prefix="isone-bench-b3-"))
    sim = SimulatorServer(port=0, clock=f"fixed:{SIM_NOW}", seed=1).start()
    try:
        with platform_env(sim, work):
            create_std_tables(work)
            poller = Poller.create(sim)
            ticks = [t for t in (poller.tick(i) for i in range(args.poll_ticks)) if t is not None]
            return summarize(ticks, Settings.from_env().isone_poll_tick_seconds)
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)


def per_feed_summary(ticks: list[dict], steady: list[dict]) -> dict:
    """Requests and bytes per tick for every polled feed: the max over all ticks, means over the steady ones."""
    return {
        f: {
            "max_requests_per_tick": max(t["requests"].get(f, 0) for t in ticks),
            "mean_requests_per_tick": round(statistics.mean(t["requests"].get(f, 0) for t in steady), 2),
            "mean_bytes_per_tick": round(statistics.mean(t["bytes"].get(f, 0) for t in steady)),
            "first_tick_bytes": ticks[0]["bytes"].get(f, 0),
        }
        for f in sorted(FEED_PREFIXES)
    }


def summarize(ticks: list[dict], probe: int) -> dict:
    """results["B3"]: the ticks, per feed traffic, and the latency with and without the sensor's probe wait."""
    steady = ticks[1:] or ticks  # the first tick catches the day up from scratch
    lat = [t["published_to_queryable_s"] for t in steady if t["queryable"]]
    run_p50, run_max = (required(median(lat)), max(lat)) if lat else (float("nan"), float("nan"))
    return {
        "ticks": ticks,
        "per_feed": per_feed_summary(ticks, steady),
        "probe_interval_s": probe,
        "latency_model": LATENCY_MODEL,
        "run_total_p50_s": round(required(median([t["run_s"] for t in steady])), 2),
        "run_p50_s": round(run_p50, 2),
        "run_max_s": round(run_max, 2),
        "latency_worst_s": round(run_max + probe, 2),
        "latency_typical_s": round(run_p50 + probe / 2, 2),
        "all_success": all(t["success"] for t in ticks),
        "all_queryable": all(t["queryable"] for t in ticks),
    }
