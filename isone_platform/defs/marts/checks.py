"""Reconciliation checks: each mart agrees with the std tables it was built from, for the run's operating days.

Each check recomputes, with its own plain SQL on std, the counts and sums a mart must reproduce and compares them
key by key (missing or extra keys, counts exactly, sums within 1e-6 relative). They are blocking with severity
ERROR: a failure stops anything downstream of that mart in the run. Metadata: the number of keys compared and
failed, and the first offending rows as a markdown table.

The checks are partitioned like the marts and report one evaluation per operating day of the run they run in
(its partition range), so a check's Partitions tab shows each day's own result; a day that disagrees fails the
step, naming the mart, day, rule and count.
"""

import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import dagster as dg

from isone_platform.lib.dq.dagster import (
    Finding,
    check_outputs,
    findings_failure,
    target_materialization,
)
from isone_platform.lib.dq.render import markdown_table
from isone_platform.lib.partitions import operating_day_partitions
from isone_platform.lib.warehouse import DuckLakeResource, WarehouseNotFoundError

REL_TOL = 1e-6
MAX_ROWS_SHOWN = 10

Key = tuple
Fields = Mapping[str, Any]


@dataclass(frozen=True)
class Mismatch:
    key: Key
    problem: str


def _close(a: float | None, b: float | None, rel_tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=rel_tol, abs_tol=rel_tol)


def reconcile(
    expected: Mapping[Key, Fields],
    actual: Mapping[Key, Fields],
    *,
    exact: Sequence[str] = (),
    approx: Sequence[str] = (),
    rel_tol: float = REL_TOL,
) -> list[Mismatch]:
    """Compare `actual` (the mart) with `expected` (recomputed from std), key by key.

    A key only one side has is a mismatch; fields in `exact` must be equal, fields in `approx` equal within
    `rel_tol` (relative; the same absolute tolerance near zero). Returns the mismatches sorted by key.
    """
    problems: list[Mismatch] = []
    for key in sorted(set(expected) | set(actual), key=lambda k: tuple(str(v) for v in k)):
        if key not in actual:
            problems.append(Mismatch(key, "in std, missing from the mart"))
            continue
        if key not in expected:
            problems.append(Mismatch(key, "in the mart, not in std"))
            continue
        e, a = expected[key], actual[key]
        diffs = [f"{f}: mart {a[f]!r}, std {e[f]!r}" for f in exact if a[f] != e[f]]
        diffs += [f"{f}: mart {a[f]!r}, std {e[f]!r}" for f in approx if not _close(a[f], e[f], rel_tol)]
        if diffs:
            problems.append(Mismatch(key, "; ".join(diffs)))
    return problems


def _markdown(key_names: Sequence[str], problems: Sequence[Mismatch]) -> str:
    """The first mismatches as a markdown table: the key's columns, then the problem."""
    rows = ([*p.key, p.problem] for p in problems[:MAX_ROWS_SHOWN])
    return markdown_table([*key_names, "problem"], rows)


def _run_days(context: dg.AssetCheckExecutionContext) -> tuple[date, date]:
    key_range = context.partition_key_range
    return date.fromisoformat(key_range.start), date.fromisoformat(key_range.end)


def _query(warehouse: DuckLakeResource, sql: str, params: Sequence[Any]) -> list[tuple]:
    with warehouse.connect(read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def _day_result(
    context: dg.AssetCheckExecutionContext,
    day: date,
    rule: str,
    key_names: Sequence[str],
    expected: Mapping[Key, Fields],
    actual: Mapping[Key, Fields],
    **kw: Any,
) -> tuple[dg.AssetCheckEvaluation, list[Mismatch]]:
    """One day's reconciliation (keys start with the operating day) as that day's evaluation."""
    problems = reconcile(_of_day(expected, day), _of_day(actual, day), **kw)
    metadata: dict[str, Any] = {
        "operating_day": day.isoformat(),
        "keys_compared": len(set(_of_day(expected, day)) | set(_of_day(actual, day))),
        "keys_failed": len(problems),
        "count": len(problems),
        "rule": rule,
    }
    if problems:
        metadata["first_failures"] = dg.MetadataValue.md(_markdown(key_names, problems))
    key = context.check_specs[0].asset_key
    evaluation = dg.AssetCheckEvaluation(
        asset_key=key,
        check_name=context.check_specs[0].name,
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description=f"{len(problems)} key(s) disagree with std on {day}" if problems else f"agrees with std on {day}",
        metadata=metadata,
        partition=day.isoformat(),
        blocking=True,
        target_materialization_data=target_materialization(context.instance, key, day),
    )
    return evaluation, problems


def _of_day(rows: Mapping[Key, Fields], day: date) -> dict[Key, Fields]:
    return {k: v for k, v in rows.items() if k[0] == day}


def _results(
    context: dg.AssetCheckExecutionContext,
    rule: str,
    key_names: Sequence[str],
    expected: Mapping[Key, Fields],
    actual: Mapping[Key, Fields],
    **kw: Any,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    """One evaluation per operating day of the run; then, if any day disagrees, fail naming each such day (the
    check is blocking ERROR: nothing may read a mart that does not reproduce std)."""
    first, last = _run_days(context)
    findings = []
    key = context.check_specs[0].asset_key
    for i in range((last - first).days + 1):
        day = first + timedelta(days=i)
        evaluation, problems = _day_result(context, day, rule, key_names, expected, actual, **kw)
        yield evaluation
        if problems:
            findings.append(Finding(key, evaluation.check_name, day, len(problems), problems[0].problem))
    yield from check_outputs(context, [context.check_specs[0].key])
    if findings:
        raise findings_failure(f"{len(findings)} ERROR finding(s)", findings)


def _mart_check(table: str, rule: str) -> Callable[[Callable], dg.AssetChecksDefinition]:
    def decorate(fn: Callable) -> dg.AssetChecksDefinition:
        with warnings.catch_warnings():  # partitioned checks are a preview in Dagster 1.13: used deliberately
            warnings.simplefilter("ignore", dg.PreviewWarning)
            return dg.asset_check(
                asset=dg.AssetKey(["mart", table]),
                description=rule,
                blocking=True,
                partitions_def=operating_day_partitions,
                required_resource_keys={"warehouse"},  # the warehouse the marts were built in
            )(fn)

    return decorate


def _fetch(sql: str, context: dg.AssetCheckExecutionContext, key_len: int, fields: Sequence[str]) -> dict[Key, dict]:
    first, last = _run_days(context)
    try:
        rows = _query(context.resources.warehouse, sql, [first, last])
    except WarehouseNotFoundError:
        rows = []
    return {tuple(r[:key_len]): dict(zip(fields, r[key_len:], strict=True)) for r in rows}


# ---------------------------------------------------------------------------------------------------------------

LOAD_RULE = (
    "Per operating day and area, isone__load_daily's interval_count equals the intervals with a non-null load in "
    "std (system: isone__system_load_5min; zones: isone__zonal_load_5min) and energy_mwh equals their "
    "sum(load_mw x hours) within 1e-6 relative; no area is missing or extra."
)


@_mart_check("isone__load_daily", LOAD_RULE)
def load_daily_reconciles_with_std(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    fields = ["interval_count", "energy_mwh"]
    std = _fetch(
        """
        select operating_day, area, count(*),
               sum(load_mw * (epoch(interval_end_utc) - epoch(interval_begin_utc)) / 3600)
        from (
            select operating_day, 'SYSTEM' as area, interval_begin_utc, interval_end_utc, load_mw
            from std.isone__system_load_5min where load_mw is not null
            union all
            select operating_day, zone_name, interval_begin_utc, interval_end_utc, load_mw
            from std.isone__zonal_load_5min where load_mw is not null
        ) where operating_day between ? and ? group by all
        """,
        context,
        2,
        fields,
    )
    mart = _fetch(
        "select operating_day, area, interval_count, energy_mwh from mart.isone__load_daily "
        "where operating_day between ? and ?",
        context,
        2,
        fields,
    )
    yield from _results(
        context, LOAD_RULE, ["operating_day", "area"], std, mart, exact=["interval_count"], approx=["energy_mwh"]
    )


LMP_RULE = (
    "Per operating day, isone__lmp_daily has one row for every location priced (non-null LMP) day-ahead "
    "(isone__lmp_da_hourly) or real-time (isone__lmp_rt_5min) in std, and its da_hours / rt_intervals add up to "
    "the priced rows of std."
)


@_mart_check("isone__lmp_daily", LMP_RULE)
def lmp_daily_reconciles_with_std(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    fields = ["locations", "da_rows", "rt_rows"]
    std = _fetch(
        """
        select operating_day, count(distinct location_id), count(*) filter (where market = 'DA'),
               count(*) filter (where market = 'RT')
        from (
            select operating_day, location_id, 'DA' as market from std.isone__lmp_da_hourly where lmp is not null
            union all
            select operating_day, location_id, 'RT' from std.isone__lmp_rt_5min where lmp is not null
        ) where operating_day between ? and ? group by all
        """,
        context,
        1,
        fields,
    )
    mart = _fetch(
        "select operating_day, count(*), sum(da_hours), sum(rt_intervals) from mart.isone__lmp_daily "
        "where operating_day between ? and ? group by all",
        context,
        1,
        fields,
    )
    yield from _results(context, LMP_RULE, ["operating_day"], std, mart, exact=fields)


FUEL_RULE = (
    "Per operating day and fuel, isone__fuel_mix_daily's snapshot_count equals the snapshots in std "
    "(isone__fuel_mix) and energy_mwh equals sum(gen_mw x snapshot hours) within 1e-6 relative."
)


@_mart_check("isone__fuel_mix_daily", FUEL_RULE)
def fuel_mix_daily_reconciles_with_std(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    fields = ["snapshot_count", "energy_mwh"]
    std = _fetch(
        """
        select operating_day, fuel_category, count(*),
               coalesce(sum(gen_mw * (epoch(interval_end_utc) - epoch(interval_begin_utc)) / 3600), 0)
        from std.isone__fuel_mix where operating_day between ? and ? group by all
        """,
        context,
        2,
        fields,
    )
    mart = _fetch(
        "select operating_day, fuel_category, snapshot_count, energy_mwh from mart.isone__fuel_mix_daily "
        "where operating_day between ? and ?",
        context,
        2,
        fields,
    )
    yield from _results(
        context,
        FUEL_RULE,
        ["operating_day", "fuel_category"],
        std,
        mart,
        exact=["snapshot_count"],
        approx=["energy_mwh"],
    )


SYSTEM_VS_ZONAL_RULE = (
    "Per operating day, isone__system_vs_zonal_daily's intervals_compared equals the std intervals with both a "
    "non-null system load and at least one non-null zonal load."
)


@_mart_check("isone__system_vs_zonal_daily", SYSTEM_VS_ZONAL_RULE)
def system_vs_zonal_daily_reconciles_with_std(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    fields = ["intervals_compared"]
    std = _fetch(
        """
        select s.operating_day, count(*)
        from std.isone__system_load_5min s
        semi join (select interval_begin_utc from std.isone__zonal_load_5min where load_mw is not null) z
            using (interval_begin_utc)
        where s.load_mw is not null and s.operating_day between ? and ? group by all
        """,
        context,
        1,
        fields,
    )
    mart = _fetch(
        "select operating_day, intervals_compared from mart.isone__system_vs_zonal_daily "
        "where operating_day between ? and ?",
        context,
        1,
        fields,
    )
    yield from _results(context, SYSTEM_VS_ZONAL_RULE, ["operating_day"], std, mart, exact=fields)


FORECAST_ACCURACY_RULE = (
    "Per operating day, area and horizon bucket, isone__load_forecast_accuracy_daily's hours_compared equals the "
    "hours recomputed from std (for each hour the bucket's latest issue issued before the hour began, from "
    "isone__load_forecast_hourly / isone__load_forecast_zonal_hourly, against isone__load_hourly / the zone-day's "
    "one actual source: its RT isone__demand_hourly when complete for the day, else the hourly mean of "
    "isone__zonal_load_5min over hours with 12 non-null intervals if any, else the partial RT demand; non-null on "
    "both sides), actual_source names that source, and mae_mw and bias_mw equal mean(|f - a|) and mean(f - a) "
    "within 1e-6; no key is missing or extra."
)


@_mart_check("isone__load_forecast_accuracy_daily", FORECAST_ACCURACY_RULE)
def load_forecast_accuracy_daily_reconciles_with_std(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    fields = ["hours_compared", "actual_source", "mae_mw", "bias_mw"]
    # Written apart from the model: the issue used is found with a correlated max(issued_at_utc), not a window;
    # the zone-day's source with exists() on the candidates, hours of the day from the local midnights.
    std = _fetch(
        """
        with p as (select cast(? as date) as d0, cast(? as date) as d1),
        f as (
            select operating_day, 'SYSTEM' as area, 0 as k, interval_begin_utc, issued_at_utc, load_mw
            from std.isone__load_forecast_hourly where load_mw is not null
            union all
            select operating_day, zone_name, zone_id, interval_begin_utc, issued_at_utc, load_mw
            from std.isone__load_forecast_zonal_hourly where load_mw is not null
        ),
        b as (
            select *, ['same_day', 'day_ahead', 'two_days_ahead'][
                1 + (operating_day - cast(timezone('America/New_York', issued_at_utc) as date))] as bucket
            from f
            where operating_day between (select d0 from p) and (select d1 from p)
              and operating_day - cast(timezone('America/New_York', issued_at_utc) as date) between 0 and 2
        ),
        used as (
            select * from b
            where issued_at_utc < interval_begin_utc
              and issued_at_utc = (
                  select max(o.issued_at_utc) from b o
                  where o.area = b.area and o.bucket = b.bucket and o.interval_begin_utc = b.interval_begin_utc
                    and o.issued_at_utc < o.interval_begin_utc
              )
        ),
        rt as (
            select location_id as k, operating_day, interval_begin_utc, load_mw from std.isone__demand_hourly
            where market = 'RT' and load_mw is not null
              and operating_day between (select d0 from p) and (select d1 from p)
        ),
        est as (
            select zone_id as k, operating_day,
                   make_timestamptz(cast(floor(epoch(interval_begin_utc) / 3600) * 3600000000 as bigint))
                       as interval_begin_utc,
                   avg(load_mw) as load_mw
            from std.isone__zonal_load_5min
            where operating_day between (select d0 from p) and (select d1 from p)
            group by all having count(*) filter (where load_mw is not null) = 12
        ),
        rt_full as (
            select k, operating_day from rt group by all
            having count(*) = (epoch(timezone('America/New_York', (operating_day + 1)::timestamp))
                               - epoch(timezone('America/New_York', operating_day::timestamp))) / 3600
        ),
        zone_day as (
            select z.k, z.operating_day,
                   case when exists (select 1 from rt_full r where r.k = z.k and r.operating_day = z.operating_day)
                             then 'rt_demand'
                        when exists (select 1 from est e where e.k = z.k and e.operating_day = z.operating_day)
                             then 'estimated_zonal_load'
                        else 'rt_demand' end as source
            from (select k, operating_day from rt union select k, operating_day from est) z
        ),
        a as (
            select 0 as k, interval_begin_utc, load_mw, 'load_hourly' as source
            from std.isone__load_hourly where load_mw is not null
            union all
            select rt.k, rt.interval_begin_utc, rt.load_mw, zd.source
            from rt join zone_day zd on zd.k = rt.k and zd.operating_day = rt.operating_day
            where zd.source = 'rt_demand'
            union all
            select est.k, est.interval_begin_utc, est.load_mw, zd.source
            from est join zone_day zd on zd.k = est.k and zd.operating_day = est.operating_day
            where zd.source = 'estimated_zonal_load'
        )
        select used.operating_day, used.area, used.bucket, count(*), any_value(a.source),
               avg(abs(used.load_mw - a.load_mw)), avg(used.load_mw - a.load_mw)
        from used join a on a.k = used.k and a.interval_begin_utc = used.interval_begin_utc
        group by all
        """,
        context,
        3,
        fields,
    )
    mart = _fetch(
        "select operating_day, area, horizon_bucket, hours_compared, actual_source, mae_mw, bias_mw "
        "from mart.isone__load_forecast_accuracy_daily where operating_day between ? and ?",
        context,
        3,
        fields,
    )
    yield from _results(
        context,
        FORECAST_ACCURACY_RULE,
        ["operating_day", "area", "horizon_bucket"],
        std,
        mart,
        exact=["hours_compared", "actual_source"],
        approx=["mae_mw", "bias_mw"],
    )


SEVEN_DAY_OUTLOOK_RULE = (
    "Per issue day and market day, isone__seven_day_outlook has exactly the market days of the day's latest issue "
    "in std (isone__seven_day_forecast, the greatest issued_at_utc of the day) with that issue's time and peak load "
    "(within 1e-6), and issues_count equals the std issues of that market day up to the latest."
)


@_mart_check("isone__seven_day_outlook", SEVEN_DAY_OUTLOOK_RULE)
def seven_day_outlook_reconciles_with_std(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    fields = ["latest_issued_at_utc", "peak_load_mw", "issues_count"]
    std = _fetch(
        """
        with latest as (
            select operating_day, max(issued_at_utc) as issued_at_utc
            from std.isone__seven_day_forecast where operating_day between ? and ? group by all
        )
        select s.operating_day, s.market_day, s.issued_at_utc, s.peak_load_mw,
               (select count(*) from std.isone__seven_day_forecast h
                where h.market_day = s.market_day and h.operating_day <= s.operating_day
                  and h.issued_at_utc <= s.issued_at_utc)
        from std.isone__seven_day_forecast s join latest using (operating_day, issued_at_utc)
        """,
        context,
        2,
        fields,
    )
    mart = _fetch(
        "select operating_day, market_day, latest_issued_at_utc, peak_load_mw, issues_count "
        "from mart.isone__seven_day_outlook where operating_day between ? and ?",
        context,
        2,
        fields,
    )
    yield from _results(
        context,
        SEVEN_DAY_OUTLOOK_RULE,
        ["operating_day", "market_day"],
        std,
        mart,
        exact=["latest_issued_at_utc", "issues_count"],
        approx=["peak_load_mw"],
    )


PRICE_REVISION_DATASETS = {
    "isone__lmp_rt_5min": "isone__lmp_rt_5min_revisions",
    "isone__lmp_rt_hourly": "isone__lmp_rt_hourly_revisions",
}
"""The priced datasets isone__price_revisions_daily summarises -> their revisions tables (the model's
`price_revision_datasets`; a new one, e.g. the reserve prices, is added in both)."""

PRICE_REVISIONS_RULE = (
    "Per operating day and priced dataset (isone__lmp_rt_5min, isone__lmp_rt_hourly), isone__price_revisions_daily "
    "has one row per location of std.isone__price_revision_coverage, its intervals_compared add up to the coverage's, "
    "and its intervals_revised add up to the rows of the dataset's revisions table "
    "(std.isone__lmp_rt_5min_revisions / std.isone__lmp_rt_hourly_revisions) for that day."
)


@_mart_check("isone__price_revisions_daily", PRICE_REVISIONS_RULE)
def price_revisions_daily_reconciles_with_std(
    context: dg.AssetCheckExecutionContext,
) -> Iterator[dg.AssetCheckEvaluation | dg.Output]:
    fields = ["locations", "intervals_compared", "intervals_revised"]
    datasets = ", ".join(f"'{d}'" for d in PRICE_REVISION_DATASETS)
    revisions = "\n".join(
        f"union all select operating_day, '{d}', 0, 0, 1 from std.{t}" for d, t in PRICE_REVISION_DATASETS.items()
    )
    std = _fetch(
        f"""
        select operating_day, dataset, sum(locations), sum(compared), sum(revised)
        from (
            select operating_day, dataset, 1 as locations, intervals_compared as compared, 0 as revised
            from std.isone__price_revision_coverage where dataset in ({datasets})
            {revisions}
        ) where operating_day between ? and ? group by all
        """,
        context,
        2,
        fields,
    )
    mart = _fetch(
        "select operating_day, dataset, count(*), sum(intervals_compared), sum(intervals_revised) "
        "from mart.isone__price_revisions_daily where operating_day between ? and ? group by all",
        context,
        2,
        fields,
    )
    yield from _results(context, PRICE_REVISIONS_RULE, ["operating_day", "dataset"], std, mart, exact=fields)
