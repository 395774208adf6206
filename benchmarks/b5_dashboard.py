"""B5 — the dashboard's server-side time on one year of marts plus 7 days of 5-minute std data (all ~1,200 nodes).

Targets: ≤ 1.5 s for the whole page on first load, ≤ 100 ms p95 per panel query with a warm cache.

Measured in one process (wall time, and CPU time of the process, which a busy machine inflates less) against a
fresh DuckLake warehouse (the synthetic rows of the dashboard tests, at full size; the marts written directly, as
B4 does: dbt over a year of all-node std would take far longer):
- `first_load`: every panel query through the page's cached path (`dashboard/cache.py`) with empty caches and
  no connection yet (so the ~0.3 s connection open counts), in the page's order; per query and in total;
- `page_first_load` / `page_warm`: the whole Streamlit script (queries, charts, tables) run by Streamlit's
  AppTest, first with empty caches, then with warm ones (the median of the reruns);
- `warm`: each panel query through the cache again, `--query-repeat` times interleaved: p50 / p95 ms;
- `health_background_s`: Data health (every dq rule on the latest 3 days, all nodes) in the background thread
  the page starts on its own connection; the page does not wait for it (its panel fills in when done).

    uv run python benchmarks/bench.py --only B5       (merges a `B5` key into benchmarks/results/latest.json)
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

LAST_DAY = date(2024, 11, 20)
STD_DAYS, MART_DAYS = 7, 365
NODES = 1_200  # the Hub, 8 load zones and network nodes: about ISO-NE's count of priced locations
FIRST_LOAD_TARGET_S, WARM_P95_TARGET_MS = 1.5, 100.0


def build(root: Path) -> dict:
    """The warehouse under `root`; returns row counts and the build time."""
    from isone_platform.lib.warehouse import WarehouseConfig
    from isone_platform_tests.dashboard import synthetic

    config = WarehouseConfig.local(root)
    std_days = synthetic.day_range(LAST_DAY - timedelta(days=STD_DAYS - 1), LAST_DAY)
    mart_days = synthetic.day_range(LAST_DAY - timedelta(days=MART_DAYS - 1), LAST_DAY)
    started = time.perf_counter()
    synthetic.build(config, std_days, std_days, extra_nodes=NODES - 9, mart_days=mart_days)
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "std_days": STD_DAYS,
        "mart_days": MART_DAYS,
        "nodes": NODES,
    }


def panel_queries(cached) -> list[tuple[str, str, tuple]]:
    """(panel, query, args) in the page's order; the day pickers' defaults come from their own queries.
    Data health is not among them: the page evaluates it in the background (see `health_evaluation`)."""
    from isone_platform.dashboard import queries as q

    price_day = cached("price_day_default")[0]
    fuel_day = cached("fuel_day_default")[0]
    return [
        ("Now", "now_snapshot", ()),
        ("Now", "lmp_now", ()),
        ("Now", "fuel_now", ()),
        ("Zones", "zones_latest", ()),
        ("Sparklines", "sparklines", (q.SPARKLINE_DEFAULT_HOURS,)),
        ("Heatmap", "heatmap", (q.HEATMAP_DAYS,)),
        ("Prices", "hub_prices", (price_day,)),
        ("Prices", "top_spread", (price_day,)),
        ("Prices", "top_congestion", (price_day,)),
        ("Fuel mix", "fuel_mix_day", (fuel_day,)),
        ("Fuel mix", "fuel_shares", (fuel_day,)),
    ]


def timed(fn, *args) -> float:
    started = time.perf_counter()
    fn(*args)
    return time.perf_counter() - started


def first_load(cache) -> dict:
    """Every panel query with empty caches and no connection: the first visitor's wait, query by query."""
    cache.cached.clear()
    cache.shared_reader.clear()
    started, cpu = time.perf_counter(), time.process_time()
    connect_s = timed(cache.shared_reader)
    defaults_s = timed(cache.cached, "price_day_default") + timed(cache.cached, "fuel_day_default")
    per_query = {
        f"{panel}: {name}": round(timed(cache.cached, name, *args) * 1000, 1)
        for panel, name, args in panel_queries(cache.cached)
    }
    total, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "total_s": round(total, 3),
        "cpu_s": round(cpu, 3),
        "connect_ms": round(connect_s * 1000, 1),
        "day_defaults_ms": round(defaults_s * 1000, 1),
        "per_query_ms": per_query,
    }


def health_evaluation(cache) -> dict:
    """Data health through the page's background query, from the first look until its panel can fill in."""
    cache.health_query.clear()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    started = time.perf_counter()
    while not cache.health_query().poll(now)[0]:
        time.sleep(0.05)
    return {"health_background_s": round(time.perf_counter() - started, 3)}


def warm(cache, repeat: int) -> dict:
    """Each panel query through the warm cache, `repeat` times interleaved: p50 / p95 ms."""
    queries = panel_queries(cache.cached)
    samples: dict[str, list[float]] = {f"{p}: {n}": [] for p, n, _ in queries}
    for _ in range(repeat):
        for panel, name, args in queries:
            samples[f"{panel}: {name}"].append(timed(cache.cached, name, *args) * 1000)
    return {
        k: {"p50_ms": round(statistics.median(v), 3), "p95_ms": round(pctl(v, 0.95), 3)} for k, v in samples.items()
    }


def page_runs(cache, reruns: int) -> dict:
    """The whole Streamlit script under AppTest: first load (empty caches), then warm reruns."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from isone_platform.dashboard import app

    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(app.__file__, default_timeout=600)
    cpu = time.process_time()
    first = timed(at.run)
    cpu = time.process_time() - cpu
    errors = [e.value for e in at.exception] + [e.value for e in at.error]
    warm_runs = [timed(at.run) for _ in range(reruns)]
    return {
        "page_first_load_s": round(first, 3),
        "page_first_load_cpu_s": round(cpu, 3),
        "page_warm_median_s": round(statistics.median(warm_runs), 3),
        "page_errors": errors,
    }


def pctl(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def b5(repeat: int = 30) -> dict:
    """Build, measure, and return the `B5` entry of the results."""
    root = Path(tempfile.mkdtemp(prefix="isone-bench-b5-"))
    saved = {k: os.environ.get(k) for k in ("ISONE_CATALOG_URL", "ISONE_LAKE_URL", "ISONE_PROJECT_ROOT")}
    try:
        os.environ.update(
            ISONE_CATALOG_URL=str(root / "catalog.sqlite"),
            ISONE_LAKE_URL=str(root / "lake"),
            ISONE_PROJECT_ROOT=str(root),
        )
        data = build(root)
        from isone_platform.dashboard import cache

        entry = {**data, "first_load": first_load(cache), "warm": warm(cache, repeat), "repeat": repeat}
        entry.update(page_runs(cache, reruns=5))
        entry.update(health_evaluation(cache))
        return judge(entry)
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)
        shutil.rmtree(root, ignore_errors=True)


def judge(entry: dict) -> dict:
    worst = max(v["p95_ms"] for v in entry["warm"].values())
    entry["targets"] = {
        "first_load_s": FIRST_LOAD_TARGET_S,
        "warm_p95_ms": WARM_P95_TARGET_MS,
        "first_load_queries_ok": entry["first_load"]["total_s"] <= FIRST_LOAD_TARGET_S,
        "page_first_load_ok": entry["page_first_load_s"] <= FIRST_LOAD_TARGET_S,
        "warm_p95_ok": worst <= WARM_P95_TARGET_MS,
        "worst_warm_p95_ms": worst,
    }
    return entry


def summary(entry: dict) -> str:
    t = entry["targets"]
    slowest = sorted(entry["first_load"]["per_query_ms"].items(), key=lambda kv: -kv[1])[:3]
    return "\n".join(
        [
            f"B5 dashboard ({entry['mart_days']} days of marts, {entry['std_days']} days of std, "
            f"{entry['nodes']} nodes)",
            f"  first load, every panel query: {entry['first_load']['total_s']:.2f} s (target ≤ {t['first_load_s']} s: "
            f"{'ok' if t['first_load_queries_ok'] else 'MISSED'}; CPU {entry['first_load']['cpu_s']:.2f} s); slowest: "
            + ", ".join(f"{k} {v:.0f} ms" for k, v in slowest),
            f"  whole page (AppTest) first load {entry['page_first_load_s']:.2f} s "
            f"({'ok' if t['page_first_load_ok'] else 'MISSED'}; CPU {entry['page_first_load_cpu_s']:.2f} s), "
            f"warm rerun {entry['page_warm_median_s']:.2f} s",
            f"  Data health in the background (not waited for by the page): {entry['health_background_s']:.2f} s",
            f"  warm cache: worst panel query p95 {t['worst_warm_p95_ms']:.2f} ms (target ≤ {t['warm_p95_ms']:.0f} ms: "
            f"{'ok' if t['warm_p95_ok'] else 'MISSED'})",
        ]
    )


def run(args, results: dict) -> None:
    """bench.py's entry: B5 into `results`, its summary on stdout."""
    results["B5"] = b5(args.query_repeat)
    print(summary(results["B5"]))


def render(section: dict) -> list[str]:
    """B5's block of the results table."""
    return summary(section).splitlines()
