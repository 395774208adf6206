-- One row per operating day and priced location: day-ahead (std.isone__lmp_da_hourly) and real-time 5-minute
-- (std.isone__lmp_rt_5min) LMP statistics. On-peak: see macros/onpeak.sql (hour-beginning 07-22 local,
-- Mon-Fri, not a NERC holiday). Intervals with a null LMP are not counted.
with da as (
    select
        operating_day,
        location_id,
        any_value(location_name) as location_name,
        any_value(location_type) as location_type,
        count(*) as da_hours,
        avg(lmp) as da_avg,
        avg(lmp) filter (where {{ is_onpeak('interval_begin_utc') }}) as da_onpeak_avg,
        avg(lmp) filter (where not {{ is_onpeak('interval_begin_utc') }}) as da_offpeak_avg
    from {{ source('std', 'isone__lmp_da_hourly') }}
    where {{ day_filter() }} and lmp is not null
    group by operating_day, location_id
),

rt_intervals as (
    select *,
        row_number() over (partition by operating_day, location_id order by lmp asc, interval_begin_utc) as min_rank,
        row_number() over (partition by operating_day, location_id order by lmp desc, interval_begin_utc) as max_rank
    from {{ source('std', 'isone__lmp_rt_5min') }}
    where {{ day_filter() }} and lmp is not null
),

rt as (
    select
        operating_day,
        location_id,
        any_value(location_name) as location_name,
        any_value(location_type) as location_type,
        count(*) as rt_intervals,
        avg(lmp) as rt_avg,
        avg(lmp) filter (where {{ is_onpeak('interval_begin_utc') }}) as rt_onpeak_avg,
        avg(lmp) filter (where not {{ is_onpeak('interval_begin_utc') }}) as rt_offpeak_avg,
        min(lmp) as rt_min,
        min(interval_begin_utc) filter (where min_rank = 1) as rt_min_interval_begin_utc,
        max(lmp) as rt_max,
        min(interval_begin_utc) filter (where max_rank = 1) as rt_max_interval_begin_utc,
        count(*) filter (where lmp < 0) as rt_negative_intervals
    from rt_intervals
    group by operating_day, location_id
)

select
    coalesce(da.operating_day, rt.operating_day) as operating_day,
    coalesce(da.location_id, rt.location_id) as location_id,
    coalesce(rt.location_name, da.location_name) as location_name,
    coalesce(rt.location_type, da.location_type) as location_type,
    {{ is_onpeak_day('coalesce(da.operating_day, rt.operating_day)') }} as is_onpeak_day,
    cast(coalesce(da.da_hours, 0) as integer) as da_hours,
    da.da_avg,
    da.da_onpeak_avg,
    da.da_offpeak_avg,
    cast(coalesce(rt.rt_intervals, 0) as integer) as rt_intervals,
    rt.rt_avg,
    rt.rt_onpeak_avg,
    rt.rt_offpeak_avg,
    rt.rt_min,
    rt.rt_min_interval_begin_utc,
    {{ local_iso('rt.rt_min_interval_begin_utc') }} as rt_min_interval_begin_local,
    rt.rt_max,
    rt.rt_max_interval_begin_utc,
    {{ local_iso('rt.rt_max_interval_begin_utc') }} as rt_max_interval_begin_local,
    cast(coalesce(rt.rt_negative_intervals, 0) as integer) as rt_negative_intervals,
    da.da_avg - rt.rt_avg as da_rt_spread
from da
full outer join rt
    on da.operating_day = rt.operating_day and da.location_id = rt.location_id
