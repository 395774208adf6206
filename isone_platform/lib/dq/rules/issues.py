"""Rules of the forecast feeds that keep every issue (vintage) of a forecast (`lib.feed.Issues`).

- `issues_complete` (ERROR): every issue covers what it must: each hour of the operating day (the system load
  forecast), or, for issues made on the day itself, each hour that begins after the issue (the zonal split), or
  each of its `horizon_days` market days (the seven-day forecast, partitioned by issue day); and a day that is
  over has at least one issue. ISO-NE publishes an issue whole, so a hole in one is a broken fetch, not a
  forecast still to come.
- `newest_issue_fresh` (WARN): an issue is due every day before `Issues.due_by` local time (ISO-NE's hourly
  forecast runs at about 04:00 and 09:15, the seven-day one at about 09:30): the partitions that today's (or,
  before the deadline, yesterday's) issues feed hold one.
- `forecast_zones_sum_to_system` (WARN): for each hour of each zonal issue, the 8 zones add up to the system
  forecast of the matching issue (the latest system issue made at most `ISSUE_MATCH_WINDOW` before it: the
  zonal run is published seconds to minutes after the system run) within `FORECAST_ZONES_TOLERANCE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import duckdb

from isone_platform.lib.dq.outcome import RuleOutcome, days_text, guarded, outcome
from isone_platform.lib.dq.sql import collect, date_sql, days_filter, interval_sql, quote, ts_sql
from isone_platform.lib.feed import Issues, Reports
from isone_platform.lib.partitions import ISONE_TZ, day_bounds_utc, today_operating_day
from isone_platform.lib.schemas import TableSchema

FORECAST_ZONES_TOLERANCE = 0.001
"""Relative: the 8 zonal forecasts of an hour sum to the system forecast within 0.1 % (real: within 0.002 MW)."""
ISSUE_MATCH_WINDOW = timedelta(minutes=15)
"""A zonal issue matches the latest system issue made at most this long before it (real: 4 s to 9 min later)."""
ONE_HOUR = timedelta(hours=1)


def _hours_cte(days: Sequence[date]) -> str:
    """`_dq_hours(operating_day, hour_begin_utc)`: every hour of each day (23/24/25, DST aware)."""
    spans = []
    for d in sorted(set(days)):
        start, end = day_bounds_utc(d)
        spans.append(f"({date_sql(d)}, {ts_sql(start)}, {ts_sql(end - ONE_HOUR)})")
    return (
        f"_dq_days(operating_day, first_hour, last_hour) AS (VALUES {', '.join(spans)}), "
        "_dq_hours AS (SELECT operating_day, unnest(generate_series(first_hour, last_hour, INTERVAL 1 HOUR)) "
        "AS hour_begin_utc FROM _dq_days)"
    )


def _hour_gaps_sql(schema: TableSchema, days: Sequence[date], issues: Issues, series: Sequence[str]) -> str:
    """(day, issue, series…, missing hours) of every issue lacking an hour it must cover."""
    col = quote(issues.column)
    keys = ", ".join(["operating_day", col, *(quote(c) for c in series)])
    must = "TRUE"
    if issues.covers == "rest_of_day":  # an issue made on the day covers only the hours that begin after it
        local_issue_day = f"CAST(timezone('{ISONE_TZ.key}', i.{col}) AS DATE)"
        must = f"(i.operating_day <> {local_issue_day} OR h.hour_begin_utc > i.{col})"
    return f"""
        WITH {_hours_cte(days)},
        _dq_issues AS (SELECT DISTINCT {keys} FROM {schema.qualified_name} WHERE {days_filter(schema, days)}),
        _dq_expected AS (SELECT i.*, h.hour_begin_utc FROM _dq_issues i JOIN _dq_hours h USING (operating_day)
                         WHERE {must}),
        _dq_missing AS (SELECT e.* FROM _dq_expected e ANTI JOIN {schema.qualified_name} t
                        ON t.operating_day = e.operating_day AND t.{col} = e.{col}
                        {"".join(f" AND t.{quote(c)} = e.{quote(c)}" for c in series)}
                        AND t.interval_begin_utc = e.hour_begin_utc)
        SELECT {keys}, count(*) AS missing_hours, min(hour_begin_utc) AS first_missing_utc
        FROM _dq_missing GROUP BY ALL"""


def _market_day_gaps_sql(schema: TableSchema, days: Sequence[date], issues: Issues) -> str:
    """(day, issue, market days, first, last) of every issue not covering exactly its next `horizon_days` days."""
    col, n = quote(issues.column), issues.horizon_days
    return f"""
        SELECT operating_day, {col}, count(DISTINCT market_day) AS market_days,
               min(market_day) AS first_market_day, max(market_day) AS last_market_day
        FROM {schema.qualified_name} WHERE {days_filter(schema, days)} GROUP BY ALL
        HAVING count(DISTINCT market_day) <> {n} OR min(market_day) <> operating_day + 1
            OR max(market_day) <> operating_day + {n}"""


def _days_without_issue(con: duckdb.DuckDBPyConnection, schema: TableSchema, days: Sequence[date], now: datetime):
    """The days that are over (by `now`) and hold no issue at all."""
    over = [d for d in days if day_bounds_utc(d)[1] <= now]
    if not over:
        return []
    present = {
        r[0]
        for r in con.execute(
            f"SELECT DISTINCT operating_day FROM {schema.qualified_name} WHERE {days_filter(schema, over)}"
        ).fetchall()
    }
    return sorted(set(over) - present)


@guarded("issues_complete", "ERROR")
def issues_complete(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    issues: Issues,
    series: Sequence[str] = (),
    now: datetime | None = None,
) -> RuleOutcome:
    """Every issue covers what `issues.covers` says, in every series; every day that is over has an issue."""
    rule = "issues_complete"
    assert days is not None, "issues_complete needs operating days"
    if issues.covers == "next_days":
        body, what = _market_day_gaps_sql(schema, days, issues), f"its {issues.horizon_days} market days"
    else:
        body, what = _hour_gaps_sql(schema, days, issues, series), _hours_text(issues)
    count, rows = collect(con, body, f"operating_day, {quote(issues.column)}")
    empty = _days_without_issue(con, schema, days, now or datetime.now(UTC))
    rows = [{"operating_day": d.isoformat(), "issue": "no issue at all"} for d in empty] + rows
    bad = count + len(empty)
    none_text = f"; no issue on {days_text(empty)}" if empty else ""
    return outcome(
        rule,
        schema,
        days,
        "ERROR",
        bad,
        rows[:20],
        f"every issue covers {what}",
        f"{count} issue(s) do not cover {what}{none_text}",
    )


def _hours_text(issues: Issues) -> str:
    if issues.covers == "rest_of_day":
        return "every hour of the day (issues of the day itself: every hour that begins after them)"
    return "every hour of the day"


def _due_day(issues: Issues, now: datetime) -> date:
    """The latest local day whose issue is due by `now`: today once `due_by` has passed, else yesterday."""
    today = today_operating_day(now)
    due = datetime.combine(today, issues.due_by, tzinfo=ISONE_TZ)
    return today if now >= due else today - timedelta(days=1)


def fed_partitions(issues: Issues, days: Sequence[date], now: datetime) -> tuple[date, list[date]]:
    """(the issue day due by `now`, the checked partitions from today on that its issues feed)."""
    due = _due_day(issues, now)
    first = max(due, today_operating_day(now))
    return due, [d for d in sorted(set(days)) if first <= d <= due + timedelta(days=issues.span_days)]


@guarded("newest_issue_fresh", "WARN")
def newest_issue_fresh(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    issues: Issues,
    now: datetime | None = None,
) -> RuleOutcome:
    """The partitions that the issue due by now feeds hold an issue made on its day or later."""
    rule = "newest_issue_fresh"
    now = now or datetime.now(UTC)
    due, fed = fed_partitions(issues, days or [], now)
    deadline = f"{issues.due_by:%H:%M}"
    if not fed:
        return outcome(rule, schema, days, "WARN", 0, [], "no current day among the checked days: not applicable", "")
    col = quote(issues.column)
    body = f"""
        WITH _dq_fed(operating_day) AS (VALUES {", ".join(f"({date_sql(d)})" for d in fed)})
        SELECT f.operating_day, max(t.{col}) AS newest_issue_utc FROM _dq_fed f
        LEFT JOIN {schema.qualified_name} t USING (operating_day) GROUP BY ALL
        HAVING max(t.{col}) IS NULL OR CAST(timezone('{ISONE_TZ.key}', max(t.{col})) AS DATE) < {date_sql(due)}"""
    count, rows = collect(con, body, "operating_day")
    return outcome(
        rule,
        schema,
        days,
        "WARN",
        count,
        rows,
        f"{days_text(fed)} hold an issue of {due.isoformat()} (due by {deadline} local)",
        f"{count} day(s) lack the issue of {due.isoformat()} (due by {deadline} local)",
    )


def _zone_sum_sql(schema: TableSchema, system: TableSchema, where: str, tolerance: float) -> str:
    """Zonal issue-hours whose 8 zones do not add up to the matching system issue (or lack a zone)."""
    return f"""
        WITH _dq_z AS (SELECT operating_day, interval_begin_utc, issued_at_utc, count(*) AS zones,
                              round(sum(load_mw), 3) AS zones_mw
                       FROM {schema.qualified_name} WHERE {where} GROUP BY ALL),
        _dq_s AS (SELECT operating_day, interval_begin_utc, issued_at_utc AS system_issued_at_utc,
                         load_mw AS system_mw FROM {system.qualified_name} WHERE {where}),
        _dq_m AS (SELECT z.*, s.system_issued_at_utc, s.system_mw FROM _dq_z z ASOF JOIN _dq_s s
                  ON z.operating_day = s.operating_day AND z.interval_begin_utc = s.interval_begin_utc
                  AND z.issued_at_utc >= s.system_issued_at_utc
                  WHERE z.issued_at_utc - s.system_issued_at_utc <= {interval_sql(ISSUE_MATCH_WINDOW)})
        SELECT *, round(zones_mw - system_mw, 3) AS difference_mw FROM _dq_m
        WHERE zones <> 8 OR zones_mw IS NULL OR system_mw IS NULL
           OR abs(zones_mw - system_mw) > {tolerance} * abs(system_mw)"""


@guarded("forecast_zones_sum_to_system", "WARN")
def forecast_zones_sum_to_system(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    system: TableSchema,
    tolerance: float = FORECAST_ZONES_TOLERANCE,
) -> RuleOutcome:
    """Per hour of each zonal issue, Σ zones = the matching system issue's forecast within `tolerance`."""
    rule = "forecast_zones_sum_to_system"
    where = days_filter(schema, days)
    count, rows = collect(con, _zone_sum_sql(schema, system, where, tolerance), "operating_day, interval_begin_utc")
    percent = f"{tolerance * 100:g} %"
    return outcome(
        rule,
        schema,
        days,
        "WARN",
        count,
        rows,
        f"the zones of every issue-hour sum to the matching system issue within {percent}",
        f"{count} issue-hour(s) where the zones differ from the matching system issue by more than {percent}",
    )


@guarded("reports_complete", "ERROR")
def reports_complete(
    con: duckdb.DuckDBPyConnection,
    schema: TableSchema,
    days: Sequence[date] | None,
    *,
    reports: Reports,
    now: datetime | None = None,
) -> RuleOutcome:
    """Every operating day that is over holds `reports.expected(day)` distinct reports; days not over pass."""
    rule = "reports_complete"
    now = now or datetime.now(UTC)
    over = [d for d in sorted(set(days or [])) if day_bounds_utc(d)[1] <= now]
    if not over:
        return outcome(rule, schema, days, "ERROR", 0, [], f"{days_text(days)}: not over yet", "")
    distinct = ", ".join(quote(c) for c in reports.columns)
    found = dict(
        con.execute(
            f"SELECT operating_day, count(DISTINCT ({distinct})) FROM {schema.qualified_name} "
            f"WHERE {days_filter(schema, over)} GROUP BY 1"
        ).fetchall()
    )
    rows = [
        {"operating_day": d.isoformat(), "reports": found.get(d, 0), "expected": reports.expected(d)}
        for d in over
        if found.get(d, 0) != reports.expected(d)
    ]
    return outcome(
        rule,
        schema,
        days,
        "ERROR",
        len(rows),
        rows[:20],
        f"every day that is over has its reports ({days_text(over)})",
        f"{len(rows)} day(s) without the expected number of reports",
    )
