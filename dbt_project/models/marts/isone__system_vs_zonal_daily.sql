-- One row per operating day: the system load (std.isone__system_load_5min) against the sum of the zonal loads
-- (std.isone__zonal_load_5min), compared interval by interval where both have a non-null load.
with zones as (
    select operating_day, interval_begin_utc, sum(load_mw) as zones_mw, count(*) as zone_count
    from {{ source('std', 'isone__zonal_load_5min') }}
    where {{ day_filter() }} and load_mw is not null
    group by operating_day, interval_begin_utc
),

compared as (
    select
        s.operating_day,
        s.interval_begin_utc,
        s.load_mw as system_mw,
        z.zones_mw,
        z.zone_count,
        z.zones_mw - s.load_mw as diff_mw
    from {{ source('std', 'isone__system_load_5min') }} as s
    join zones as z
        on z.operating_day = s.operating_day and z.interval_begin_utc = s.interval_begin_utc
    where {{ day_filter('s.operating_day') }} and s.load_mw is not null
),

ranked as (
    select *, row_number() over (partition by operating_day order by abs(diff_mw) desc, interval_begin_utc) as diff_rank
    from compared
)

select
    operating_day,
    cast(count(*) as integer) as intervals_compared,
    {{ expected_intervals('operating_day') }} as expected_intervals,
    cast(min(zone_count) as integer) as min_zone_count,
    max(abs(diff_mw)) as max_abs_diff_mw,
    min(interval_begin_utc) filter (where diff_rank = 1) as max_abs_diff_interval_begin_utc,
    {{ local_iso('min(interval_begin_utc) filter (where diff_rank = 1)') }} as max_abs_diff_interval_begin_local,
    avg(diff_mw) as mean_diff_mw,
    avg(100.0 * diff_mw / nullif(system_mw, 0)) as mean_diff_pct
from ranked
group by operating_day
