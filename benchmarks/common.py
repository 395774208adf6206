"""What every benchmark shares: where things are, the simulator in its own process, timing and process statistics,
and gridstatus in its own venv (the baseline B1 compares against).

Nothing here reads the environment or starts anything at import time: `bench.py --help` and the layout test import
every benchmark module and must stay instant and offline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Collection
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"
RESULTS = BENCH / "results"
GS_VENV = BENCH / ".venv-gridstatus"
GS_PYTHON = GS_VENV / "bin" / "python"
BIN = Path(sys.executable).parent  # the platform's venv: isone-sim and dagster come from there
DAY = dt.date(2024, 7, 15)  # an ordinary summer weekday
SIM_NOW = "2024-11-21T12:00:00-05:00"  # the simulator's "now": every benchmarked day is over (final prices)
DEMO_CREDENTIALS = ("demo", "demo")  # what the simulator accepts
# The benchmarked days are in 2024 (before SIM_NOW): the operating-day partitions must start before them. Set in this
# process (before the platform's definitions load) and passed to every dagster dev the benchmarks start.
HISTORY_START = "2024-01-01"
os.environ.setdefault("ISONE_HISTORY_START", HISTORY_START)


def log(msg: str) -> None:
    """Progress on stdout, flushed: a full bench takes minutes and is often watched through a pipe."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def shown_path(path: Path) -> str:
    """A path as results may record it: relative to the repository, else only its name (no machine paths)."""
    path = path.resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else path.name


def loadavg() -> list[float]:
    """The machine's load average, recorded beside the figures: absolute times only mean something with it."""
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    """A loopback port free right now, so parallel benches and test runs never collide."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(xs):
    """The median, or None for no samples (a skipped baseline), so summaries need no special case."""
    return statistics.median(xs) if xs else None


def required(value: float | None) -> float:
    """A median or quantile of samples that must exist (a path every repetition measures)."""
    if value is None:
        raise ValueError("no samples")
    return value


def scalar(con, sql: str):
    """The single value of a one-row query (count(*), max(...))."""
    row = con.execute(sql).fetchone()
    if row is None:
        raise ValueError(f"no row from: {sql}")
    return row[0]


def pctl(xs, q):
    """The q-quantile by linear interpolation between the two nearest samples (q=0.95 for a p95)."""
    xs = sorted(xs)
    if not xs:
        return None
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def timed(fn, *args, **kwargs):
    """(fn's result, wall seconds it took): every sample of the benches is taken this way."""
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - t0


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc), to report the simulator's share."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sim_command(port: int, *, recorded: Path | None, clock: str, seed: int, cache_mb: int | None) -> list[str]:
    """The `isone-sim` command line for the options SimProcess accepts."""
    cmd = [str(BIN / "isone-sim"), "--port", str(port), "--clock", clock, "--seed", str(seed)]
    if cache_mb is not None:
        cmd += ["--cache-mb", str(cache_mb)]
    if recorded:
        cmd += ["--recorded", str(recorded)]
    return cmd


class SimProcess:
    """`isone-sim` in its own process (its CPU is not ours), optionally serving recorded bodies byte-exact."""

    def __init__(
        self,
        *,
        recorded: Path | None = None,
        clock: str = f"fixed:{SIM_NOW}",
        seed: int = 1,
        cache_mb: int | None = None,
    ):
        self.port = free_port()
        cmd = sim_command(self.port, recorded=recorded, clock=clock, seed=seed, cache_mb=cache_mb)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert self.proc.stdout is not None  # stdout=PIPE
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


def prewarm_simulator(sim: SimProcess, days: list[dt.date], feeds: Collection[str] | None = None) -> float:
    """Request every path a run over `days` will fetch once (of `feeds`, default every partitioned dataset), before
    the timed window, so the simulator answers from its response cache: it stands in for ISO-NE's servers, whose
    CPU is not on our machine. Returns the seconds it took."""
    from concurrent.futures import ThreadPoolExecutor

    from isone_platform.lib.datasets import DATASETS
    from isone_platform.lib.isone_client import IsoneClient

    wanted = [ds for ds in DATASETS.values() if ds.partitioned and (feeds is None or ds.name in feeds)]
    paths = [r.path for ds in wanted for d in days for r in ds.plan(d, "final")]
    t0 = time.perf_counter()
    with IsoneClient(sim.base_url, *DEMO_CREDENTIALS, max_connections=2) as client, ThreadPoolExecutor(2) as pool:
        list(pool.map(client.get, paths))
    return time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------------------------
# gridstatus, in its own venv (not in uv.lock: it would pin pandas & co. for the whole platform)

# gridstatus ISONEAPI method per feed (None: not offered by ISONEAPI)
GS_METHODS = {
    "lmp_rt_5min": "get_lmp_real_time_5_min_final",
    "lmp_rt_hourly": "get_lmp_real_time_hourly_final",
    "lmp_da_hourly": None,
    "system_load_5min": "get_total_demand",
    "zonal_load_5min": "get_zonal_load_estimated_5_min",
    "fuel_mix": "get_fuel_mix",
}
GS_NOTE = (
    "gridstatus ISONEAPI, base_url set to the simulator (recorded mode: the same bytes); lmp_da_hourly: "
    "ISONEAPI has no day-ahead LMP method (it reads the CSV), so no comparison"
)

# Runs in the gridstatus venv: fetch + parse each feed's day, then parse only (the same responses replayed).
GS_SCRIPT = textwrap.dedent("""
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
""")


def install_gridstatus() -> str | None:
    """Create benchmarks/.venv-gridstatus and pip-install gridstatus into it; the error, if that failed."""
    log("B1: installing gridstatus into benchmarks/.venv-gridstatus (its own venv, not in uv.lock)")
    try:
        subprocess.run(["python3", "-m", "venv", str(GS_VENV)], check=True)
        subprocess.run(
            [str(GS_VENV / "bin" / "pip"), "install", "--quiet", "gridstatus"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=600,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        return str(exc)
    return None


def ensure_gridstatus(versions: dict) -> tuple[bool, str]:
    """Make gridstatus usable (installing it once) and record its version in `versions`.

    Returns (usable, the note B1 records about the comparison or why there is none)."""
    if not GS_PYTHON.exists():
        error = install_gridstatus()
        if error is not None:
            return False, f"gridstatus could not be installed: {error}"
    version = subprocess.run(
        [str(GS_PYTHON), "-c", "import gridstatus; print(gridstatus.__version__)"], capture_output=True, text=True
    )
    versions["gridstatus"] = version.stdout.strip() or version.stderr.strip()[-200:]
    return version.returncode == 0, GS_NOTE


def run_gridstatus(base_url: str, repeat: int):
    """{feed: [[fetch+parse s, parse s, rows], ...]} from gridstatus against `base_url`, or None if it failed."""
    jobs = {k: v for k, v in GS_METHODS.items() if v}
    env = {**os.environ, "ISONE_API_USERNAME": DEMO_CREDENTIALS[0], "ISONE_API_PASSWORD": DEMO_CREDENTIALS[1]}
    proc = subprocess.run(
        [str(GS_PYTHON), "-c", GS_SCRIPT, base_url, DAY.isoformat(), json.dumps(jobs), str(repeat)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    if proc.returncode != 0:
        log(f"B1: gridstatus failed: {proc.stderr[-800:]}")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])
