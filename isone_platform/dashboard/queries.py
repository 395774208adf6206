"""Every dashboard panel's numbers, computed from a read-only warehouse connection.

Pure functions of (connection, parameters) that return polars frames or small dataclasses: the Streamlit page
(`app.py`), the tests and the B5 benchmark call exactly the same code. They run plain SELECTs on std and mart
tables only, so they keep working on the analysts' read-only connection. Times stay UTC-aware here; the
`local_time` / `utc_time` text columns (America/New_York on screen, UTC in tooltips) are added for display.
Every query filters on `operating_day` first, so DuckLake reads only the Parquet files of the days it needs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb
import polars as pl

from isone_platform.dq import DEFAULT_LAST, latest_days
from isone_platform.lib import dq as rules
from isone_platform.lib.datasets import DATASETS, Dataset
from isone_platform.lib.partitions import ISONE_TZ, day_bounds_utc, expected_intervals
from isone_platform.lib.schemas import (
    FUEL_MIX,
    LMP_DA_HOURLY,
    LMP_RT_5MIN,
    LMP_RT_HOURLY,
    SYSTEM_LOAD_5MIN,
    ZONAL_LOAD_5MIN,
    TableSchema,
)

LOCAL_TZ = str(ISONE_TZ)
HUB_NAME = ".H.INTERNAL_HUB"
ZONE_PREFIX = ".Z."
ZONE_COUNT = len(rules.LOAD_ZONE_IDS)
STALE_AFTER = rules.FRESHNESS_MAX_AGE  # the freshness rule's limit: the Now panel warns past it
HEATMAP_DAYS = 28
HEALTH_DAYS = DEFAULT_LAST  # the same window as `isone-platform dq`
TOP_NODES = 10
SPARKLINE_MIN_HOURS, SPARKLINE_MAX_HOURS, SPARKLINE_DEFAULT_HOURS = 1, 168, 24
LMP_MART = "mart.isone__lmp_daily"
FUEL_MART = "mart.isone__fuel_mix_daily"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class MissingData(LookupError):
    """A panel's table is not materialized yet, or holds no row for what was asked: the page says which."""


# ---------------------------------------------------------------------------------------------------------------
# helpers


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[object] | dict[str, object] = ()) -> pl.DataFrame:
    """One SELECT as a polars frame (timestamps UTC-aware); `params` positional (`?`) or named (`$name`)."""
    return con.execute(sql, params if isinstance(params, dict) else list(params)).pl()


def mart_exists(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Whether `mart.<name>` exists (dbt builds the marts after the std tables, so they can be missing)."""
    schema, name = qualified.split(".")
    sql = (
        "SELECT count(*) FROM information_schema.tables WHERE table_catalog = current_database() "
        "AND table_schema = ? AND table_name = ?"
    )
    [(count,)] = con.execute(sql, [schema, name]).fetchall()
    return count > 0


def require(con: duckdb.DuckDBPyConnection, *tables: TableSchema | str) -> None:
    """Raise `MissingData` naming the first table that does not exist yet."""
    for table in tables:
        exists = mart_exists(con, table) if isinstance(table, str) else rules.table_exists(con, table)
        if not exists:
            name = table if isinstance(table, str) else table.qualified_name
            raise MissingData(f"{name} is not materialized yet")


def latest_row(con: duckdb.DuckDBPyConnection, table: TableSchema, columns: str = "") -> tuple:
    """(latest interval start (UTC), *columns) of the table's latest row, reading only its latest operating day,
    in one query; `MissingData` when the table is missing or empty."""
    sql = (
        f"SELECT interval_begin_utc{', ' + columns if columns else ''} FROM {table.qualified_name} "
        f"WHERE operating_day = (SELECT max(operating_day) FROM {table.qualified_name}) "
        "ORDER BY interval_begin_utc DESC LIMIT 1"
    )
    try:
        row = con.execute(sql).fetchone()
    except duckdb.CatalogException:
        raise MissingData(f"{table.qualified_name} is not materialized yet") from None
    if row is None:
        raise MissingData(f"{table.qualified_name} holds no data yet")
    return (row[0].astimezone(UTC), *row[1:])


def at_latest_interval(
    con: duckdb.DuckDBPyConnection,
    table: TableSchema,
    columns: str,
    where: str = "TRUE",
    order: str = "1",
    params: Sequence[object] | dict[str, object] = (),
) -> pl.DataFrame:
    """`columns` of the rows (matching `where`) at the table's latest interval, in one query; `MissingData` when
    the table is missing or empty."""
    name = table.qualified_name
    sql = f"""
        WITH latest AS (
            SELECT operating_day, interval_begin_utc FROM {name}
            WHERE operating_day = (SELECT max(operating_day) FROM {name}) ORDER BY interval_begin_utc DESC LIMIT 1)
        SELECT interval_begin_utc, {columns} FROM {name} JOIN latest USING (operating_day, interval_begin_utc)
        WHERE {where} ORDER BY {order}"""
    try:
        df = frame(con, sql, params)
    except duckdb.CatalogException:
        raise MissingData(f"{name} is not materialized yet") from None
    return with_time_text(_non_empty(df, f"{name} holds no data yet"))


def latest_interval(con: duckdb.DuckDBPyConnection, table: TableSchema) -> datetime:
    """The start (UTC) of the table's latest interval."""
    return latest_row(con, table)[0]


def local_day(ts: datetime) -> date:
    """The operating day (America/New_York date) an instant belongs to."""
    return ts.astimezone(ISONE_TZ).date()


def with_time_text(df: pl.DataFrame, column: str = "interval_begin_utc") -> pl.DataFrame:
    """Add `local_time` (e.g. `2024-11-03 01:30 EST`, the zone telling the two 01:30s apart) and `utc_time`."""
    ts = pl.col(column)
    return df.with_columns(
        ts.dt.convert_time_zone(LOCAL_TZ).dt.strftime("%Y-%m-%d %H:%M %Z").alias("local_time"),
        ts.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%d %H:%M UTC").alias("utc_time"),
    )


def hours_since_day_start(df: pl.DataFrame, day: date, column: str = "interval_begin_utc") -> pl.DataFrame:
    """Add `hour_of_day` (and `end_hour_of_day` of `interval_end_utc`): elapsed hours since the operating day's
    local midnight (0 to 23, 24 or 25), so a fall-back day's two 01:00 hours sit side by side, not on top."""
    start, _ = day_bounds_utc(day)
    elapsed = (pl.col(column) - pl.lit(start)).dt.total_seconds() / 3600
    until = (pl.col("interval_end_utc") - pl.lit(start)).dt.total_seconds() / 3600
    return df.with_columns(elapsed.alias("hour_of_day"), until.alias("end_hour_of_day"))


def day_hour_labels(day: date) -> dict[int, str]:
    """Local clock label of every elapsed hour of the day: {0: '00:00', 1: '01:00 EDT', 2: '01:00 EST', …}."""
    start, end = day_bounds_utc(day)
    hours = int((end - start) / timedelta(hours=1))
    labels = {h: (start + timedelta(hours=h)).astimezone(ISONE_TZ) for h in range(hours + 1)}
    repeated = hours == 25  # the fall-back day: name the zone so the two 01:00s differ
    return {h: t.strftime("%H:%M %Z" if repeated else "%H:%M") for h, t in labels.items()}


# ---------------------------------------------------------------------------------------------------------------
# Now


@dataclass(frozen=True)
class Parity:
    """System load against the sum of the zones at one interval (the old pipeline's parity check)."""

    interval_utc: datetime
    system_mw: float
    zones_mw: float
    zones_reported: int

    @property
    def difference_mw(self) -> float:
        return self.zones_mw - self.system_mw

    @property
    def difference_pct(self) -> float:
        return 100.0 * self.difference_mw / self.system_mw if self.system_mw else float("nan")


@dataclass(frozen=True)
class NowSnapshot:
    """The latest 5-minute system interval, its load, and the parity at the latest interval both tables have."""

    latest_utc: datetime
    system_mw: float | None
    parity: Parity | None

    def age(self, now: datetime) -> timedelta:
        return now - self.latest_utc

    def is_stale(self, now: datetime) -> bool:
        return self.age(now) > STALE_AFTER


def now_snapshot(con: duckdb.DuckDBPyConnection) -> NowSnapshot:
    """The Now panel's load numbers; `MissingData` without system load."""
    latest, system_mw = latest_row(con, SYSTEM_LOAD_5MIN, "load_mw")
    return NowSnapshot(latest, system_mw, parity(con, latest))


def parity(con: duckdb.DuckDBPyConnection, not_after: datetime) -> Parity | None:
    """Parity at the latest interval (≤ `not_after`) present in both system and zonal load; None without zones."""
    since = local_day(not_after) - timedelta(days=1)
    sql = f"""
        WITH zones AS (
            SELECT interval_begin_utc, sum(load_mw) AS zones_mw, count(load_mw) AS zones_reported
            FROM {ZONAL_LOAD_5MIN.qualified_name} WHERE operating_day >= ? AND interval_begin_utc <= ? GROUP BY 1)
        SELECT s.interval_begin_utc, s.load_mw, z.zones_mw, z.zones_reported
        FROM {SYSTEM_LOAD_5MIN.qualified_name} s JOIN zones z USING (interval_begin_utc)
        WHERE s.operating_day >= ? AND s.load_mw IS NOT NULL ORDER BY 1 DESC LIMIT 1"""
    try:
        row = con.execute(sql, [since, not_after, since]).fetchone()
    except duckdb.CatalogException:  # no zonal load table yet
        return None
    return None if row is None else Parity(row[0].astimezone(UTC), row[1], row[2], row[3])


def lmp_now(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """RT 5-minute LMP at the Hub and each load zone at the latest priced interval (Hub first)."""
    columns = "location_name, lmp, energy_component, congestion_component, loss_component"
    return at_latest_interval(
        con,
        LMP_RT_5MIN,
        columns,
        "location_name = $hub OR location_name LIKE $zones",
        "location_name <> $hub, location_name",
        {"hub": HUB_NAME, "zones": ZONE_PREFIX + "%"},
    )


def fuel_now(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The latest fuel-mix snapshot: MW per fuel, largest first, with the marginal flag."""
    columns = "fuel_category, gen_mw, coalesce(is_marginal, false) AS is_marginal"
    return at_latest_interval(con, FUEL_MIX, columns, order="gen_mw DESC NULLS LAST, fuel_category")


# ---------------------------------------------------------------------------------------------------------------
# Zones, sparklines, heatmap


def zones_latest(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each zone's load at the zonal table's latest interval, in zone id order."""
    return at_latest_interval(con, ZONAL_LOAD_5MIN, "zone_id, zone_name, load_mw", order="zone_id")


def check_sparkline_hours(hours: int) -> int:
    """The sparkline window, validated: a whole number of hours in [1, 168]."""
    if not isinstance(hours, int) or not SPARKLINE_MIN_HOURS <= hours <= SPARKLINE_MAX_HOURS:
        raise ValueError(
            f"sparkline window {hours!r} h: must be a whole number of hours from {SPARKLINE_MIN_HOURS} "
            f"to {SPARKLINE_MAX_HOURS}"
        )
    return hours


def sparklines(con: duckdb.DuckDBPyConnection, hours: int) -> pl.DataFrame:
    """Per zone, the 5-minute loads of the `hours` hours up to the latest interval (hours × 12 points a zone),
    with `hours_ago` (0 = latest) as a DST-proof x axis."""
    hours = check_sparkline_hours(hours)
    latest = latest_interval(con, ZONAL_LOAD_5MIN)
    window_start = latest - timedelta(hours=hours)
    sql = f"""
        SELECT zone_id, zone_name, interval_begin_utc, load_mw,
               (epoch(?::TIMESTAMPTZ) - epoch(interval_begin_utc)) / 3600.0 AS hours_ago
        FROM {ZONAL_LOAD_5MIN.qualified_name}
        WHERE operating_day >= ? AND interval_begin_utc > ? AND interval_begin_utc <= ?
        ORDER BY zone_id, interval_begin_utc"""
    params = [latest, local_day(window_start), window_start, latest]
    return with_time_text(frame(con, sql, params))


def heatmap(con: duckdb.DuckDBPyConnection, days: int = HEATMAP_DAYS) -> pl.DataFrame:
    """Average system load per local hour (0–23) and weekday over the latest `days` operating days (and how many
    of them hold data, `days_with_data`).

    Buckets use the America/New_York wall clock: on a fall-back day both 01:00 hours (EDT and EST) land in
    hour 1; a spring-forward day has no hour 2."""
    last = local_day(latest_interval(con, SYSTEM_LOAD_5MIN))
    sql = f"""
        WITH local AS (
            SELECT timezone('{LOCAL_TZ}', interval_begin_utc) AS local_ts, load_mw
            FROM {SYSTEM_LOAD_5MIN.qualified_name} WHERE operating_day > ? AND load_mw IS NOT NULL)
        SELECT isodow(local_ts)::INTEGER AS weekday_number, hour(local_ts)::INTEGER AS local_hour,
               avg(load_mw) AS avg_mw, count(*)::INTEGER AS intervals,
               (SELECT count(DISTINCT local_ts::DATE) FROM local)::INTEGER AS days_with_data
        FROM local GROUP BY ALL ORDER BY ALL"""
    df = frame(con, sql, [last - timedelta(days=days)])
    names = pl.Series("weekday", WEEKDAYS)
    return df.with_columns(
        pl.col("weekday_number").map_elements(lambda n: names[n - 1], return_dtype=pl.Utf8).alias("weekday")
    )


# ---------------------------------------------------------------------------------------------------------------
# Prices


def price_day_default(con: duckdb.DuckDBPyConnection) -> date:
    """The latest operating day of the LMP mart (the Prices panel's default day)."""
    require(con, LMP_MART)
    [(day,)] = con.execute(f"SELECT max(operating_day) FROM {LMP_MART}").fetchall()
    if day is None:
        raise MissingData(f"{LMP_MART} holds no data yet")
    return day


_HUB_SERIES = ((LMP_DA_HOURLY, "DA hourly"), (LMP_RT_HOURLY, "RT hourly"), (LMP_RT_5MIN, "RT 5-min"))


def hub_prices(con: duckdb.DuckDBPyConnection, day: date) -> pl.DataFrame:
    """DA hourly, RT hourly and RT 5-minute LMP at the Hub over `day` (the series whose table exists)."""
    try:
        df = _hub_series(con, day, _HUB_SERIES)
    except duckdb.CatalogException:  # some LMP table not materialized yet: the others only
        df = _hub_series(con, day, [(t, label) for t, label in _HUB_SERIES if rules.table_exists(con, t)])
    if df.is_empty():
        raise MissingData(f"no Hub ({HUB_NAME}) price on {day.isoformat()}")
    return hours_since_day_start(with_time_text(df), day)


def _hub_series(con: duckdb.DuckDBPyConnection, day: date, series: Sequence[tuple[TableSchema, str]]) -> pl.DataFrame:
    if not series:
        raise MissingData("no LMP table is materialized yet")
    parts = [
        f"SELECT '{label}' AS series, interval_begin_utc, interval_end_utc, lmp FROM {table.qualified_name} "
        "WHERE operating_day = $day AND location_name = $hub"
        for table, label in series
    ]
    sql = " UNION ALL ".join(parts) + " ORDER BY series, interval_begin_utc"
    return frame(con, sql, {"day": day, "hub": HUB_NAME})


def top_spread(con: duckdb.DuckDBPyConnection, day: date, n: int = TOP_NODES) -> pl.DataFrame:
    """The `n` locations with the largest |DA − RT| average price on `day` (LMP mart)."""
    require(con, LMP_MART)
    sql = f"""
        SELECT location_name, location_type, da_avg, rt_avg, da_rt_spread FROM {LMP_MART}
        WHERE operating_day = ? AND da_rt_spread IS NOT NULL
        ORDER BY abs(da_rt_spread) DESC, location_name LIMIT ?"""
    return _non_empty(frame(con, sql, [day, n]), f"no DA–RT spread in {LMP_MART} on {day.isoformat()}")


def top_congestion(con: duckdb.DuckDBPyConnection, day: date, n: int = TOP_NODES) -> pl.DataFrame:
    """The `n` locations with the largest mean |RT congestion component| on `day`.

    The LMP mart keeps daily price statistics but no congestion column, so this reads the day's RT 5-minute
    components from std (one operating day: ~1,200 nodes × 288 intervals) and joins the mart's DA–RT spread."""
    require(con, LMP_RT_5MIN)
    spread = f"(SELECT location_id, da_rt_spread FROM {LMP_MART} WHERE operating_day = $day)"
    join = f"LEFT JOIN {spread} m USING (location_id)" if mart_exists(con, LMP_MART) else ""
    sql = f"""
        WITH rt AS (
            SELECT location_id, any_value(location_name) AS location_name, any_value(location_type) AS location_type,
                   avg(abs(congestion_component)) AS mean_abs_congestion,
                   max(abs(congestion_component)) AS max_abs_congestion
            FROM {LMP_RT_5MIN.qualified_name}
            WHERE operating_day = $day AND congestion_component IS NOT NULL GROUP BY 1)
        SELECT location_name, location_type, mean_abs_congestion, max_abs_congestion
               {", m.da_rt_spread" if join else ""}
        FROM rt {join} ORDER BY mean_abs_congestion DESC, location_name LIMIT $n"""
    df = con.execute(sql, {"day": day, "n": n}).pl()
    return _non_empty(df, f"no RT 5-minute congestion component on {day.isoformat()}")


def _non_empty(df: pl.DataFrame, message: str) -> pl.DataFrame:
    if df.is_empty():
        raise MissingData(message)
    return df


# ---------------------------------------------------------------------------------------------------------------
# Fuel mix


def fuel_day_default(con: duckdb.DuckDBPyConnection) -> date:
    """The latest operating day of the fuel-mix mart (the Fuel mix panel's default day)."""
    require(con, FUEL_MART)
    [(day,)] = con.execute(f"SELECT max(operating_day) FROM {FUEL_MART}").fetchall()
    if day is None:
        raise MissingData(f"{FUEL_MART} holds no data yet")
    return day


def fuel_mix_day(con: duckdb.DuckDBPyConnection, day: date) -> pl.DataFrame:
    """Every fuel-mix snapshot of `day`: MW per fuel, for the stacked area (a snapshot holds until the next)."""
    require(con, FUEL_MIX)
    sql = f"""
        SELECT interval_begin_utc, interval_end_utc, fuel_category, gen_mw, coalesce(is_marginal, false) AS is_marginal
        FROM {FUEL_MIX.qualified_name} WHERE operating_day = ? ORDER BY interval_begin_utc, fuel_category"""
    df = _non_empty(frame(con, sql, [day]), f"no fuel-mix snapshot on {day.isoformat()}")
    return hours_since_day_start(with_time_text(df), day)


def fuel_shares(con: duckdb.DuckDBPyConnection, day: date) -> pl.DataFrame:
    """The day's energy share per fuel from the fuel-mix mart, largest first."""
    require(con, FUEL_MART)
    sql = f"""
        SELECT fuel_category, avg_mw, energy_mwh, energy_share_pct, marginal_hours FROM {FUEL_MART}
        WHERE operating_day = ? ORDER BY energy_mwh DESC, fuel_category"""
    return _non_empty(frame(con, sql, [day]), f"no fuel-mix summary in {FUEL_MART} on {day.isoformat()}")


# ---------------------------------------------------------------------------------------------------------------
# Data health


def completeness_pct(con: duckdb.DuckDBPyConnection, ds: Dataset, day: date) -> float:
    """Share of the day's expected intervals present (DST aware: 276/288/300 five-minute, 23/24/25 hourly); for
    the fuel mix, whose snapshots are irregular, the share of the day's hours with at least one snapshot."""
    grain = ds.grain or rules.FUEL_MIX_SLOT
    start, _ = day_bounds_utc(day)
    sql = (
        f"SELECT count(DISTINCT floor((epoch(interval_begin_utc) - epoch(?::TIMESTAMPTZ)) / ?)) "
        f"FROM {ds.table.qualified_name} WHERE operating_day = ?"
    )
    [(present,)] = con.execute(sql, [start, grain.total_seconds(), day]).fetchall()
    return 100.0 * present / expected_intervals(day, grain)


def failing_rules(con: duckdb.DuckDBPyConnection, ds: Dataset, days: list[date], now: datetime) -> list[str]:
    """`rule [SEVERITY]: summary` of every rule of `isone-platform dq` that fails on `days`."""
    outcomes = rules.evaluate_rules(con, ds.name, days if ds.partitioned else None, now=now)
    return [f"{o.rule} [{o.severity}]: {o.summary}" for o in outcomes if not o.passed]


def data_health(con: duckdb.DuckDBPyConnection, now: datetime, last: int = HEALTH_DAYS) -> pl.DataFrame:
    """Per dataset: latest operating day, completeness (%) of each of the latest `last` days with data, and the
    failing data-quality rules — the same rule functions as `isone-platform dq` and the asset checks."""
    days = latest_days(con, last)
    rows = [_health_row(con, ds, days, now) for ds in DATASETS.values()]
    columns = ["dataset", "latest_day", *[d.isoformat() for d in days], "failing_rules"]
    return pl.DataFrame(rows, schema=columns, orient="row")


def _health_row(con: duckdb.DuckDBPyConnection, ds: Dataset, days: list[date], now: datetime) -> list[object]:
    if not rules.table_exists(con, ds.table):
        return [ds.table.name, None, *[None for _ in days], "table not materialized yet"]
    latest = rules.latest_day(con, ds.table)
    cells = [round(completeness_pct(con, ds, d), 1) if ds.partitioned else None for d in days]
    failing = failing_rules(con, ds, days, now)
    return [ds.table.name, latest.isoformat() if latest else None, *cells, "; ".join(failing) or "none"]
