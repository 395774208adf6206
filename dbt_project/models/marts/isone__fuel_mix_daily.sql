-- One row per operating day and fuel category (std.isone__fuel_mix). Each snapshot counts for its duration
-- (interval_end_utc - interval_begin_utc): averages are time-weighted, energy = MW x hours.
with snapshots as (
    select
        operating_day,
        fuel_category,
        fuel_category_rollup,
        gen_mw,
        coalesce(is_marginal, false) as is_marginal,
        {{ interval_hours('interval_begin_utc', 'interval_end_utc') }} as hours
    from {{ source('std', 'isone__fuel_mix') }}
    where {{ day_filter() }}
),

daily as (
    select
        operating_day,
        fuel_category,
        any_value(fuel_category_rollup) as fuel_category_rollup,
        cast(count(*) as integer) as snapshot_count,
        sum(hours) filter (where gen_mw is not null) as covered_hours,
        sum(gen_mw * hours) / nullif(sum(hours) filter (where gen_mw is not null), 0) as avg_mw,
        coalesce(sum(gen_mw * hours), 0) as energy_mwh,
        coalesce(sum(hours) filter (where is_marginal), 0) as marginal_hours
    from snapshots
    group by operating_day, fuel_category
)

select
    operating_day,
    fuel_category,
    fuel_category_rollup,
    snapshot_count,
    covered_hours,
    avg_mw,
    energy_mwh,
    100.0 * energy_mwh / nullif(sum(energy_mwh) over (partition by operating_day), 0) as energy_share_pct,
    marginal_hours
from daily
