"""isone-platform benchmarks: B1 parse+load, B2 backfill through Dagster, B3 polling, B4 analyst queries, B5
dashboard, B6 two production-profile workers vs one.

`make bench` (or `uv run python benchmarks/bench.py`) starts the bundled simulator, runs each measurement several
times interleaved with its baselines, prints a table with pass/fail beside each target and writes
`benchmarks/results/latest.json` (machine, load, versions, git commit, every sample). Only ratios within one run
count: absolute times depend on the machine and on how busy it is (the load average is recorded).

    uv run python benchmarks/bench.py [--repeat 3] [--only B1,B3,B4] [--backfill-days 30] [--prod-days 4]
                                      [--no-gridstatus]
    (`--only B5` alone merges its figures into the existing results file, keeping B1-B4)

B1  parse + standardize + warehouse load of one day of every feed (the all-node RT 5-minute LMP day is the
    24 `starthour` chunks), against (a) DuckDB's native `read_json` of the same bodies from disk, transformed
    to the same std columns (UTC timestamps, provenance) and INSERTed into a DuckLake table of a fresh warehouse
    of the same kind as ours (and, as the machine's limit, into an in-memory table), and (b) gridstatus
    `ISONEAPI` (in its own venv, benchmarks/.venv-gridstatus) fetching and parsing the same day from the
    simulator serving the same bodies (recorded mode); also like for like: both fetching, both parse only.
B2  a backfill of every partitioned asset (raw, std, checks, marts) through a real `dagster dev` launched over
    GraphQL `launchPartitionBackfill` with the real backfill policy: wall, rows, peak RSS of all its processes
    (and which they were), step time (our code) vs the rest (Dagster: daemon loop, run launch, event log).
B3  polling: sensor tick + `isone_poll` run in process against the simulator: requests and bytes per feed per
    tick; latency from publication (simulator clock) to a separate reader seeing the new interval.
B4  analyst queries on a year of marts (written directly as synthetic rows): p50 / p95 ms.
B5  the dashboard's server-side time on a year of marts + 7 days of std (`--only B5` alone merges its figures
    into the existing results file, keeping the others).
B6  the production profile (PostgreSQL catalog and Dagster storage, S3 on moto), two run-worker processes writing
    different days at once vs one doing all of them: rows/s, commit conflicts retried, nothing lost (skipped,
    saying why, without PostgreSQL's server binaries).

Layout: one module per benchmark (benchmarks/b*_*.py, each with `run(args, results)`), shared code in
benchmarks/common.py, the table and the results file in benchmarks/report.py; this file is only the command line.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make `benchmarks.*` importable

from benchmarks.b6_prod_workers import DEFAULT_DAYS as DEFAULT_PROD_DAYS  # noqa: E402
from benchmarks.common import RESULTS, loadavg, shown_path  # noqa: E402
from benchmarks.report import new_results, table, write_results  # noqa: E402

# Every benchmark, in the order they run (the cheap ones first; B2, the longest and most fragile, last).
# name -> "module" (whose run(args, results) it calls) or "module:function". A new benchmark is one line here;
# a module may also define render(section) -> list[str] for its block of the table.
BENCHMARKS = {
    "B1": "benchmarks.b1_parse_load",
    "B4": "benchmarks.b4_queries",
    "B3": "benchmarks.b3_polling",
    "B2": "benchmarks.b2_backfill",
    "B5": "benchmarks.b5_dashboard",
    "B6": "benchmarks.b6_prod_workers",
}


def load(spec: str):
    """(module, its run function) for a BENCHMARKS entry; imported only when selected, so --help stays instant."""
    module_name, _, function = spec.partition(":")
    module = importlib.import_module(module_name)
    return module, getattr(module, function or "run")


def registered_renderers() -> dict:
    """{name: render} of the registered benchmarks whose module renders its own block of the table."""
    modules = {name: load(spec)[0] for name, spec in BENCHMARKS.items()}
    return {name: m.render for name, m in modules.items() if hasattr(m, "render")}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    names = ", ".join(sorted(BENCHMARKS))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3, help="B1 repetitions (interleaved)")
    p.add_argument(
        "--only",
        default=",".join(sorted(BENCHMARKS)),
        help=f"comma-separated benchmarks to run, of: {names} (default: all)",
    )
    p.add_argument("--backfill-days", type=int, default=30)
    p.add_argument("--backfill-timeout", type=float, default=900)
    p.add_argument(
        "--days-per-run",
        type=int,
        default=None,
        help="B2: ISONE_BACKFILL_DAYS_PER_RUN for the backfill (default: the platform's, 15)",
    )
    p.add_argument("--poll-ticks", type=int, default=4, help="B3 in process: sensor ticks")
    p.add_argument(
        "--poll-intervals",
        type=int,
        default=6,
        help="B3 through dagster dev: publications measured after the warm-up (5 minutes of wall time each)",
    )
    p.add_argument(
        "--prod-days",
        type=int,
        default=DEFAULT_PROD_DAYS,
        help="B6: operating days the production-profile workers write (even: two workers, half each)",
    )
    p.add_argument("--query-repeat", type=int, default=30)
    p.add_argument("--no-gridstatus", dest="gridstatus", action="store_false")
    p.add_argument("--out", default=str(RESULTS / "latest.json"))
    return p.parse_args(argv)


def selected(only: str) -> list[str]:
    """The benchmarks --only names, in BENCHMARKS order (unknown names are ignored, as they always were)."""
    wanted = {s.strip().upper() for s in only.split(",")}
    return [name for name in BENCHMARKS if name in wanted]


def merge_b5(results: dict, out: Path) -> None:
    """B5 alone: its figures go into the last full results file, every other benchmark's kept."""
    run = {k: results[k] for k in ("started_utc", "git", "load_start") if k in results}
    merged = {**json.loads(out.read_text()), "B5": {**results["B5"], **run, "load_end": loadavg()}}
    merged["table"] = table(merged, registered_renderers())
    out.write_text(json.dumps(merged, indent=2, default=str) + "\n")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    results = new_results({**vars(args), "out": shown_path(Path(args.out))})
    t0 = time.perf_counter()
    for name in selected(args.only):
        _, run = load(BENCHMARKS[name])
        run(args, results)
    if selected(args.only) == ["B5"] and Path(args.out).exists():
        merge_b5(results, Path(args.out))
        return
    results["load_end"] = loadavg()
    results["elapsed_s"] = round(time.perf_counter() - t0, 1)
    results["table"] = text = table(results, registered_renderers())
    out = Path(args.out)
    write_results(results, out)
    print()
    print(text)
    print(f"\n{results['elapsed_s']:.0f} s; results in {out}")


if __name__ == "__main__":
    main()
