"""The bench's report: the results header (machine, versions, commit), the table with a verdict beside each target,
and the results file.

Renderers take only the results dict, so a stored results file (benchmarks/results/*.json) renders again without
running anything.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from pathlib import Path

from benchmarks.common import REPO, loadavg

# ---------------------------------------------------------------------------------------------------------------
# what a results file records besides the figures


def machine_info() -> dict:
    """CPUs, memory and platform: absolute times are only comparable on the same machine."""
    mem = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        k, v = line.split(":", 1)
        if k in ("MemTotal", "MemAvailable"):
            mem[k] = int(v.split()[0]) * 1024
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "mem_total_bytes": mem.get("MemTotal"),
        "mem_available_bytes": mem.get("MemAvailable"),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict:
    """The versions of the libraries that decide the figures (gridstatus is added by B1 when it runs)."""
    import dagster
    import duckdb
    import polars

    out = {"polars": polars.__version__, "duckdb": duckdb.__version__, "dagster": dagster.__version__}
    try:
        import dbt.version

        out["dbt-core"] = dbt.version.__version__
    except Exception:  # noqa: BLE001
        pass
    return out


def git_commit() -> dict:
    """The commit measured, and whether the tree had uncommitted changes (then the commit is not the whole story)."""

    def git(*a):
        return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty_files": len(git("status", "--porcelain").splitlines())}


def new_results(args: dict) -> dict:
    """The results dict before any benchmark ran: when, where, with what, and the arguments."""
    return {
        "started_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "versions": versions(),
        "git": git_commit(),
        "load_start": loadavg(),
        "args": args,
    }


def write_results(results: dict, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")


# ---------------------------------------------------------------------------------------------------------------
# the table


def verdict(ok) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def target(label: str, ok) -> str:
    """`[≤2 GiB: PASS]`: the verdict beside the figure it judges."""
    return f"[{label}: {verdict(ok)}]"


def kilo_rows(e: dict, key: str) -> str:
    """A rows/s figure in thousands, or `-` for a baseline that did not run."""
    return f"{e[key] / 1e3:6.0f}k" if e.get(key) else f"{'-':>7s}"


def times(v) -> str:
    """A ratio as `2.3x`, or `-` when there is none (no gridstatus method for the feed)."""
    return f"{v:5.1f}x" if v else "     -"


B1_HEADER_10X = (
    f"  {'feed':17s} {'rows':>8s} {'MB':>5s} {'ours':>7s} {'(parse':>7s} {'load)':>7s} {'duckdb':>7s} "
    f"{'x duck':>6s} {'≥0.8':>4s} {'gs f+p':>7s} {'x gs':>5s} {'≥10':>4s} | {'limit':>7s} {'10x gs':>7s} "
    f"{'py path':>7s} | {'x gs (both fetch)':>17s} {'x gs (parse only)':>17s}"
)
B1_LEGEND_10X = (
    "  duckdb: DuckDB read_json of the same files into a DuckLake table like ours; limit: DuckDB read_json into "
    "an in-memory table (no warehouse); gs f+p: gridstatus ISONEAPI fetching + parsing the day from the "
    "simulator (recorded mode, same bytes); 10x gs: the rows/s the ≥10x target asks for"
)


def b1_row_10x(name: str, e: dict) -> str:
    """One feed under the first targets (≥0.8x DuckDB, ≥10x gridstatus): how results written before the
    issue #18 targets were printed, so they still render as they did."""
    vs_gs = e.get("vs_gridstatus")
    return (
        f"  {name:17s} {e['rows']:8d} {e['bytes'] / 1e6:5.1f} {kilo_rows(e, 'ours_total_rows_per_s')} "
        f"{kilo_rows(e, 'ours_parse_rows_per_s')} {kilo_rows(e, 'ours_load_rows_per_s')} "
        f"{kilo_rows(e, 'duckdb_rows_per_s')} {e['vs_duckdb']:5.2f}x {verdict(e['vs_duckdb'] >= 0.8):>4s} "
        f"{kilo_rows(e, 'gridstatus_fetch_rows_per_s')} {times(vs_gs)} "
        f"{verdict(None if vs_gs is None else vs_gs >= 10):>4s} | "
        f"{kilo_rows(e, 'duckdb_memory_rows_per_s')} {kilo_rows(e, 'ten_x_gridstatus_rows_per_s')} "
        f"{kilo_rows(e, 'python_parse_rows_per_s')} | "
        f"{times(e.get('vs_gridstatus_with_fetch')):>17s} {times(e.get('vs_gridstatus_parse_only')):>17s}"
    )


B1_HEADER = (
    f"  {'feed':17s} {'rows':>8s} {'MB':>5s} {'ours':>7s} {'(parse':>7s} {'load)':>7s} {'duckdb':>7s} "
    f"{'x duck':>6s} {'goal':>5s} {'':>4s} {'gs f+p':>7s} {'x gs':>5s} | {'limit':>7s} "
    f"{'py path':>7s} | {'x gs (both fetch)':>17s} {'x gs (parse only)':>17s}"
)
B1_LEGEND = (
    "  duckdb: DuckDB read_json of the same files into a DuckLake table like ours; limit: DuckDB read_json into "
    "an in-memory table (no warehouse); gs f+p: gridstatus ISONEAPI fetching + parsing the day from the "
    "simulator (recorded mode, same bytes), context only: it commits nothing to a warehouse"
)


def b1_row(name: str, e: dict) -> str:
    """One feed: ours and its parts, vs DuckDB (against the feed's target), vs gridstatus (context), then the
    references."""
    goal = e.get("vs_duckdb_target")
    return (
        f"  {name:17s} {e['rows']:8d} {e['bytes'] / 1e6:5.1f} {kilo_rows(e, 'ours_total_rows_per_s')} "
        f"{kilo_rows(e, 'ours_parse_rows_per_s')} {kilo_rows(e, 'ours_load_rows_per_s')} "
        f"{kilo_rows(e, 'duckdb_rows_per_s')} {e['vs_duckdb']:5.2f}x {'≥' + format(goal, '.1f') if goal else '-':>5s} "
        f"{verdict(None if goal is None else e['vs_duckdb'] >= goal):>4s} "
        f"{kilo_rows(e, 'gridstatus_fetch_rows_per_s')} {times(e.get('vs_gridstatus'))} | "
        f"{kilo_rows(e, 'duckdb_memory_rows_per_s')} "
        f"{kilo_rows(e, 'python_parse_rows_per_s')} | "
        f"{times(e.get('vs_gridstatus_with_fetch')):>17s} {times(e.get('vs_gridstatus_parse_only')):>17s}"
    )


def render_b1(b: dict) -> list[str]:
    current = all("vs_duckdb_target" in e for e in b["feeds"].values())
    header, row, legend = (B1_HEADER, b1_row, B1_LEGEND) if current else (B1_HEADER_10X, b1_row_10x, B1_LEGEND_10X)
    return [
        f"B1 parse+standardize+load, one day ({b['day']}), median of {b['repeat']}; rows/s",
        header,
        *(row(name, e) for name, e in b["feeds"].items()),
        legend,
    ]


def render_b2(b: dict) -> list[str]:
    if "error" in b:
        return [f"B2 backfill: ERROR {b['error']}"]
    gib = b["peak_rss_bytes"] / 2**30
    top = list(b.get("step_seconds", {}).items())[:6]
    return [
        f"B2 backfill of {b['assets']} assets x {b['days']} days through dagster dev: {b['status']}, "
        f"{b['runs']} runs, {b['rows_total']:,} rows",
        f"  wall {b['wall_s']:.0f} s {target('≤120 s', b['wall_s'] <= 120)}   peak RSS {gib:.2f} GiB "
        f"{target('≤2 GiB', gib <= 2)}",
        f"  our code (steps) {b['step_busy_s']:.0f} s, Dagster overhead {b['dagster_overhead_s']:.0f} s "
        f"({100 * b['dagster_overhead_share']:.0f} %: first run after {b['first_run_created_after_s']:.0f} s, "
        f"{b['after_last_run_s']:.0f} s after the last); simulator CPU {b['simulator_cpu_s']:.0f} s "
        f"(its cache warmed before, in {b.get('simulator_prewarm_s', 0):.0f} s)",
        "  at the RSS peak: " + ", ".join(f"{p['cmd']} {p['rss_mb']} MB" for p in b.get("processes_at_peak", [])),
        f"  run launch (created -> started) {b.get('run_launch_s')} s; heaviest steps (s, summed over runs): "
        + ", ".join(f"{k} {v:.0f}" for k, v in top),
    ]


def b3_feed_row(feed: str, s: dict) -> str:
    most = s["max_requests_per_tick"]
    return (
        f"  {feed:17s} max {most} req/tick {target('≤2', most <= 2)}"
        f"  mean {s['mean_requests_per_tick']:.1f} req, {s['mean_bytes_per_tick'] / 1e3:8.1f} kB per tick"
    )


def render_b3(b: dict) -> list[str]:
    return [
        f"B3 polling, {len(b['ticks'])} ticks (first tick catches up from scratch), probe every "
        f"{b['probe_interval_s']} s",
        *(b3_feed_row(f, s) for f, s in b["per_feed"].items()),
        f"  publication -> queryable (a reader sees the interval in every polled 5-min std table): after the "
        f"probe p50 {b['run_p50_s']:.1f} s, max {b['run_max_s']:.1f} s; with the probe wait typical "
        f"{b['latency_typical_s']:.0f} s, worst {b['latency_worst_s']:.0f} s "
        f"{target('≤60 s', b['latency_worst_s'] <= 60)}",
        f"  the poll run then checks and rebuilds the day's marts: whole run p50 {b.get('run_total_p50_s', 0):.1f} s",
        *render_b3_dev(b.get("dagster_dev")),
    ]


def render_b3_dev(d: dict | None) -> list[str]:
    """The dagster dev rows of B3 (none in results from before it was measured)."""
    if d is None:
        return []
    if "error" in d:
        return [f"  through dagster dev: error {d['error']}"]
    p50, worst = d["latency_p50_s"], d["latency_max_s"]
    ok = p50 is not None and worst is not None and p50 <= 10 and worst <= 20 and d["queryable"] == d["intervals"]
    most = max(d["poll_runs"]["max_requests_per_feed_per_run"].values(), default=0)
    return [
        f"  through dagster dev, {d['queryable']}/{d['intervals']} publications: publication -> queryable p50 "
        f"{p50} s, max {worst} s {target('p50 ≤10 s, max ≤20 s', ok)}",
        f"  probes: one per {d['mean_s_between_probes_after_warmup']} s "
        f"{target('≤ 1 per 10 s', d['mean_s_between_probes_after_warmup'] >= 10)}; data requests per feed per run "
        f"max {most} {target('≤2', most <= 2)}; queued -> started p50 {d['poll_runs']['queued_to_start_p50_s']} s",
    ]


def b4_query_row(name: str, q: dict) -> str:
    return (
        f"  {name:22s} p50 {q['p50_ms']:7.1f} ms  p95 {q['p95_ms']:7.1f} ms  (cold {q['cold_ms']:.0f} ms) "
        f"{target('p95 ≤100 ms', q['p95_ms'] <= 100)}  cpu p50 {q['cpu_p50_ms']:.0f} ms"
    )


def render_b4(b: dict) -> list[str]:
    rows = ", ".join(f"{k} {v:,}" for k, v in b["rows"].items())
    return [
        f"B4 analyst queries on a year of marts ({rows} rows), {b['repeat']} runs each",
        *(b4_query_row(n, q) for n, q in b["queries"].items()),
    ]


def render_other(name: str, b: dict) -> list[str]:
    """A benchmark without its own renderer: its top-level figures on one line (the JSON has everything)."""
    return [f"{name} " + ", ".join(f"{k} {v}" for k, v in b.items() if isinstance(v, (int, float, str)))]


RENDERERS = {"B1": render_b1, "B2": render_b2, "B3": render_b3, "B4": render_b4}


def header(results: dict) -> str:
    return (
        f"isone-platform benchmarks  commit {results['git']['commit'][:10]}  "
        f"{results['machine']['cpus']} CPUs  load avg start {results['load_start']} end {results.get('load_end')}"
    )


def table(results: dict, renderers: dict | None = None) -> str:
    """The report: a header, then one block per benchmark present in `results`, in name order.

    `renderers` ({name: render(section) -> lines}) extends RENDERERS; a benchmark without one gets a summary line."""
    renderers = {**RENDERERS, **(renderers or {})}
    names = sorted((k for k in results if k in renderers or is_benchmark_name(k)), key=lambda k: (len(k), k))
    lines = [header(results)]
    for name in names:
        render = renderers.get(name) or (lambda b, name=name: render_other(name, b))
        lines += ["", *render(results[name])]
    return "\n".join(lines)


def is_benchmark_name(key: str) -> bool:
    """B1, B2, … : the results' top-level keys that hold a benchmark's figures."""
    return len(key) >= 2 and key[0] == "B" and key[1:].isdigit()
