"""`make demo`: the whole platform on the bundled simulator, no credentials, no internet.

Starts the simulator (real clock), materializes the last N complete operating days and today with the main job
(one run for the range, the way a single-run backfill writes), prints a summary, then serves the Dagster UI on
127.0.0.1 against the same simulator until Ctrl-C.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from isone_platform.lib.partitions import today_operating_day
from isone_platform.lib.settings import PACKAGE_ROOT, project_root

SIM_USER = SIM_PASSWORD = "demo"  # the simulator's published demo account, not a secret


def prepare_dagster_home(root: Path) -> Path:
    """A DAGSTER_HOME under the project with the local instance config (run queue, pools)."""
    home = Path(os.environ.get("DAGSTER_HOME") or root / ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    template = PACKAGE_ROOT / "deploy" / "local" / "dagster.yaml"
    if template.is_file() and not (home / "dagster.yaml").exists():
        shutil.copyfile(template, home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


def start_simulator(port: int):
    from isone_platform.simulator import SimulatorServer

    try:
        server = SimulatorServer(port=port, clock="real", seed=0, user=SIM_USER, password=SIM_PASSWORD).start()
    except OSError:
        print(f"port {port} is busy; starting the simulator on a free port")
        server = SimulatorServer(port=0, clock="real", seed=0, user=SIM_USER, password=SIM_PASSWORD).start()
    os.environ.update(ISONE_BASE_URL=server.base_url, ISONE_USERNAME=SIM_USER, ISONE_PASSWORD=SIM_PASSWORD)
    return server


def materialize_recent_days(days: int) -> tuple[str, str]:
    import dagster as dg

    from isone_platform.definitions import defs

    definitions = defs()
    instance = dg.DagsterInstance.get()
    instance.event_log_storage.set_concurrency_slots("isone_api", int(os.environ.get("ISONE_API_POOL_LIMIT", "2")))
    today = today_operating_day()
    first, last = (today - timedelta(days=days)).isoformat(), today.isoformat()
    print(f"materializing reference data, then operating days {first} .. {last} (one run) ...", flush=True)
    started = time.perf_counter()
    definitions.resolve_job_def("isone_reference").execute_in_process(instance=instance)
    definitions.resolve_job_def("isone_ingest").execute_in_process(
        instance=instance,
        tags={"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last},
    )
    print(f"done in {time.perf_counter() - started:.1f} s", flush=True)
    return first, last


def print_summary() -> None:
    from isone_platform import warehouse

    con = warehouse.connect()
    try:
        print("\nrows per table")
        tables = con.sql(
            "select table_name from information_schema.tables where table_schema = 'std' order by 1"
        ).fetchall()
        for (name,) in tables:
            has_time = name != "isone__locations"
            row = con.sql(
                f"select count(*), {'max(interval_begin_utc)' if has_time else 'null'} from std.{name}"
            ).fetchone()
            latest = f"  latest interval {row[1]:%Y-%m-%d %H:%M} UTC" if row[1] else ""
            print(f"  std.{name:<26}{row[0]:>10,}{latest}")
        peak = con.sql(
            "select load_mw, ts_utc, timezone('America/New_York', ts_utc) from system_load "
            "order by load_mw desc nulls last limit 1"
        ).fetchone()
        if peak:
            print(f"\npeak system load {peak[0]:,.0f} MW at {peak[2]:%Y-%m-%d %H:%M} America/New_York")
    finally:
        con.close()


def serve_ui(port: int) -> int:
    """`dagster dev` on 127.0.0.1 until Ctrl-C. Started with default signal handling so SIGTERM stops it cleanly."""
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = ["env", "--default-signal=INT,TERM", str(bin_dir / "dagster"), "dev", "-w", str(PACKAGE_ROOT / "workspace.yaml"),
           "-h", "127.0.0.1", "-p", str(port)]
    print(f"\nDagster UI: http://127.0.0.1:{port}  (Ctrl-C to stop)", flush=True)
    proc = subprocess.Popen(cmd, env=env, cwd=project_root())
    stop = lambda *_: proc.send_signal(signal.SIGTERM)  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout=30)


def run_demo(*, ui: bool, days: int, ui_port: int, sim_port: int) -> int:
    root = project_root()
    os.chdir(root)
    prepare_dagster_home(root)
    server = start_simulator(sim_port)
    print(f"ISO-NE simulator: {server.base_url}  (user {SIM_USER}; real clock)", flush=True)
    try:
        materialize_recent_days(days)
        print_summary()
        return serve_ui(ui_port) if ui else 0
    finally:
        server.stop()
