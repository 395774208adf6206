"""B4: analyst queries on a year of marts, through `warehouse.connect()` as an analyst runs them: p50 / p95 ms.

The year of mart rows is written directly as synthetic values with the marts' columns: running dbt over a year of
all-node std would take far longer than the whole bench.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.common import log, pctl, required, scalar, timed

NAME = "B4"

LAST_DAY = dt.date(2024, 11, 21)  # exclusive: the year ends the day before the simulator's "now"
DAYS = 365
MART_DDL = {
    "isone__load_daily": """
        SELECT d::DATE AS operating_day, a.area, CASE WHEN a.area = 'SYSTEM' THEN 'system' ELSE 'zone' END AS area_type,
               a.zone_id,
               a.base * (1 + 0.25 * cos(2 * pi() * (dayofyear(d) - 200) / 365))
                   + 40 * (hash(d, a.area) % 50)::INTEGER AS peak_mw,
               (d::TIMESTAMP + INTERVAL 21 HOUR + ((hash(d, a.area) % 12)::INTEGER) * INTERVAL 5 MINUTE)::TIMESTAMPTZ
                   AS peak_interval_begin_utc,
               NULL::VARCHAR AS peak_interval_begin_local,
               a.base * 0.55 AS pit_mw, (d::TIMESTAMP + INTERVAL 8 HOUR)::TIMESTAMPTZ AS pit_interval_begin_utc,
               NULL::VARCHAR AS pit_interval_begin_local, a.base * 0.78 AS avg_mw, a.base * 0.78 * 24 AS energy_mwh,
               288 AS interval_count, 288 AS expected_intervals, 100.0 AS completeness_pct
        FROM range(DATE '{start}', DATE '{end}', INTERVAL 1 DAY) t(d)
        CROSS JOIN (VALUES ('SYSTEM', NULL::INTEGER, 15000.0), ('.Z.MAINE', 4001, 1200.0),
                    ('.Z.NEWHAMPSHIRE', 4002, 1300.0), ('.Z.VERMONT', 4003, 600.0), ('.Z.CONNECTICUT', 4004, 3400.0),
                    ('.Z.RHODEISLAND', 4005, 900.0), ('.Z.SEMASS', 4006, 1700.0), ('.Z.WCMASS', 4007, 1800.0),
                    ('.Z.NEMASSBOST', 4008, 3000.0)) a(area, zone_id, base)""",
    "isone__lmp_daily": """
        SELECT d::DATE AS operating_day, l.location_id, l.location_name, l.location_type,
               dayofweek(d) BETWEEN 1 AND 5 AS is_onpeak_day, 24 AS da_hours,
               40 + 15 * cos(2 * pi() * dayofyear(d) / 365)
                   + (hash(d, l.location_id) % 1000)::INTEGER / 100.0 AS da_avg,
               48 + 15 * cos(2 * pi() * dayofyear(d) / 365)
                   + (hash(d, l.location_id) % 1000)::INTEGER / 90.0 AS da_onpeak_avg,
               33 + 15 * cos(2 * pi() * dayofyear(d) / 365) AS da_offpeak_avg,
               288 AS rt_intervals,
               40 + 15 * cos(2 * pi() * dayofyear(d) / 365)
                   + (hash(l.location_id, d) % 1000)::INTEGER / 100.0 AS rt_avg,
               49 + 15 * cos(2 * pi() * dayofyear(d) / 365)
                   + (hash(l.location_id, d) % 1000)::INTEGER / 80.0 AS rt_onpeak_avg,
               32 + 15 * cos(2 * pi() * dayofyear(d) / 365) AS rt_offpeak_avg,
               -5.0 AS rt_min, d::TIMESTAMPTZ AS rt_min_interval_begin_utc,
               NULL::VARCHAR AS rt_min_interval_begin_local,
               180.0 AS rt_max, d::TIMESTAMPTZ AS rt_max_interval_begin_utc,
               NULL::VARCHAR AS rt_max_interval_begin_local,
               0 AS rt_negative_intervals,
               ((hash(d, l.location_id) % 1000)::INTEGER / 100.0)
                   - ((hash(l.location_id, d) % 1000)::INTEGER / 100.0) AS da_rt_spread
        FROM range(DATE '{start}', DATE '{end}', INTERVAL 1 DAY) t(d)
        CROSS JOIN (SELECT i AS location_id,
                           CASE WHEN i = 4000 THEN '.H.INTERNAL_HUB' ELSE 'NODE' || i END AS location_name,
                           CASE WHEN i = 4000 THEN 'HUB' WHEN i BETWEEN 4001 AND 4008 THEN 'LOAD ZONE'
                                ELSE 'NETWORK NODE' END
                           AS location_type
                    FROM (SELECT unnest(range(1, 1198)) AS i UNION ALL SELECT unnest(range(4000, 4009)))) l""",
}

QUERIES = {
    "peak_by_zone": """
        SELECT area, max(peak_mw) AS peak_mw, arg_max(peak_interval_begin_utc, peak_mw) AS at_utc
        FROM mart.isone__load_daily WHERE area_type = 'zone' GROUP BY area ORDER BY peak_mw DESC""",
    "monthly_onpeak_avg": """
        SELECT date_trunc('month', operating_day) AS month, location_name,
               avg(da_onpeak_avg) AS da_onpeak, avg(rt_onpeak_avg) AS rt_onpeak
        FROM mart.isone__lmp_daily WHERE location_type IN ('HUB', 'LOAD ZONE') AND is_onpeak_day
        GROUP BY ALL ORDER BY ALL""",
    "da_rt_spread_ranking": """
        SELECT location_id, any_value(location_name) AS location_name, avg(da_rt_spread) AS spread,
               rank() OVER (ORDER BY avg(da_rt_spread) DESC) AS rank
        FROM mart.isone__lmp_daily GROUP BY location_id ORDER BY spread DESC LIMIT 20""",
}
HOW = (
    "a year of mart rows written directly into a fresh DuckLake warehouse (synthetic values with the marts' "
    "columns; running dbt over a year of all-node std would take far longer than the bench)"
)


def run(args, results: dict) -> None:
    """Entry point: stores results["B4"]."""
    log("B4: a year of marts, analyst queries")
    results[NAME] = measure(args.query_repeat)


def measure(repeat: int, days: int = DAYS) -> dict:
    """Build `days` days of marts in a fresh warehouse, time the queries `repeat` times each, drop the warehouse.

    `days` is a knob for quick smoke runs only; the reported figures always use a year."""
    from isone_platform.lib.warehouse import WarehouseConfig

    work = Path(tempfile.mkdtemp(prefix="isone-bench-b4-"))
    try:
        config = WarehouseConfig.local(work)
        counts, build_s = timed(build_marts, config, LAST_DAY - dt.timedelta(days=days), LAST_DAY)
        cold, samples, cpu = time_queries(config, repeat)
        return {
            "rows": counts,
            "days": days,
            "build_s": round(build_s, 2),
            "repeat": repeat,
            "how": HOW,
            "queries": {n: query_stats(n, v, cpu[n], cold[n]) for n, v in samples.items()},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def build_marts(config, start: dt.date, end: dt.date) -> dict[str, int]:
    """Write the synthetic mart tables for [start, end); their row counts."""
    from isone_platform.lib.warehouse import open_connection

    con = open_connection(config, read_only=False)
    try:
        con.execute("CREATE SCHEMA IF NOT EXISTS mart")
        for table, select in MART_DDL.items():
            con.execute(f"CREATE TABLE mart.{table} AS {select.format(start=start, end=end)}")
        return {t: scalar(con, f"SELECT count(*) FROM mart.{t}") for t in MART_DDL}
    finally:
        con.close()


def time_queries(config, repeat: int) -> tuple[dict, dict, dict]:
    """(cold seconds, wall ms samples, CPU ms samples) per query, on the analyst's read-only connection.

    Each query runs once cold, then the queries run interleaved so machine load hits them alike."""
    from isone_platform import warehouse

    samples, cpu = defaultdict(list), defaultdict(list)
    con = warehouse.connect(config=config)
    try:
        cold = {name: timed(lambda sql=sql: con.sql(sql).fetchall())[1] for name, sql in QUERIES.items()}
        for _ in range(repeat):
            for name, sql in QUERIES.items():
                t, c = time.perf_counter(), time.process_time()
                con.sql(sql).fetchall()
                samples[name].append((time.perf_counter() - t) * 1000)
                cpu[name].append((time.process_time() - c) * 1000)
    finally:
        con.close()
    return cold, samples, cpu


def query_stats(name: str, wall_ms: list[float], cpu_ms: list[float], cold_s: float) -> dict:
    """One entry of results["B4"]["queries"]."""
    return {
        "p50_ms": round(required(pctl(wall_ms, 0.5)), 2),
        "p95_ms": round(required(pctl(wall_ms, 0.95)), 2),
        "cold_ms": round(cold_s * 1000, 2),
        "cpu_p50_ms": round(required(pctl(cpu_ms, 0.5)), 2),
        "sql": " ".join(QUERIES[name].split()),
    }
