"""Fault matrix, process faults (cases 18-21): a run killed with -9, `dagster dev` killed mid-backfill, two processes
on the same partition, overlapping runs. Real processes (`dagster asset materialize`, `dagster dev`) on a
persistent DAGSTER_HOME holding deploy/local/dagster.yaml, the way the audit ran them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRunStatus

from isone_platform.lib.pools import LAUNCHED_ON_TAG, RunWorker
from isone_platform.lib.settings import Settings
from isone_platform.simulator import SimulatorServer
from isone_platform_tests.e2e.conftest import (
    START_CLOCK,
    dagster_home,
    platform_process_env,
    start_dagster_dev,
    stop_dagster_dev,
)

from .conftest import fingerprint

BIN = Path(sys.executable).parent
DAY = date(2024, 7, 15)
INTERVALS = 288  # five-minute intervals of a normal (non-DST) operating day
# The audit's promise: a rerun after a crash finishes within this, the dead run's slot freed on the way.
RERUN_BUDGET_SECONDS = 120
# `dagster dev` twice, the backfill daemon's 30 s loop, run monitoring, one retry: well under 5 minutes.
BACKFILL_BUDGET_SECONDS = 240
SLOW_FETCH_SECONDS = 60


def materialize_cmd(select: str, day: date) -> list[str]:
    return [
        str(BIN / "dagster"),
        "asset",
        "materialize",
        "-m",
        "isone_platform.definitions",
        "--select",
        select,
        "--partition",
        day.isoformat(),
    ]


def cli_env(platform_env: dict, home: Path) -> dict:
    return {**os.environ, **platform_env, "DAGSTER_HOME": str(home)}


def initialized_home(root: Path) -> Path:
    """A DAGSTER_HOME whose storage exists before any concurrent process opens it: two processes creating a fresh
    SQLite storage at once can fail (`table secondary_indexes already exists`, case 20)."""
    home = dagster_home(root)
    dg.DagsterInstance.from_config(str(home)).dispose()
    return home


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float, log: Path) -> None:
    """Wait for a CLI process and assert it succeeded; kill its group if it outlives `timeout`."""
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc)
        raise AssertionError(f"still running after {timeout} s:\n{log.read_text()[-3000:]}") from None
    assert rc == 0, log.read_text()[-3000:]


def kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for(predicate, timeout: float, what: str, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def warehouse_holders(instance) -> list[str]:
    return [s.run_id for s in instance.event_log_storage.get_concurrency_info("warehouse").claimed_slots]


def parquet_files(platform_env: dict) -> set[Path]:
    return set(Path(platform_env["ISONE_LAKE_URL"]).rglob("*.parquet"))


def no_duplicates_and_raw_matches_std(dataset: str, day: date, lake_url: str) -> None:
    """A complete day, each key once, and every std row from a body the raw manifest names."""
    from isone_platform.lib.schemas import STD_TABLES
    from isone_platform_tests.helpers import query

    stored = fingerprint(dataset, day, lake_url)
    assert stored.rows == stored.distinct_keys == INTERVALS, stored
    table = STD_TABLES[f"isone__{dataset}"].qualified_name
    bodies = {b for (b,) in query(f"select distinct body_sha256 from {table} where operating_day = DATE '{day}'")}
    assert bodies <= set(stored.raw_bodies), (bodies, stored.raw_bodies)


@pytest.mark.timeout(600)
def test_case_18_kill_9_mid_std_write_then_the_rerun_finishes(platform, platform_env, tmp_path):
    """kill -9 while the std step holds `warehouse`: readers keep the previous rows; the rerun frees the dead
    run's slot and finishes within RERUN_BUDGET_SECONDS with identical data."""
    platform.materialize("lmp_rt_5min", day=DAY, raise_on_error=True)
    before = platform.fingerprint("lmp_rt_5min", DAY)
    home = initialized_home(tmp_path)
    env = cli_env(platform_env, home)
    files = parquet_files(platform_env)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        victim = start(materialize_cmd("std/isone__lmp_rt_5min", DAY), env, tmp_path / "killed.log")
        try:
            wait_for(
                lambda: warehouse_holders(instance) and parquet_files(platform_env) - files,
                180,
                "the std step to hold `warehouse` and write its Parquet file",
            )
        finally:
            kill_group(victim)
        killed_at = time.time()
        [dead_run] = warehouse_holders(instance)  # the slot outlives its process
        assert platform.fingerprint("lmp_rt_5min", DAY) == before
        finish(
            start(materialize_cmd("std/isone__lmp_rt_5min", DAY), env, tmp_path / "rerun.log"),
            RERUN_BUDGET_SECONDS,
            tmp_path / "rerun.log",
        )
        freed_at = freeing_reported_at(instance, dead_run)
        print(
            f"case 18: slot freed {freed_at - killed_at:.1f} s after kill -9, "
            f"rerun done {time.time() - killed_at:.1f} s after it"
        )
        dead = instance.get_run_by_id(dead_run)
        assert dead is not None and dead.status == DagsterRunStatus.FAILURE
        assert warehouse_holders(instance) == []
    assert platform.fingerprint("lmp_rt_5min", DAY) == before


def freeing_reported_at(instance, dead_run: str) -> float:
    """When a later run reported freeing `dead_run`'s slots (the rerun itself, no daemon involved)."""
    for run in instance.get_runs():
        for entry in instance.all_logs(run.run_id):
            if f"freed the pool slots of {dead_run}" in (entry.message or ""):
                return entry.timestamp
    raise AssertionError(f"no run reported freeing the slots of {dead_run}")


LAUNCH_BACKFILL = """
mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message } } }"""
BACKFILL = """
query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  ... on PartitionBackfill { status runs(limit: 100) { id status } } } }"""
BACKFILL_DAYS = [date(2024, 7, 9), date(2024, 7, 10)]
SYSTEM_LOAD = [{"path": ["raw", "isone__system_load_5min"]}, {"path": ["std", "isone__system_load_5min"]}]


def use_platform_env(monkeypatch, env: dict) -> None:
    """Point this process's warehouse readers at the platform `env` describes."""
    for name in [n for n in os.environ if n.startswith("ISONE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("ISONE_"):
            monkeypatch.setenv(name, value)


def started_run_holding_api(dev) -> RunWorker | None:
    """The worker of a STARTED run that holds the `isone_api` slot (its raw step is fetching)."""
    with dg.DagsterInstance.from_config(str(dev.home)) as instance:
        for slot in instance.event_log_storage.get_concurrency_info("isone_api").claimed_slots:
            run = instance.get_run_by_id(slot.run_id)
            if run and run.status == DagsterRunStatus.STARTED and RunWorker.of(run):
                return RunWorker.of(run)
    return None


def crash(dev, worker: RunWorker) -> None:
    """kill -9 of `dagster dev`'s whole process group, and of the run worker should it have left the group."""
    os.killpg(dev.proc.pid, signal.SIGKILL)
    dev.proc.wait()
    try:
        os.kill(worker.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait_for(worker.is_gone, 10, "the run worker to die")


def launch_backfill(dev, days: list[date]) -> str:
    """A backfill of system load (raw + std) for `days`, launched the way the UI does."""
    params = {"assetSelection": SYSTEM_LOAD, "partitionNames": [d.isoformat() for d in days]}
    launched = dev.graphql(LAUNCH_BACKFILL, {"p": params})["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def finished_backfill(dev, backfill_id: str) -> dict | None:
    backfill = dev.graphql(BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
    return backfill if backfill["status"] not in ("REQUESTED", "CANCELING") else None


def dead_run_failed_at(dev, worker: RunWorker) -> float:
    """When run monitoring failed the run the crash killed (it must have: FAILURE, launched on this host)."""
    with dg.DagsterInstance.from_config(str(dev.home)) as instance:
        dead = instance.get_run_record_by_id(worker.run_id)
    assert dead is not None and dead.dagster_run.status == DagsterRunStatus.FAILURE
    assert dead.dagster_run.tags[LAUNCHED_ON_TAG] == worker.host
    assert dead.end_time is not None
    return dead.end_time


@pytest.mark.e2e
@pytest.mark.timeout(600)
def test_case_19_dagster_dev_crash_mid_backfill_then_restart_completes_it(tmp_path, monkeypatch):
    """`dagster dev` killed (-9, whole group) while a backfill run fetches: after a restart, run monitoring fails
    the dead run, its `isone_api` slot is freed and the run is retried, so the backfill completes by itself."""
    sim = SimulatorServer(port=0, clock=START_CLOCK, seed=5).start()
    sim.add_fault(f"/fiveminutesystemload/day/*=slow:delay={SLOW_FETCH_SECONDS}")
    env = platform_process_env(tmp_path, initialized_home(tmp_path), sim)
    env.update(ISONE_BACKFILL_DAYS_PER_RUN="1", ISONE_POLLING="off")
    dev = None
    try:
        dev = start_dagster_dev(tmp_path, env, "before_crash.log")
        backfill_id = launch_backfill(dev, BACKFILL_DAYS)
        worker = dev.wait_for(lambda: started_run_holding_api(dev), 180, "a backfill run fetching", every=0.5)
        crash(dev, worker)
        sim.clear_faults()
        restarted_at = time.time()
        dev = start_dagster_dev(tmp_path, env, "after_restart.log")
        backfill = dev.wait_for(
            lambda: finished_backfill(dev, backfill_id), BACKFILL_BUDGET_SECONDS, "the backfill to finish", every=3
        )
        assert backfill["status"] in ("COMPLETED", "COMPLETED_SUCCESS"), backfill
        failed_after = dead_run_failed_at(dev, worker) - restarted_at
        print(
            f"case 19: dead run failed {failed_after:.0f} s, "
            f"backfill done {time.time() - restarted_at:.0f} s after the restart"
        )
        assert failed_after < RERUN_BUDGET_SECONDS
    finally:
        if dev is not None:
            stop_dagster_dev(dev.proc)
        sim.stop()
    use_platform_env(monkeypatch, env)
    for day in BACKFILL_DAYS:
        no_duplicates_and_raw_matches_std("system_load_5min", day, Settings.from_env().lake_url)


def test_case_20_same_partition_in_two_processes_at_once(platform_env, tmp_path):
    """Two `dagster asset materialize` of the same day started together on one fresh DAGSTER_HOME: both succeed
    (the pools serialize them) and the day is stored once, consistent with its raw bodies."""
    env = cli_env(platform_env, initialized_home(tmp_path))
    cmd = materialize_cmd("raw/isone__system_load_5min,std/isone__system_load_5min", DAY)
    procs = [(start(cmd, env, tmp_path / f"p{i}.log"), tmp_path / f"p{i}.log") for i in range(2)]
    try:
        for proc, log in procs:
            finish(proc, RERUN_BUDGET_SECONDS * 2, log)
    finally:
        for proc, _ in procs:
            kill_group(proc)
    no_duplicates_and_raw_matches_std("system_load_5min", DAY, platform_env["ISONE_LAKE_URL"])


OVERLAPPING_RANGES = [(date(2024, 7, 1), date(2024, 7, 3)), (date(2024, 7, 2), date(2024, 7, 4))]
RANGE_RUN = textwrap.dedent(
    """
    import sys, dagster as dg
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG as END
    from dagster._core.storage.tags import ASSET_PARTITION_RANGE_START_TAG as START
    from isone_platform.definitions import defs
    from isone_platform.lib.resources import build_resources
    keys = [dg.AssetKey([layer, "isone__system_load_5min"]) for layer in ("raw", "std")]
    with dg.DagsterInstance.get() as instance:
        result = dg.materialize(list(defs().assets), selection=keys, resources=build_resources(), instance=instance,
                                tags={START: sys.argv[1], END: sys.argv[2]})
    sys.exit(0 if result.success else 1)
    """
)


def test_case_21_overlapping_ranges_in_two_processes(platform_env, tmp_path):
    """Two multi-day runs whose ranges overlap, at once (what two overlapping backfills do): every day complete,
    each interval once."""
    env = cli_env(platform_env, initialized_home(tmp_path))
    procs = []
    for i, (first, last) in enumerate(OVERLAPPING_RANGES):
        cmd = [sys.executable, "-c", RANGE_RUN, first.isoformat(), last.isoformat()]
        procs.append((start(cmd, env, tmp_path / f"r{i}.log"), tmp_path / f"r{i}.log"))
    try:
        for proc, log in procs:
            finish(proc, RERUN_BUDGET_SECONDS * 2, log)
    finally:
        for proc, _ in procs:
            kill_group(proc)
    first, last = OVERLAPPING_RANGES[0][0], OVERLAPPING_RANGES[-1][1]
    for offset in range((last - first).days + 1):
        no_duplicates_and_raw_matches_std(
            "system_load_5min", first + timedelta(days=offset), platform_env["ISONE_LAKE_URL"]
        )
