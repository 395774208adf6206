"""`make demo`: the whole platform on the bundled simulator, no credentials, no internet.

Starts the simulator (real clock), materializes the last N complete operating days and today with the main job
(one run for the range; a backfill would run 15 days per run), prints a summary, then serves the Dagster UI and the
analysts' dashboard on 127.0.0.1 against the same simulator until Ctrl-C or SIGTERM, which stop both servers and
everything they started (each runs in its own process group; if the demo process itself is killed, a watchdog
process stops those groups).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from pydantic import SecretStr

from isone_platform.lib.partitions import today_operating_day
from isone_platform.lib.settings import PACKAGE_ROOT, Settings, current_settings, project_root, use_settings

SIM_USER = SIM_PASSWORD = "demo"  # the simulator's published demo account, not a secret


def prepare_dagster_home(settings: Settings) -> Path:
    """A DAGSTER_HOME (`settings.dagster_home`, else under the project) with the local instance config (run
    queue, pools)."""
    home = settings.instance_home
    home.mkdir(parents=True, exist_ok=True)
    template = PACKAGE_ROOT / "deploy" / "local" / "dagster.yaml"
    if template.is_file() and not (home / "dagster.yaml").exists():
        shutil.copyfile(template, home / "dagster.yaml")
    else:
        _add_missing_instance_keys(home / "dagster.yaml", NEW_INSTANCE_KEYS)
    return home


# Instance settings added to deploy/local/dagster.yaml after .dagster_home/ directories were made from it: appended
# to an existing dagster.yaml that lacks the key (a value the user set is left alone).
NEW_INSTANCE_KEYS = {"nux": "# No first-visit community pop-up over the demo's UI.\nnux:\n  enabled: false\n"}


def _add_missing_instance_keys(path: Path, blocks: dict[str, str]) -> list[str]:
    """Append each block of `blocks` whose top-level key `path` does not have; the keys added."""
    import yaml

    if not path.is_file():
        return []
    text = path.read_text()
    present = yaml.safe_load(text) or {}
    missing = [key for key in blocks if key not in present]
    if missing:
        sep = "" if not text or text.endswith("\n") else "\n"
        path.write_text(text + sep + "".join("\n" + blocks[key] for key in missing))
    return missing


def start_simulator(port: int):
    from isone_platform.simulator import SimulatorServer

    try:
        server = SimulatorServer(port=port, clock="real", seed=0, user=SIM_USER, password=SIM_PASSWORD).start()
    except OSError:
        print(f"port {port} is busy; starting the simulator on a free port")
        server = SimulatorServer(port=0, clock="real", seed=0, user=SIM_USER, password=SIM_PASSWORD).start()
    return server


def demo_settings(settings: Settings, base_url: str, home: Path, days: int = 3) -> Settings:
    """`settings` pointed at the simulator and the demo's DAGSTER_HOME: this process's settings for the demo
    (`use_settings`), and through `child_env` those of dagster dev and the dashboard. The partitions start no
    later than the first of the `days` the demo materializes (an earlier `ISONE_HISTORY_START` is kept)."""
    first_day = today_operating_day() - timedelta(days=days)
    overrides = {
        "isone_base_url": base_url,
        "isone_username": SIM_USER,
        "isone_password": SecretStr(SIM_PASSWORD),
        "dagster_home": home,
        "isone_history_start": min(settings.history_start, first_day),
    }
    return settings.model_copy(update=overrides)


def materialize_recent_days(days: int) -> tuple[str, str]:
    import dagster as dg

    from isone_platform.definitions import defs

    settings = current_settings()
    definitions = defs()
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    instance.event_log_storage.set_concurrency_slots("isone_api", settings.isone_api_pool_limit)
    today = today_operating_day()
    first, last = (today - timedelta(days=days)).isoformat(), today.isoformat()
    print(f"materializing reference data, then operating days {first} .. {last} (one run) ...", flush=True)
    started = time.perf_counter()
    definitions.resolve_job_def("isone_reference").execute_in_process(instance=instance)
    prelim_day = (today - timedelta(days=PRELIM_DAYS_AGO)).isoformat()
    print(f"fetching {prelim_day}'s preliminary prices first, as a poll of that day would have ...", flush=True)
    definitions.resolve_job_def("isone_ingest").execute_in_process(
        instance=instance, partition_key=prelim_day, **prelim_run(definitions)
    )
    definitions.resolve_job_def("isone_ingest").execute_in_process(
        instance=instance,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )
    print(f"done in {time.perf_counter() - started:.1f} s", flush=True)
    return first, last


PRELIM_DAYS_AGO = 2
"""The demo fetches this day's prices as preliminary first, then finalizes it with the other days: final prices of
a day two days back are always published, so the revisions tables and their mart have something to show."""


def prelim_run(definitions) -> dict:  # noqa: ANN001 - dg.Definitions
    """`execute_in_process` arguments that fetch only the priced datasets (raw and std), as preliminary prices."""
    import dagster as dg

    from isone_platform.lib.datasets import DATASETS

    priced = [ds for ds in DATASETS.values() if ds.has_price_status]
    return {
        "asset_selection": [dg.AssetKey([layer, ds.asset_name]) for ds in priced for layer in ("raw", "std")],
        "run_config": {"ops": {f"raw__{ds.asset_name}": {"config": {"price_status": "prelim"}} for ds in priced}},
    }


def print_summary() -> None:
    from isone_platform import warehouse

    con = warehouse.connect()
    try:
        print("\nrows per table")
        tables = con.sql(
            "select table_name from information_schema.tables where table_schema = 'std' order by 1"
        ).fetchall()
        timed = {
            r[0]
            for r in con.sql(
                "select table_name from information_schema.columns where table_schema = 'std' "
                "and column_name = 'interval_begin_utc'"
            ).fetchall()
        }
        width = max((len(name) for (name,) in tables), default=0)
        for (name,) in tables:
            [row] = con.sql(
                f"select count(*), {'max(interval_begin_utc)' if name in timed else 'null'} from std.{name}"
            ).fetchall()
            latest = f"  latest interval {row[1]:%Y-%m-%d %H:%M} UTC" if row[1] else ""
            print(f"  std.{name:<{width}}{row[0]:>12,}{latest}")
        print_revisions(con)
        peak = con.sql(
            "select load_mw, ts_utc, timezone('America/New_York', ts_utc) from system_load "
            "order by load_mw desc nulls last limit 1"
        ).fetchone()
        if peak:
            print(f"\npeak system load {peak[0]:,.0f} MW at {peak[2]:%Y-%m-%d %H:%M} America/New_York")
    finally:
        con.close()


def print_revisions(con) -> None:  # noqa: ANN001 - a DuckDB connection
    """How many intervals final prices revised, per dataset and day, and the largest LMP revision."""
    rows = con.sql(
        "select dataset, operating_day, sum(intervals_compared), sum(intervals_revised) "
        "from std.isone__price_revision_coverage group by all order by all"
    ).fetchall()
    if not rows:
        return
    print("\nprelim -> final revisions kept")
    for dataset, day, compared, revised in rows:
        print(f"  {dataset} {day}: {revised:,} of {compared:,} intervals revised")
    top = con.sql(
        "select location_name, interval_begin_utc, prelim_lmp, final_lmp from std.isone__lmp_rt_5min_revisions "
        "order by abs(final_lmp - prelim_lmp) desc nulls last limit 1"
    ).fetchone()
    if top:
        print(f"  largest RT 5-min LMP revision: {top[0]} {top[1]:%Y-%m-%d %H:%M} UTC ${top[2]:.2f} -> ${top[3]:.2f}")


STOP_TIMEOUT_S = 30  # dagster dev stops in ~3 s after SIGTERM; past this its whole group is killed
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent() -> None:
    """In the child, before exec: have Linux send it SIGTERM when the demo process dies, even by SIGKILL, so a
    killed parent leaves no server holding the ports (no-op where prctl is missing)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


# A watchdog in its own process: when the demo process dies, even by SIGKILL, Linux sends it SIGTERM
# (PR_SET_PDEATHSIG) and it stops the services' whole process groups -- dagster dev's code server and run workers
# included, which a SIGTERM to dagster dev alone leaves running when dagster dev exits first.
GUARDIAN = """
import os, signal, sys, time
grace, groups = float(sys.argv[1]), [int(g) for g in sys.argv[2:]]
def alive():
    left = []
    for group in groups:
        try:
            os.killpg(group, 0)
            left.append(group)
        except OSError:
            pass
    return left
def stop(*_):
    for group in alive():
        os.killpg(group, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive() and time.monotonic() < deadline:
        time.sleep(0.2)
    for group in alive():
        os.killpg(group, signal.SIGKILL)
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
while True:
    signal.pause()
"""


class Services:
    """Long-running child processes (dagster dev, the dashboard), each in its own process group, so one SIGTERM
    to the group stops a server and everything it started (dagster dev's webserver, daemon and code servers)."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen] = []
        self.guardian: subprocess.Popen | None = None

    def start(self, cmd: list[str], env: dict[str, str]) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, env=env, cwd=project_root(), start_new_session=True, preexec_fn=_die_with_parent)
        self.procs.append(proc)
        return proc

    def guard(self) -> None:
        """Start the watchdog over every service started so far (see GUARDIAN)."""
        groups = [str(proc.pid) for proc in self.procs]
        self.guardian = subprocess.Popen(
            [sys.executable, "-c", GUARDIAN, str(STOP_TIMEOUT_S), *groups],
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    def wait(self) -> int:
        """Until one service exits (its exit code)."""
        while True:
            for proc in self.procs:
                if proc.poll() is not None:
                    return proc.returncode
            time.sleep(0.5)

    def stop(self) -> None:
        """SIGTERM every group, wait, then SIGKILL what is left of the groups (never a lone parent)."""
        if self.guardian is not None:  # this process is alive and does the stopping itself
            self.guardian.kill()
            self.guardian.wait()
        for proc in self.procs:
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(proc, signal.SIGKILL)  # leftovers of the group (e.g. grandchildren)
            proc.wait()


def _signal_group(proc: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def _stop_on_signals() -> None:
    """Ctrl-C, SIGTERM and SIGHUP end the demo with KeyboardInterrupt, so the services are stopped. SIGINT too,
    explicitly: a process started in the background by a non-interactive shell inherits SIGINT ignored, and
    Python then installs no Ctrl-C handler of its own."""

    def interrupt(*_: object) -> None:
        raise KeyboardInterrupt

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupt)


def dagster_dev_command(port: int) -> list[str]:
    """`dagster dev` on 127.0.0.1, with default signal handling (started from a script it ignores SIGINT/SIGTERM)."""
    bin_dir = Path(sys.executable).parent
    return [
        "env",
        "--default-signal=INT,TERM",
        str(bin_dir / "dagster"),
        "dev",
        "-w",
        str(PACKAGE_ROOT / "workspace.yaml"),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]


def serve(ui_port: int, dashboard_port: int) -> int:
    """The Dagster UI and the dashboard until Ctrl-C, SIGTERM or one of them exits; then both are stopped."""
    from isone_platform.dashboard import server as dashboard

    env = current_settings().child_env()  # the demo's settings (simulator, DAGSTER_HOME), this venv's bin on PATH
    services = Services()
    _stop_on_signals()
    try:
        services.start(dagster_dev_command(ui_port), env)
        services.start(dashboard.command(dashboard.DEFAULT_HOST, dashboard_port), env)
        services.guard()
        print(
            f"\nDagster UI: http://127.0.0.1:{ui_port}"
            f"\nDashboard:  {dashboard.url(dashboard.DEFAULT_HOST, dashboard_port)}"
            "\n(Ctrl-C stops both)",
            flush=True,
        )
        return services.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the shutdown short
        services.stop()


def run_demo(*, ui: bool, days: int, ui_port: int, sim_port: int, dashboard_port: int) -> int:
    settings = current_settings()
    os.chdir(settings.root)
    home = prepare_dagster_home(settings)
    server = start_simulator(sim_port)
    use_settings(demo_settings(settings, server.base_url, home, days))
    print(f"ISO-NE simulator: {server.base_url}  (user {SIM_USER}; real clock)", flush=True)
    try:
        materialize_recent_days(days)
        print_summary()
        return serve(ui_port, dashboard_port) if ui else 0
    finally:
        server.stop()
