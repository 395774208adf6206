"""Peak memory of one in-process raw + std run of N all-node RT 5-minute LMP days (default 14).

The figure the architecture and performance issues quote ("a 14-day in-process run ≤ 1.2 GiB"): one Dagster
run materializing `raw/isone__lmp_rt_5min` and `std/isone__lmp_rt_5min` for a range of days (one operating day
in memory at a time, every day in one warehouse transaction). The run happens in a child process, against a
simulator in another, so the peak RSS read after it ends (`RUSAGE_CHILDREN`) is the run's alone.

    uv run python benchmarks/rss_lmp_days.py [--days 14] [--first 2024-10-01]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import DEMO_CREDENTIALS, HISTORY_START, REPO, SimProcess, log

DEFAULT_DAYS = 14
DEFAULT_FIRST = dt.date(2024, 10, 1)
DATASET = "lmp_rt_5min"

# The child: what `dagster` would run for a backfill of the range in one run, in this very process.
WORKER = """
import datetime as dt, sys, time
import dagster as dg
from isone_platform.definitions import defs
from isone_platform.lib import resources as r

first, last, name = dt.date.fromisoformat(sys.argv[1]), dt.date.fromisoformat(sys.argv[2]), sys.argv[3]
build = r.build_resources
try:
    from isone_platform.lib.settings import Settings
    resources = build(Settings.from_env())
except (ImportError, TypeError):
    resources = build()
started = time.perf_counter()
result = dg.materialize(
    list(defs().assets),
    selection=[dg.AssetKey([layer, f"isone__{name}"]) for layer in ("raw", "std")],
    resources=resources,
    tags={"dagster/asset_partition_range_start": first.isoformat(),
          "dagster/asset_partition_range_end": last.isoformat()},
)
print(f"success={result.success} seconds={time.perf_counter() - started:.1f}")
"""


def run(days: int, first: dt.date) -> dict:
    """Start the simulator, run the child against a fresh lake and warehouse, return the figures."""
    last = first + dt.timedelta(days=days - 1)
    sim = SimProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="isone-rss-") as work:
            env = {k: v for k, v in os.environ.items() if not k.startswith("ISONE_")}
            env.update(
                ISONE_PROJECT_ROOT=work,
                ISONE_BASE_URL=sim.base_url,
                ISONE_USERNAME=DEMO_CREDENTIALS[0],
                ISONE_PASSWORD=DEMO_CREDENTIALS[1],
                ISONE_POLLING="off",
                ISONE_HISTORY_START=min(HISTORY_START, first.isoformat()),
            )
            log(f"RSS: raw + std {DATASET}, {first} .. {last} ({days} days), one in-process run")
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", WORKER, first.isoformat(), last.isoformat(), DATASET],
                env=env,
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB; the simulator is not reaped yet
    finally:
        sim.stop()
    if out.returncode != 0 or "success=True" not in out.stdout:
        raise SystemExit(f"the run failed:\n{out.stdout[-2000:]}\n{out.stderr[-4000:]}")
    return {
        "dataset": DATASET,
        "days": days,
        "first": first.isoformat(),
        "wall_s": round(wall, 1),
        "peak_rss_gib": round(peak_kib / 2**20, 3),
        "child": out.stdout.strip().splitlines()[-1],
    }


def main() -> None:
    assert __doc__ is not None
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=DEFAULT_DAYS)
    p.add_argument("--first", type=dt.date.fromisoformat, default=DEFAULT_FIRST)
    args = p.parse_args()
    print(json.dumps(run(args.days, args.first)))


if __name__ == "__main__":
    main()
