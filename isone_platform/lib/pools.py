"""Pool-slot hygiene: a run that died (kill -9, OOM, a crashed `dagster dev`) never wedges the runs after it.

Dagster (1.13.27) keeps a step's pool slot until the run frees it. A run whose process died never does, so every
later writer waits for `warehouse` (or `isone_api`) forever. Three pieces close that gap:

- every run records where it executes (host, pid, process start) in the `RUN_WORKER_TAG` tag when its executor
  starts, before any step claims a slot (`LocalRunLauncher` also tags the host at launch, `LAUNCHED_ON_TAG`);
- a step that has to wait for a pool first frees the slots of holders whose process is gone (`sweep_pool`),
  fails those still marked in progress, and while it waits says why every `ISONE_POOL_BLOCKED_LOG_SECONDS`
  and honours SIGTERM/SIGINT (`PoolWait`);
- the run-monitoring daemon asks `LocalRunLauncher` whether a run's process is alive, fails it when it is not,
  and frees its slots (`run_monitoring` in deploy/local/dagster.yaml).

A process is judged dead only on the host it ran on: the tag names the host, and a run recorded elsewhere is left
to the run-monitoring daemon of that deployment.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from dagster import DagsterInstance, DagsterRun, get_dagster_logger
from dagster._core.errors import DagsterExecutionInterruptedError
from dagster._core.events import DagsterEventType
from dagster._core.execution.plan.instance_concurrency_context import InstanceConcurrencyContext
from dagster._core.launcher import CheckRunHealthResult, DefaultRunLauncher, LaunchRunContext, WorkerStatus
from dagster._utils.interrupts import pop_captured_interrupt

from isone_platform.lib.settings import current_settings

RUN_WORKER_TAG = "isone/run_worker"
# Set by LocalRunLauncher: the host a run was launched on, for the moments before its process records itself.
LAUNCHED_ON_TAG = "isone/launched_on"
# While blocked on a pool the run loop re-checks (interrupts, the pending claim) this often, instead of spinning.
POOL_WAIT_TICK_SECONDS = 1.0
BLOCKED_LOG_SECONDS_DEFAULT = 60
# A blocked step sweeps its pool for dead holders at most this often (each sweep reads the pool and its runs).
SWEEP_EVERY_SECONDS = 5.0


def blocked_log_seconds() -> int:
    """`ISONE_POOL_BLOCKED_LOG_SECONDS`: how often a step waiting for a pool says who holds it."""
    return current_settings().isone_pool_blocked_log_seconds


def process_start(pid: int) -> str | None:
    """When `pid` started (clock ticks since boot, from /proc), "" where /proc is missing, None if no such process
    or only its zombie (killed, not yet reaped by its parent).

    The start time tells a reused pid (after a crash, or a reboot) from the process that was recorded."""
    if Path("/proc/self/stat").exists():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            return None
        return None if fields[0] in ("Z", "X") else fields[19]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return ""


@dataclass(frozen=True)
class RunWorker:
    """The process a run executes in. The run id is part of the record because a re-executed run copies its
    parent's tags: a record naming another run says nothing about this one."""

    run_id: str
    host: str
    pid: int
    started: str

    @classmethod
    def current(cls, run_id: str) -> RunWorker:
        return cls(run_id, socket.gethostname(), os.getpid(), process_start(os.getpid()) or "")

    def to_tag(self) -> str:
        return f"{self.host}/{self.pid}/{self.started}/{self.run_id}"

    @classmethod
    def of(cls, run: DagsterRun) -> RunWorker | None:
        """The run's own record, or None (not recorded yet, malformed, or copied from a parent run)."""
        parts = run.tags.get(RUN_WORKER_TAG, "").split("/")
        if len(parts) != 4 or parts[3] != run.run_id or not parts[1].isdigit():
            return None
        return cls(parts[3], parts[0], int(parts[1]), parts[2])

    def is_gone(self) -> bool:
        """True only when this host is the run's host and its process (same pid, same start) no longer exists."""
        return self.host == socket.gethostname() and process_start(self.pid) != self.started


def run_process_gone(instance: DagsterInstance, run: DagsterRun) -> bool:
    """Whether the run's process is known to be dead (False when unknown: not recorded, or on another host).

    A run killed between its start and its record (while its resources initialize) is judged by the pid of its
    RUN_START event, when LocalRunLauncher launched it on this host: dead only if no such process exists."""
    worker = RunWorker.of(run)
    if worker is not None:
        return worker.is_gone()
    if run.tags.get(LAUNCHED_ON_TAG) != socket.gethostname():
        return False
    pid = run_start_pid(instance, run.run_id)
    return pid is not None and process_start(pid) is None


def run_start_pid(instance: DagsterInstance, run_id: str) -> int | None:
    """The pid that wrote the run's RUN_START event (its run worker), if it started."""
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records
    event = records[0].event_log_entry.dagster_event if records else None
    return event.pid if event is not None else None


def record_run_worker(instance: DagsterInstance, run: DagsterRun) -> None:
    """Tag the run with this process, so others can tell when it dies."""
    instance.add_run_tags(run.run_id, {RUN_WORKER_TAG: RunWorker.current(run.run_id).to_tag()})


def holders(instance: DagsterInstance, pool: str) -> list[str]:
    """Run ids holding or queued for a slot of `pool`, oldest claim first."""
    info = instance.event_log_storage.get_concurrency_info(pool)
    ids = [slot.run_id for slot in info.claimed_slots] + [step.run_id for step in info.pending_steps]
    return list(dict.fromkeys(ids))


def free_dead_run(instance: DagsterInstance, run_id: str) -> str | None:
    """Free the slots of `run_id` when its process is gone (failing the run first if it still looks in progress);
    returns what was done, or None when the run is alive or cannot be judged from here."""
    run = instance.get_run_by_id(run_id)
    if run is not None and not run_process_gone(instance, run):
        return None
    if run is not None and not run.is_finished:
        instance.report_run_failed(
            run,
            f"The run's process on {socket.gethostname()} is gone (killed or crashed): "
            "marked failed and its pool slots freed.",
        )
    instance.event_log_storage.free_concurrency_slots_for_run(run_id)
    state = "deleted run" if run is None else f"{run.status.value} run, process gone"
    return f"freed the pool slots of {run_id} ({state})"


def sweep_pool(instance: DagsterInstance, pool: str, own_run_id: str | None = None) -> list[str]:
    """Free every slot of `pool` held by a run whose process is gone; returns what was freed, for the log."""
    done = [free_dead_run(instance, run_id) for run_id in holders(instance, pool) if run_id != own_run_id]
    return [d for d in done if d]


def describe_holders(instance: DagsterInstance, pool: str, own_run_id: str) -> str:
    """Who holds `pool`, in words: run ids, statuses and processes."""
    described = []
    for run_id in holders(instance, pool):
        if run_id == own_run_id:
            continue
        run = instance.get_run_by_id(run_id)
        worker = RunWorker.of(run) if run else None
        where = f"pid {worker.pid} on {worker.host}" if worker else "process not recorded"
        described.append(f"{run_id} ({run.status.value if run else 'deleted'}, {where})")
    return ", ".join(described) or "nobody visible (the slots may just have been freed)"


class PoolWait(InstanceConcurrencyContext):
    """Dagster's per-run pool claims, with a wait that does not wedge.

    Dagster 1.13.27's `interval_to_next_pending_claim_check` returns `min([0, …])`, never positive, so a run
    blocked on a pool loops without sleeping (95 % CPU); and the in-process loop never looks at the interrupt it
    captured, so SIGTERM is ignored while blocked. Here the wait ticks every `POOL_WAIT_TICK_SECONDS`, a captured
    SIGTERM/SIGINT ends the run, dead holders are swept, and the wait is explained every `blocked_log_seconds()`.
    """

    def __init__(self, instance: DagsterInstance, dagster_run: DagsterRun):
        super().__init__(instance, dagster_run)
        self._run = dagster_run
        self._blocked_since: dict[str, float] = {}
        self._next_report: dict[str, float] = {}
        self._next_sweep: dict[str, float] = {}
        record_run_worker(instance, dagster_run)

    def claim(self, concurrency_key: str, step_key: str, step_priority: int = 0) -> bool:
        if pop_captured_interrupt():
            raise DagsterExecutionInterruptedError(f"interrupted while {step_key} waited for pool {concurrency_key}")
        claimed = super().claim(concurrency_key, step_key, step_priority)
        if claimed:
            self._blocked_since.pop(step_key, None)
        else:
            self._while_blocked(concurrency_key, step_key)
        return claimed

    def _while_blocked(self, pool: str, step_key: str) -> None:
        now = time.monotonic()
        self._blocked_since.setdefault(step_key, now)
        if now >= self._next_sweep.get(pool, 0.0):
            self._next_sweep[pool] = now + SWEEP_EVERY_SECONDS
            freed = sweep_pool(self._instance, pool, self._run_id)
            if freed:
                self._report(f"{step_key}: pool '{pool}': " + "; ".join(freed))
                self._pending_timeouts[step_key] = 0.0  # claim again at the next tick
        if now >= self._next_report.get(step_key, 0.0):
            self._next_report[step_key] = now + blocked_log_seconds()
            self._report_blocked(pool, step_key, now - self._blocked_since[step_key])

    def _report_blocked(self, pool: str, step_key: str, waited: float) -> None:
        limit = self._instance.event_log_storage.get_concurrency_info(pool).limit
        self._report(
            f"{step_key} is waiting for a slot of pool '{pool}' (limit {limit}) for {waited:.0f} s; held by "
            f"{describe_holders(self._instance, pool, self._run_id)}. Holders whose process is gone on this host are "
            "failed and freed here; elsewhere the run-monitoring daemon does it. "
            f"Next report in {blocked_log_seconds()} s."
        )

    def _report(self, message: str) -> None:
        get_dagster_logger().warning(message)
        self._instance.report_engine_event(message, self._run)

    def interval_to_next_pending_claim_check(self) -> float:
        if not self._pending_claims or not self._pending_timeouts:
            return 0.0
        wait = min(self._pending_timeouts.values()) - time.time()
        return min(max(wait, 0.0), POOL_WAIT_TICK_SECONDS)


def install_pool_wait() -> None:
    """Make Dagster's in-process executor (every run of ours: `dagster dev`, the CLI, `dg.materialize`, which
    swaps in its own in-process executor) claim pool slots through `PoolWait`. Idempotent."""
    from dagster._core.executor import in_process

    in_process.InstanceConcurrencyContext = PoolWait  # pyright: ignore[reportPrivateImportUsage]


class LocalRunLauncher(DefaultRunLauncher):
    """Dagster's default launcher (runs as subprocesses of the code server, on this host), plus the health check
    the run-monitoring daemon needs to fail a run whose process died: DefaultRunLauncher has none, so without
    this a killed run stays STARTED, holding its pool slots, until `max_runtime_seconds`."""

    @property
    def supports_check_run_worker_health(self) -> bool:
        return True

    def check_run_worker_health(self, run: DagsterRun) -> CheckRunHealthResult:
        """A run's process gone from this host means FAILED, and its slots are freed at once: our runs execute
        in-process, so no step process of theirs can still be using a slot (Dagster would wait for
        `free_slots_after_run_end_seconds`, one more monitoring interval, before freeing them)."""
        if not run_process_gone(self._instance, run):
            return CheckRunHealthResult(WorkerStatus.RUNNING)
        self._instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        return CheckRunHealthResult(
            WorkerStatus.FAILED, f"the run's process on {socket.gethostname()} is gone; its pool slots were freed"
        )

    def launch_run(self, context: LaunchRunContext) -> None:
        """Record the host first: the run's process records itself only once its resources are up."""
        self._instance.add_run_tags(context.dagster_run.run_id, {LAUNCHED_ON_TAG: socket.gethostname()})
        super().launch_run(context)
