"""Peak memory and speed of `isone-platform export` of N all-node RT 5-minute LMP days (default 30: ~10 M rows).

The figure the export issue asks for ("a 30-day all-node 5-minute LMP export to CSV with peak RSS ≤ 1 GiB"): a
fresh DuckLake warehouse is filled with synthetic all-node days (the dashboard tests' rows, `NODES` locations),
then each format is exported by the real command in its own child process, which reports its own peak RSS
(`RUSAGE_SELF`), so the figure is the export's alone. A measurement, never asserted by a test.

    uv run python benchmarks/rss_export.py [--days 30] [--formats csv,parquet] [--work DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO, log

DEFAULT_DAYS = 30
FIRST = dt.date(2024, 10, 1)
NODES = 1_200  # the hub, the 8 load zones and network nodes: about ISO-NE's priced locations
DATASET = "lmp_rt_5min"

# The child: the command as a user runs it, in this process, then its own peak RSS.
WORKER = """
import json, resource, sys, time
from isone_platform.cli import main
started = time.perf_counter()
rc = main(sys.argv[1:])
print(json.dumps({"rc": rc, "seconds": time.perf_counter() - started,
                  "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def environment(work: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("ISONE_")}
    return {
        **env,
        "ISONE_PROJECT_ROOT": str(work),
        "ISONE_CATALOG_URL": str(work / "catalog.sqlite"),
        "ISONE_LAKE_URL": str(work / "lake"),
    }


def fill(work: Path, days: list[dt.date]) -> int:
    """Write the synthetic all-node days one transaction each (skipped when `work` already holds a catalog)."""
    from isone_platform.lib.schemas import LMP_RT_5MIN
    from isone_platform.lib.settings import scoped_environ
    from isone_platform.lib.warehouse import WarehouseConfig
    from isone_platform_tests.dashboard import synthetic

    with scoped_environ(environment(work)):
        config = WarehouseConfig.from_env()
        if (work / "catalog.sqlite").exists():
            log(f"reusing the warehouse in {work}")
            return len(days) * NODES * len(synthetic.intervals(days[0], synthetic.FIVE))
        nodes, rows = synthetic.nodes(NODES - 1 - len(synthetic.ZONE_SHARES)), 0
        for day in days:
            frame = synthetic.lmp(day, synthetic.FIVE, nodes, da=False)
            synthetic.write(config, LMP_RT_5MIN, [frame], [day])
            rows += frame.height
        return rows


def export(work: Path, days: list[dt.date], fmt: str) -> dict:
    out = work / f"export.{fmt}"
    argv = ["export", DATASET, "--start", str(days[0]), "--end", str(days[-1]), "--format", fmt]
    argv += ["--out", str(out), "--overwrite"]
    child = subprocess.run(
        [sys.executable, "-c", WORKER, *argv], env=environment(work), cwd=REPO, capture_output=True, text=True
    )
    if child.returncode != 0 or not child.stdout.strip():
        raise SystemExit(f"the export failed:\n{child.stdout[-2000:]}\n{child.stderr[-4000:]}")
    figures = json.loads(child.stdout.strip().splitlines()[-1])
    size = out.stat().st_size
    out.unlink()
    return {**figures, "bytes": size}


def run(days: int, formats: list[str], work: Path | None) -> dict:
    day_list = [FIRST + dt.timedelta(days=i) for i in range(days)]
    with tempfile.TemporaryDirectory(prefix="isone-export-bench-") as temp:
        root = work or Path(temp)
        root.mkdir(parents=True, exist_ok=True)
        log(f"filling {days} all-node days ({NODES} locations) of {DATASET} in {root}")
        started = time.perf_counter()
        rows = fill(root, day_list)
        log(f"{rows:,} rows in {time.perf_counter() - started:.0f} s")
        results = {}
        for fmt in formats:
            figures = export(root, day_list, fmt)
            results[fmt] = {
                "rows": rows,
                "seconds": round(figures["seconds"], 1),
                "rows_per_s": round(rows / figures["seconds"]),
                "peak_rss_gib": round(figures["peak_rss_kib"] / 2**20, 3),
                "output_mb": round(figures["bytes"] / 1e6, 1),
            }
            log(f"{fmt}: {results[fmt]}")
    return {"dataset": DATASET, "days": days, "first": FIRST.isoformat(), "locations": NODES, "exports": results}


def main() -> None:
    assert __doc__ is not None
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--days", type=int, default=DEFAULT_DAYS)
    p.add_argument("--formats", default="csv", help="comma list of parquet, csv, json (default csv)")
    p.add_argument("--work", type=Path, help="keep (and reuse) the warehouse in this directory")
    args = p.parse_args()
    print(json.dumps(run(args.days, args.formats.split(","), args.work)))


if __name__ == "__main__":
    main()
