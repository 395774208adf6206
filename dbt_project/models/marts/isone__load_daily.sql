-- One row per operating day and area: the system (std.isone__system_load_5min) and each load zone
-- (std.isone__zonal_load_5min). Intervals with a null load are not counted.
with intervals as (
    select operating_day, 'SYSTEM' as area, 'system' as area_type, cast(null as integer) as zone_id,
           interval_begin_utc, interval_end_utc, load_mw
    from {{ source('std', 'isone__system_load_5min') }}
    where {{ day_filter() }} and load_mw is not null
    union all
    select operating_day, zone_name as area, 'zone' as area_type, zone_id,
           interval_begin_utc, interval_end_utc, load_mw
    from {{ source('std', 'isone__zonal_load_5min') }}
    where {{ day_filter() }} and load_mw is not null
),

ranked as (
    select *,
        row_number() over (partition by operating_day, area order by load_mw desc, interval_begin_utc) as peak_rank,
        row_number() over (partition by operating_day, area order by load_mw asc, interval_begin_utc) as pit_rank
    from intervals
),

daily as (
    select
        operating_day,
        area,
        any_value(area_type) as area_type,
        max(zone_id) as zone_id,
        max(load_mw) as peak_mw,
        min(interval_begin_utc) filter (where peak_rank = 1) as peak_interval_begin_utc,
        min(load_mw) as pit_mw,
        min(interval_begin_utc) filter (where pit_rank = 1) as pit_interval_begin_utc,
        avg(load_mw) as avg_mw,
        sum(load_mw * {{ interval_hours('interval_begin_utc', 'interval_end_utc') }}) as energy_mwh,
        count(distinct interval_begin_utc) as interval_count
    from ranked
    group by operating_day, area
)

select
    operating_day,
    area,
    area_type,
    zone_id,
    peak_mw,
    peak_interval_begin_utc,
    {{ local_iso('peak_interval_begin_utc') }} as peak_interval_begin_local,
    pit_mw,
    pit_interval_begin_utc,
    {{ local_iso('pit_interval_begin_utc') }} as pit_interval_begin_local,
    avg_mw,
    energy_mwh,
    cast(interval_count as integer) as interval_count,
    {{ expected_intervals('operating_day') }} as expected_intervals,
    round(100.0 * interval_count / {{ expected_intervals('operating_day') }}, 4) as completeness_pct
from daily
