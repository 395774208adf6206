"""B2: a backfill of every partitioned asset (raw, std, checks, marts) through a real `dagster dev`.

Launched over GraphQL `launchPartitionBackfill` with the real backfill policy: wall, rows, peak RSS of all its
processes (and which they were), step time (our code) vs the rest (Dagster: daemon loop, run launch, event log).
It goes through the same path an operator's UI backfill does, so Dagster's own overhead is in the figure.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.common import (
    BIN,
    DEMO_CREDENTIALS,
    HISTORY_START,
    REPO,
    SimProcess,
    free_port,
    log,
    prewarm_simulator,
)

NAME = "B2"

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
ASSET_NODES = "{ assetNodes { assetKey { path } partitionDefinition { type } } }"
DONE = ("COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED")
LAST_DAY = dt.date(2024, 11, 20)
STARTUP_TIMEOUT_S = 300
HOW = (
    "wall: launchPartitionBackfill -> backfill COMPLETED; our code = union of step execution intervals (raw "
    "fetch+land, std parse+load, marts dbt, checks); Dagster overhead = the rest (daemon's 30 s backfill loop "
    "before the first run and after the last, run launch + definitions import per run, event log). Peak RSS: sum "
    "over every process of the dagster dev session (webserver, daemon, code server, runs), sampled every second; "
    "the simulator is a separate process and not counted."
)


def run(args, results: dict) -> None:
    """Entry point. B2 is the most fragile benchmark (a whole dagster dev): its error goes into the report and the
    other benchmarks' figures are kept."""
    log("B2: backfill through dagster dev")
    try:
        results[NAME] = measure(args)
    except Exception as exc:  # noqa: BLE001 - report it in the table, keep the other figures
        results[NAME] = {"error": f"{type(exc).__name__}: {exc}"[:500]}


def measure(args) -> dict:
    """Start dagster dev on a fresh DAGSTER_HOME, run the backfill, and always stop everything it started."""
    work = Path(tempfile.mkdtemp(prefix="isone-bench-b2-"))
    sim = dev = None
    try:
        home = prepare_dagster_home(work)
        sim = SimProcess(cache_mb=1024)
        dev = DagsterDev(work, dagster_dev_env(home, work, sim, args.days_per_run))
        return backfill(dev, sim, args)
    finally:
        for started in (dev, sim):
            if started is not None:
                started.stop()
        if os.environ.get("BENCH_KEEP"):
            log(f"B2: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def backfill(dev: DagsterDev, sim: SimProcess, args) -> dict:
    """Wait for the code location, warm the simulator, launch the backfill and time it until Dagster says done."""
    startup_s, partitioned = dev.wait_for_partitioned_assets()
    days = backfill_days(args.backfill_days)
    prewarm_s = prewarm_simulator(sim, [dt.date.fromisoformat(d) for d in days])
    log(f"B2: simulator cache warmed in {prewarm_s:.0f} s")
    log(f"B2: dagster dev up in {startup_s:.0f} s; backfill of {len(partitioned)} assets x {len(days)} days")
    sim_cpu0 = sim.cpu_seconds()
    t0 = time.perf_counter()
    bid = dev.launch_backfill(partitioned, days)
    status = dev.wait_for_backfill(bid, t0, args.backfill_timeout)
    wall = time.perf_counter() - t0
    t0_epoch, sim_cpu = time.time() - wall, sim.cpu_seconds() - sim_cpu0
    runs = dev.gql(RUNS, {"tags": [{"key": "dagster/backfill", "value": bid}]})["runsOrError"]["results"]
    return {
        "days_per_run": args.days_per_run or "platform default (15)",
        "days": len(days),
        "first_day": days[0],
        "last_day": days[-1],
        "assets": len(partitioned),
        "status": status,
        **run_statistics(runs, wall, backfill_rows(dev.work, days)),
        "peak_rss_bytes": dev.rss.peak,
        "processes_at_peak": [{"rss_mb": round(r / 2**20), "cmd": c} for r, c in dev.rss.at_peak],
        "startup_s": round(startup_s, 1),
        **timing_breakdown(runs, wall, t0_epoch),
        "simulator_cpu_s": round(sim_cpu, 1),
        "simulator_prewarm_s": round(prewarm_s, 1),
        "run_launch_s": [
            round(r["startTime"] - r["creationTime"], 1) for r in runs if r["startTime"] and r["creationTime"]
        ],
        "step_seconds": seconds_per_step(runs),
        "how": HOW,
    }


def backfill_days(n: int) -> list[str]:
    """The n operating days up to LAST_DAY, oldest first, as partition keys."""
    return [(LAST_DAY - dt.timedelta(days=i)).isoformat() for i in range(n - 1, -1, -1)]


# ---------------------------------------------------------------------------------------------------------------
# dagster dev


def prepare_dagster_home(work: Path) -> Path:
    """A DAGSTER_HOME with the local deployment's dagster.yaml and the demo's `isone_api` pool size."""
    from dagster import DagsterInstance

    home = work / "dagster_home"
    home.mkdir()
    shutil.copyfile(REPO / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
    instance = DagsterInstance.from_config(str(home))
    instance.event_log_storage.set_concurrency_slots("isone_api", 2)  # as the demo does
    instance.dispose()
    return home


def dagster_dev_env(home: Path, work: Path, sim: SimProcess, days_per_run: int | None) -> dict:
    """dagster dev's environment: the caller's without any ISONE_* setting, pointed at the simulator and `work`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ISONE_")}
    env.update(
        DAGSTER_HOME=str(home),
        ISONE_PROJECT_ROOT=str(work),
        ISONE_BASE_URL=sim.base_url,
        ISONE_USERNAME=DEMO_CREDENTIALS[0],
        ISONE_PASSWORD=DEMO_CREDENTIALS[1],
        ISONE_POLLING="off",
        ISONE_HISTORY_START=HISTORY_START,
        DAGSTER_DISABLE_TELEMETRY="1",
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    if days_per_run:
        env["ISONE_BACKFILL_DAYS_PER_RUN"] = str(days_per_run)
    return env


class DagsterDev:
    """`dagster dev` in its own session (so its RSS can be summed and it can be stopped as a whole), and its
    GraphQL API."""

    def __init__(self, work: Path, env: dict):
        import httpx

        self.work = work
        port = free_port()
        self.logf = open(work / "dagster_dev.log", "wb")
        # started through `env --default-signal`: dagster dev started from a script otherwise ignores SIGTERM
        self.proc = subprocess.Popen(
            [
                "env",
                "--default-signal=INT,TERM",
                str(BIN / "dagster"),
                "dev",
                "-w",
                str(REPO / "workspace.yaml"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=work,
            env=env,
            stdout=self.logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        self.rss = PeakRss(self.proc.pid)

    def gql(self, query: str, variables: dict | None = None) -> dict:
        """The `data` of a GraphQL answer; GraphQL errors raise."""
        r = self.http.post("/graphql", json={"query": query, "variables": variables or {}})
        r.raise_for_status()
        body = r.json()
        if "errors" in body:
            raise RuntimeError(body["errors"])
        return body["data"]

    def wait_for_partitioned_assets(self) -> tuple[float, list[dict]]:
        """(seconds until the code location answered, the asset keys of every partitioned asset)."""
        import httpx

        t_start = time.perf_counter()
        while time.perf_counter() - t_start < STARTUP_TIMEOUT_S:
            self.rss.sample()
            try:
                nodes = self.gql(ASSET_NODES)["assetNodes"]
                if nodes:
                    return (
                        time.perf_counter() - t_start,
                        [{"path": n["assetKey"]["path"]} for n in nodes if n["partitionDefinition"]],
                    )
            except (httpx.HTTPError, RuntimeError):
                pass
            time.sleep(1)
        raise RuntimeError("dagster dev did not load the code location")

    def launch_backfill(self, assets: list[dict], days: list[str]) -> str:
        """The id of a backfill of `assets` over `days`, launched as the UI would."""
        params = {"assetSelection": assets, "partitionNames": days, "title": "bench"}
        launched = self.gql(LAUNCH_BACKFILL, {"p": params})["launchPartitionBackfill"]
        if launched["__typename"] != "LaunchBackfillSuccess":
            raise RuntimeError(launched)
        return launched["backfillId"]

    def wait_for_backfill(self, bid: str, t0: float, timeout: float) -> str | None:
        """The backfill's last status, once done or at `timeout` seconds after t0; samples RSS every second."""
        status = None
        while time.perf_counter() - t0 < timeout:
            self.rss.sample()
            status = self.gql(BACKFILL_STATUS, {"id": bid})["partitionBackfillOrError"]["status"]
            if status in DONE:
                break
            time.sleep(1)
        return status

    def stop(self) -> None:
        """SIGTERM to the whole session (≈3 s); SIGKILL only if it hangs, since its children would survive that."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(60)
        except (subprocess.TimeoutExpired, ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.http.close()
        self.logf.close()


# ---------------------------------------------------------------------------------------------------------------
# memory


def process_rss(p: Path) -> tuple[int, str]:
    """(RSS bytes, short command) of one /proc/<pid> entry."""
    rss = next(
        int(line.split()[1]) * 1024 for line in (p / "status").read_text().splitlines() if line.startswith("VmRSS:")
    )
    argv = (p / "cmdline").read_bytes().split(b"\0")
    words = [Path(a.decode(errors="replace")).name for a in argv[:6] if a and not a.startswith(b"-")]
    return rss, (" ".join(words[1:4]) or words[0] if words else "?")


def session_processes(sid: int) -> list[tuple[int, str]]:
    """(RSS bytes, short command) of every process in session `sid` (dagster dev and everything it started)."""
    out = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            stat = (p / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[3]) == sid:  # field 6 (session id), after pid/comm/state/ppid/pgrp
                out.append(process_rss(p))
        except (OSError, ValueError, IndexError, StopIteration):
            continue  # the process ended while we read it
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


# ---------------------------------------------------------------------------------------------------------------
# where the time went


def union_seconds(intervals: list[tuple[float, float]]) -> float:
    """Seconds covered by at least one interval: busy time when steps of two runs overlap."""
    total, end = 0.0, None
    for s, e in sorted(intervals):
        if end is None or s > end:
            total += e - s
            end = e
        elif e > end:
            total += e - end
            end = e
    return total


def step_intervals(runs: list[dict]) -> list[tuple[float, float]]:
    return [(s["startTime"], s["endTime"]) for r in runs for s in r["stepStats"] if s["startTime"] and s["endTime"]]


def run_intervals(runs: list[dict]) -> list[tuple[float, float]]:
    return [(r["startTime"], r["endTime"]) for r in runs if r["startTime"] and r["endTime"]]


def run_statistics(runs: list[dict], wall: float, rows: dict) -> dict:
    """How many runs ended how, and the rows the backfill left in the warehouse."""
    return {
        "runs": len(runs),
        "run_statuses": dict(Counter(r["status"] for r in runs)),
        "wall_s": round(wall, 1),
        "rows": rows,
        "rows_total": sum(rows.values()),
    }


def timing_breakdown(runs: list[dict], wall: float, t0_epoch: float) -> dict:
    """Our code (union of step intervals) vs Dagster (the rest of the wall), and where Dagster's part sits."""
    steps, spans = step_intervals(runs), run_intervals(runs)
    step_busy = union_seconds(steps)
    first_run = min((r["creationTime"] for r in runs), default=t0_epoch) - t0_epoch
    last_end = max((e for _, e in spans), default=t0_epoch) - t0_epoch
    return {
        "first_run_created_after_s": round(first_run, 1),
        "after_last_run_s": round(wall - last_end, 1),
        "step_busy_s": round(step_busy, 1),
        "step_sum_s": round(sum(e - s for s, e in steps), 1),
        "run_busy_s": round(union_seconds(spans), 1),
        "dagster_overhead_s": round(wall - step_busy, 1),
        "dagster_overhead_share": round((wall - step_busy) / wall, 3) if wall else None,
    }


def seconds_per_step(runs: list[dict]) -> dict[str, float]:
    """Step seconds summed over the runs, heaviest first."""
    per_step: dict[str, float] = defaultdict(float)
    for r in runs:
        for st in r["stepStats"]:
            if st["startTime"] and st["endTime"]:
                per_step[st["stepKey"]] += st["endTime"] - st["startTime"]
    return {k: round(v, 1) for k, v in sorted(per_step.items(), key=lambda kv: -kv[1])}


# ---------------------------------------------------------------------------------------------------------------
# the simulator and the warehouse


def table_rows(con, schema: str, table: str, days: list[str]) -> int:
    """Rows of the backfilled days in a partitioned table, or all rows of an unpartitioned one."""
    try:
        return con.execute(
            f"SELECT count(*) FROM {schema}.{table} WHERE operating_day BETWEEN '{days[0]}' AND '{days[-1]}'"
        ).fetchone()[0]
    except Exception:  # noqa: BLE001 - unpartitioned tables
        return con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]


def backfill_rows(work: Path, days: list[str]) -> dict[str, int] | dict[str, str]:
    """{schema.table: rows} in the warehouse dagster dev wrote under `work`, read the way an analyst would."""
    from isone_platform.lib.warehouse import WarehouseConfig, open_connection

    config = WarehouseConfig(
        catalog=f"sqlite:{work / 'data' / 'catalog.sqlite'}", data_path=f"{work / 'data' / 'lake' / 'tables'}/"
    )
    try:
        con = open_connection(config, read_only=True)
    except Exception as exc:  # noqa: BLE001
        return {"error": str(exc)[:200]}
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_catalog = 'isone' AND table_type = 'BASE TABLE'"
        ).fetchall()
        return {f"{schema}.{table}": table_rows(con, schema, table, days) for schema, table in tables}
    finally:
        con.close()
