"""B3 through `dagster dev`, as users run it: the daemon's sensor ticks, the queued run coordinator launches the run,
the run process imports the definitions and writes, and a separate read-only reader sees the interval.

The simulator runs at real speed from a morning of 2024-11-20 (`accelerated:1@…`), so a new 5-minute interval is
published every 5 minutes of wall time (`publication_lag` after it ends), as ISO-NE does; the sensor must find
each by itself. Measured per interval: publication → a reader sees it in every polled 5-minute std table; over the
whole measurement: probes of `/info` per minute; per poll run: data requests per feed.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.common import loadavg, log, median, required

NY = ZoneInfo("America/New_York")
SIM_START = dt.datetime(2024, 11, 20, 6, 3, 30, tzinfo=NY)  # 05:55 is out (06:01): the first run catches the day up
POLLED_DAY = dt.date(2024, 11, 20)
WATCHED_TABLES = tuple(f"std.isone__{f}" for f in ("system_load_5min", "zonal_load_5min", "lmp_rt_5min"))
READER_EVERY_S = 0.25
HOW = (
    "dagster dev (sensor daemon ticks, queued run coordinator, run process) against the simulator at real speed "
    "from 2024-11-20 06:03:30 local: each 5-minute interval is published 5 min + lag after it begins; latency = "
    "publication (simulator clock, mapped to wall time) -> a separate read-only connection, polling every "
    f"{READER_EVERY_S} s, sees it in every polled 5-minute std table. The first interval (the sensor's first "
    "sighting, a run that catches the day up) is warm-up and not counted; the rate of probes counts from then."
)
RUNS = """
query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
  ... on Runs { results { runId status creationTime startTime endTime tags { key value } } } } }"""


class IntervalWatcher:
    """The analyst's read-only connection, polling the std tables: the wall time each interval was first seen in
    every one of them."""

    def __init__(self, day: dt.date):
        self.day = day
        self.seen: dict[dt.datetime, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _latest(self, con) -> dt.datetime | None:
        """The newest interval every watched table holds for the day."""
        latest = []
        for table in WATCHED_TABLES:
            row = con.sql(f"SELECT max(interval_begin_utc) FROM {table} WHERE operating_day = '{self.day}'").fetchone()
            if row is None or row[0] is None:
                return None
            latest.append(row[0])
        return min(latest)

    def _run(self) -> None:
        from isone_platform import warehouse

        con = None
        while not self._stop.is_set():
            try:
                con = con or warehouse.connect()
                latest = self._latest(con)
                if latest is not None and latest not in self.seen:
                    self.seen[latest] = time.time()
            except Exception:  # noqa: BLE001 - no warehouse or table yet; a reader retries as an analyst would
                if con is not None:
                    con.close()
                con = None
            self._stop.wait(READER_EVERY_S)
        if con is not None:
            con.close()

    def stop(self) -> dict[dt.datetime, float]:
        self._stop.set()
        self._thread.join(30)
        return dict(self.seen)


def measure_dev(intervals: int) -> dict:
    """`intervals` publications measured through a fresh `dagster dev`; everything started is stopped."""
    from benchmarks.b2_backfill import DagsterDev
    from isone_platform.simulator import SimClock, SimulatorServer

    work = Path(tempfile.mkdtemp(prefix="isone-bench-b3dev-"))
    sim = SimulatorServer(port=0, clock=f"fixed:{SIM_START.isoformat()}", seed=1).start()
    dev = watcher = None
    env_before = dict(os.environ)
    try:
        env = dev_env(work, sim)
        os.environ.update({k: v for k, v in env.items() if k.startswith("ISONE_")})  # the reader's warehouse
        create_tables(work)
        sim.clock, t0 = SimClock("accelerated", SIM_START, 1.0), time.time()  # real speed from here on
        watcher = IntervalWatcher(POLLED_DAY)
        dev = DagsterDev(work, env)
        startup_s, _ = dev.wait_for_partitioned_assets()
        log(f"B3 dev: code location loaded after {startup_s:.0f} s")
        figures = run_intervals(dev, sim, watcher, intervals, t0)
        return figures | {"startup_s": round(startup_s, 1)}
    finally:
        if watcher is not None:
            watcher.stop()
        if dev is not None:
            dev.stop()
        sim.stop()
        os.environ.clear()
        os.environ.update(env_before)
        if os.environ.get("BENCH_KEEP"):
            log(f"B3 dev: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def dev_env(work: Path, sim) -> dict:
    """dagster dev's environment: B2's, with polling on and the lake and catalog under `work`."""
    from benchmarks.b2_backfill import dagster_dev_env, prepare_dagster_home

    env = dagster_dev_env(prepare_dagster_home(work), work, sim, None)
    env.update(
        ISONE_POLLING="on",
        ISONE_LAKE_URL=str(work / "lake"),
        ISONE_CATALOG_URL=str(work / "catalog.sqlite"),
        ISONE_STEP_RETRY_DELAY_SECONDS="1",
    )
    return env


def create_tables(work: Path) -> None:
    from benchmarks.b3_polling import create_std_tables

    create_std_tables(work)


def run_intervals(dev, sim, watcher: IntervalWatcher, intervals: int, t0: float) -> dict:
    """Wait for the first run (it catches the day up: warm-up), then for `intervals` publications after it to
    become queryable (or 3 minutes past the last one's publication), and the figures."""
    while not watcher.seen:
        if time.time() - t0 > 900:
            raise RuntimeError("no poll run made the day queryable within 15 minutes")
        time.sleep(1)
    t_warm = min(watcher.seen.values())
    log(f"B3 dev: warm-up interval queryable after {t_warm - t0:.0f} s; measuring {intervals} publications")
    after = max(watcher.seen)
    targets = [after + dt.timedelta(minutes=5 * k) for k in range(1, intervals + 1)]
    targets = [t for t in targets if publication_wall(t, sim, t0) > t_warm]
    while len(targets) < intervals:
        targets.append(targets[-1] + dt.timedelta(minutes=5) if targets else after + dt.timedelta(minutes=5))
    deadline = publication_wall(targets[-1], sim, t0) + 180
    while time.time() < deadline and not all(seen_by(watcher.seen, t) for t in targets):
        time.sleep(1)
    seen = watcher.stop()
    runs = dev.gql(RUNS, {"tags": []})["runsOrError"]["results"]
    return summarize_dev(targets, seen, list(sim.requests), runs, sim, t0, t_warm, time.time())


def publication_wall(interval_begin: dt.datetime, sim, t0: float) -> float:
    """Wall time at which the simulator (started at SIM_START at wall `t0`, real speed) publishes the interval."""
    published = interval_begin + dt.timedelta(minutes=5) + sim.publication_lag
    return t0 + (published - SIM_START).total_seconds()


def seen_by(seen: dict[dt.datetime, float], target: dt.datetime) -> float | None:
    """When the reader first saw `target` or a later interval in every table (a run may land two at once)."""
    times = [t for interval, t in seen.items() if interval >= target]
    return min(times) if times else None


def summarize_dev(targets, seen, requests, runs, sim, t0: float, t_warm: float, t_end: float) -> dict:
    """results["B3"]["dagster_dev"]: latency per interval after the warm-up, probes per minute, requests per run."""
    measured = targets
    latencies = {t.isoformat(): round(s - publication_wall(t, sim, t0), 2) for t in measured if (s := seen_by(seen, t))}
    values = list(latencies.values())
    probes = probe_times(requests, t0)
    span_start = t_warm
    steady = [p for p in probes if p >= span_start]
    return {
        "how": HOW,
        "intervals": len(measured),
        "queryable": len(values),
        "latency_s": latencies,
        "latency_p50_s": round(required(median(values)), 2) if values else None,
        "latency_max_s": max(values) if values else None,
        "probes": len(probes),
        "probes_per_min_after_warmup": round(len(steady) / max((t_end - span_start) / 60, 1e-9), 2),
        "mean_s_between_probes_after_warmup": round((t_end - span_start) / max(len(steady), 1), 1),
        "poll_runs": run_summary(runs, requests, t0),
        "loadavg_end": loadavg(),
    }


def probe_times(requests, t0: float) -> list[float]:
    """Wall times of the sensor's `/info` probes since `t0`."""
    from isone_platform.defs.polling.definitions import POLL_PROBE_PATH

    return [r.time.timestamp() for r in requests if r.path.endswith(POLL_PROBE_PATH) and r.time.timestamp() >= t0]


def run_summary(runs: list[dict], requests, t0: float) -> dict:
    """Per poll run: its data requests per feed (simulator requests inside the run's start..end), and the Dagster
    timings: queued → started (dequeue + launch), started → end."""
    from benchmarks.b3_polling import feed_traffic

    polls = sorted(
        (r for r in runs if any(t["key"] == "isone/poll_for" for t in r["tags"]) and r["startTime"]),
        key=lambda r: r["startTime"],
    )
    per_run, max_per_feed = [], Counter()
    for r in polls:
        inside = [q for q in requests if r["startTime"] <= q.time.timestamp() <= (r["endTime"] or time.time())]
        n, _ = feed_traffic(inside)
        max_per_feed |= n
        per_run.append(
            {
                "status": r["status"],
                "queued_to_start_s": round(r["startTime"] - r["creationTime"], 2),
                "run_s": round((r["endTime"] or r["startTime"]) - r["startTime"], 2),
                "requests": dict(n),
            }
        )
    steady = per_run[1:] or per_run
    return {
        "count": len(per_run),
        "max_requests_per_feed_per_run": dict(max_per_feed),
        "queued_to_start_p50_s": statistics.median(r["queued_to_start_s"] for r in steady) if steady else None,
        "runs": per_run,
    }
