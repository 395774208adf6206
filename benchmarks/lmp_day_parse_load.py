"""Rows/s of parse + standardize + warehouse load for one all-node day of RT 5-minute LMPs.

Fetches the 24 `starthour` chunks of one day from the bundled simulator once, then times, several times:
  parse     bytes -> canonical polars frame (standardize: JSON, timestamps, merge, conform)
  load      one atomic partition replace into a fresh DuckLake warehouse
Prints a small table; run with `uv run python benchmarks/lmp_day_parse_load.py [--repeat N]`.
"""

import argparse
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from isone_platform.lib.datasets import DATASETS, standardize
from isone_platform.lib.fetch import fetch_day
from isone_platform.lib.isone_client import IsoneClient
from isone_platform.lib.warehouse import WarehouseConfig, replace_partitions
from isone_platform.simulator import SimulatorServer

DAY = date(2024, 7, 15)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ds = DATASETS["lmp_rt_5min"]
    with SimulatorServer(port=0, clock="fixed:2024-11-21T12:00:00-05:00", seed=1) as sim, \
            IsoneClient(sim.base_url, "demo", "demo") as client:
        started = time.perf_counter()
        raw = fetch_day(client, ds, DAY, "prelim")
        fetch_s = time.perf_counter() - started
    parse_s, load_s, rows = [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        config = WarehouseConfig.local(Path(tmp))
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            frame = standardize(ds, raw).frame
            t1 = time.perf_counter()
            replace_partitions(config, ds.table, frame, [DAY])
            t2 = time.perf_counter()
            parse_s.append(t1 - t0)
            load_s.append(t2 - t1)
            rows = len(frame)
    p, l = statistics.median(parse_s), statistics.median(load_s)
    print(f"isone__lmp_rt_5min {DAY}: {len(raw.bodies)} bodies, {raw.total_bytes / 1e6:.1f} MB JSON, {rows:,} rows")
    print(f"  fetch (simulator, once)      {fetch_s:6.2f} s")
    print(f"  parse + standardize (median) {p:6.2f} s  {rows / p / 1e3:8.0f} k rows/s")
    print(f"  warehouse load (median)      {l:6.2f} s  {rows / l / 1e3:8.0f} k rows/s")
    print(f"  parse + load                 {p + l:6.2f} s  {rows / (p + l) / 1e3:8.0f} k rows/s")


if __name__ == "__main__":
    main()
