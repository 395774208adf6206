"""Pool-slot hygiene (`isone_platform.lib.pools`): a dead run's slot is freed, a live or foreign run's is not, and a
run waiting for a pool sleeps, explains itself and stops on SIGTERM (Dagster 1.13.27 spins and ignores it)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType
from dagster._core.events.log import EventLogEntry
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.launcher import WorkerStatus
from dagster._core.storage.dagster_run import DagsterRunStatus
from dagster._core.utils import make_new_run_id

from isone_platform.lib.pools import (
    LAUNCHED_ON_TAG,
    POOL_WAIT_TICK_SECONDS,
    RUN_WORKER_TAG,
    PoolWait,
    RunWorker,
    process_start,
    sweep_pool,
)

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
POOL = "warehouse"
DAY = date(2024, 7, 15)
# A blocked run must sleep: over this window it may use at most this share of one core.
CPU_WINDOW_SECONDS = 5
MAX_CPU_SHARE = 0.2
SIGTERM_BUDGET_SECONDS = 15
BLOCKED_LOG_SECONDS = 2


@pytest.fixture
def home(tmp_path) -> Path:
    """A persistent DAGSTER_HOME holding the local instance config (pools, run monitoring, our launcher)."""
    path = tmp_path / "dagster_home"
    path.mkdir()
    shutil.copyfile(REPO / "deploy" / "local" / "dagster.yaml", path / "dagster.yaml")
    return path


@pytest.fixture
def instance(home):
    with dg.DagsterInstance.from_config(str(home)) as inst:
        yield inst


def dead_worker_tag(run_id: str, host: str | None = None) -> str:
    """The record of a process that ran on this host (or `host`) and has exited."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = process_start(proc.pid)
    proc.kill()
    proc.wait()
    return RunWorker(run_id, host or socket.gethostname(), proc.pid, started or "").to_tag()


def add_started_run(instance, tag_for=None) -> dg.DagsterRun:
    """A STARTED run; `tag_for(run_id)` gives its worker record."""
    run_id = make_new_run_id()
    tags = {RUN_WORKER_TAG: tag_for(run_id)} if tag_for else {}
    return instance.add_run(dg.DagsterRun(job_name="holder", run_id=run_id, status=DagsterRunStatus.STARTED, tags=tags))


def hold_slot(instance, tag_for=None) -> str:
    """A STARTED run holding the pool's one slot."""
    run_id = add_started_run(instance, tag_for).run_id
    instance.event_log_storage.initialize_concurrency_limit_to_default(POOL)
    assert instance.event_log_storage.claim_concurrency_slot(POOL, run_id, "holder_step").is_claimed
    return run_id


def materialize(layer: str, instance=None) -> dg.ExecuteInProcessResult:
    """raw or std system load for DAY, in process (`dg.materialize`, Dagster's own in-process executor)."""
    from isone_platform.definitions import defs
    from isone_platform.lib.resources import build_resources
    from isone_platform_tests.helpers import materializable_assets

    return dg.materialize(
        materializable_assets(defs()),
        selection=[dg.AssetKey([layer, "isone__system_load_5min"])],
        partition_key=DAY.isoformat(),
        resources=build_resources(),
        instance=instance,
    )


def claimed_by(instance) -> list[str]:
    return [s.run_id for s in instance.event_log_storage.get_concurrency_info(POOL).claimed_slots]


def test_a_dead_runs_slot_is_freed_and_the_run_failed(instance):
    dead = hold_slot(instance, dead_worker_tag)
    freed = sweep_pool(instance, POOL)
    assert len(freed) == 1 and dead in freed[0]
    assert claimed_by(instance) == []
    assert instance.get_run_by_id(dead).status == DagsterRunStatus.FAILURE


@pytest.mark.parametrize(
    "tag_for",
    [
        lambda run_id: RunWorker.current(run_id).to_tag(),  # alive: this very process
        lambda run_id: dead_worker_tag(run_id, host="another-host"),  # dead, but judged only on its host
        lambda run_id: dead_worker_tag(make_new_run_id()),  # a record copied from a parent run
        None,  # no record yet
    ],
    ids=["alive", "other-host", "copied-from-parent", "unrecorded"],
)
def test_runs_not_known_dead_keep_their_slot(instance, tag_for):
    holder = hold_slot(instance, tag_for)
    assert sweep_pool(instance, POOL) == []
    assert claimed_by(instance) == [holder]
    assert instance.get_run_by_id(holder).status == DagsterRunStatus.STARTED


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def started_unrecorded_run(instance, pid: int | None, host: str) -> dg.DagsterRun:
    """A run launched on `host` that died before recording its process: only its RUN_START event names a pid."""
    run_id = make_new_run_id()
    run = instance.add_run(
        dg.DagsterRun(job_name="holder", run_id=run_id, status=DagsterRunStatus.STARTED, tags={LAUNCHED_ON_TAG: host})
    )
    if pid is not None:
        event = DagsterEvent(DagsterEventType.RUN_START.value, "holder", pid=pid)
        instance.store_event(
            EventLogEntry(None, "debug", "", run_id, time.time(), job_name="holder", dagster_event=event)
        )
    return run


@pytest.mark.parametrize(
    ("pid", "host", "gone"),
    [
        ("dead", "here", True),
        ("alive", "here", False),
        ("dead", "another-host", False),
        (None, "here", False),  # launched, never started: start_timeout_seconds covers it
    ],
    ids=["dead", "alive", "other-host", "not-started"],
)
def test_a_run_killed_before_recording_itself_is_judged_by_its_run_start_pid(instance, pid, host, gone):
    pids = {"dead": dead_pid(), "alive": os.getpid(), None: None}
    run = started_unrecorded_run(instance, pids[pid], socket.gethostname() if host == "here" else host)
    status = instance.run_launcher.check_run_worker_health(run).status
    assert status == (WorkerStatus.FAILED if gone else WorkerStatus.RUNNING)


def test_the_launcher_reports_only_dead_local_runs_failed_and_frees_their_slots(instance):
    dead = instance.get_run_by_id(hold_slot(instance, dead_worker_tag))
    alive = add_started_run(instance, lambda r: RunWorker.current(r).to_tag())
    assert instance.run_launcher.check_run_worker_health(alive).status == WorkerStatus.RUNNING
    assert claimed_by(instance) == [dead.run_id]
    assert instance.run_launcher.check_run_worker_health(dead).status == WorkerStatus.FAILED
    assert claimed_by(instance) == []


def test_a_blocked_claim_waits_a_tick_where_dagster_would_spin(instance):
    hold_slot(instance, lambda r: RunWorker.current(r).to_tag())
    waiter = instance.add_run(dg.DagsterRun(job_name="waiter", run_id=make_new_run_id()))
    with PoolWait(instance, waiter) as ours, InstanceConcurrencyContext(instance, waiter) as dagsters:
        assert not ours.claim(POOL, "ours") and not dagsters.claim(POOL, "dagsters")
        assert 0 < ours.interval_to_next_pending_claim_check() <= POOL_WAIT_TICK_SECONDS
        assert dagsters.interval_to_next_pending_claim_check() <= 0  # why PoolWait exists: no sleep at all


def test_materialize_frees_a_dead_runs_warehouse_slot(platform_env, instance):
    assert materialize("raw").success
    dead = hold_slot(instance, dead_worker_tag)
    assert materialize("std", instance).success
    assert instance.get_run_by_id(dead).status == DagsterRunStatus.FAILURE
    assert claimed_by(instance) == []


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reports(instance, run_id: str) -> list[str]:
    return [e.message for e in instance.all_logs(run_id) if "is waiting for a slot of pool" in (e.message or "")]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_a_blocked_cli_run_sleeps_explains_and_stops_on_sigterm(platform_env, home, instance):
    """Case 18's hang: a live run holds `warehouse`; the CLI run waiting for it must not burn a core, must say
    every ISONE_POOL_BLOCKED_LOG_SECONDS who holds the pool, and must end on SIGTERM."""
    assert materialize("raw").success
    holder = hold_slot(instance, lambda r: RunWorker.current(r).to_tag())
    env = {
        **os.environ,
        **platform_env,
        "DAGSTER_HOME": str(home),
        "ISONE_POOL_BLOCKED_LOG_SECONDS": str(BLOCKED_LOG_SECONDS),
    }
    proc = subprocess.Popen(
        [
            str(BIN / "dagster"),
            "asset",
            "materialize",
            "-m",
            "isone_platform.definitions",
            "--select",
            "std/isone__system_load_5min",
            "--partition",
            DAY.isoformat(),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        run_id = wait_for(
            lambda: next((r.run_id for r in instance.get_runs() if r.run_id != holder), None), 120, "the run"
        )
        wait_for(lambda: len(reports(instance, run_id)) >= 2, 120, "two 'waiting for a slot' reports")
        assert holder in reports(instance, run_id)[-1]
        before = cpu_seconds(proc.pid)
        time.sleep(CPU_WINDOW_SECONDS)
        assert cpu_seconds(proc.pid) - before < MAX_CPU_SHARE * CPU_WINDOW_SECONDS
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=SIGTERM_BUDGET_SECONDS)
        assert time.monotonic() - started < SIGTERM_BUDGET_SECONDS
        assert instance.get_run_by_id(run_id).is_finished
        assert claimed_by(instance) == [holder]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_killed_process_counts_as_gone_before_its_parent_reaps_it():
    """A zombie keeps its /proc entry until its parent waits for it: it must not pass for alive."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = process_start(proc.pid)
    assert started is not None
    worker = RunWorker("run", socket.gethostname(), proc.pid, started)
    try:
        assert not worker.is_gone()
        proc.kill()
        wait_for(worker.is_gone, 10, "the killed process to count as gone")
    finally:
        proc.kill()
        proc.wait()
