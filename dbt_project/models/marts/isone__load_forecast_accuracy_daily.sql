-- One row per operating day, area and horizon bucket: how well ISO-NE's hourly load forecast did.
-- Areas: the system (std.isone__load_forecast_hourly vs std.isone__load_hourly.load_mw) and each load zone
-- (std.isone__load_forecast_zonal_hourly vs the zone's actual). A zone-day's actual is ONE source (actual_source):
-- its real-time demand (std.isone__demand_hourly market 'RT', ~3 business days late) when that has every hour of the
-- day; else the estimated zonal load (std.isone__zonal_load_5min: load_mw averaged over the hour's 12 five-minute
-- intervals, hours with all 12 non-null only) when it has any such hour; else the partial real-time demand.
-- Buckets by the issue's local (America/New_York) date: same_day (d), day_ahead (d-1), two_days_ahead (d-2);
-- older issues are left out. For each hour, a bucket's forecast is its latest issue issued strictly before the
-- hour began. Forecasts and actuals with a null load are left out; rows only where some hour was compared.
with forecast_rows as (
    select operating_day, 'SYSTEM' as area, 'system' as area_type, cast(null as integer) as zone_id,
           0 as area_key, interval_begin_utc, issued_at_utc, load_mw
    from {{ source('std', 'isone__load_forecast_hourly') }}
    where {{ day_filter() }} and load_mw is not null
    union all
    select operating_day, zone_name as area, 'zone' as area_type, zone_id,
           zone_id as area_key, interval_begin_utc, issued_at_utc, load_mw
    from {{ source('std', 'isone__load_forecast_zonal_hourly') }}
    where {{ day_filter() }} and load_mw is not null
),

bucketed as (
    select *,
        case date_diff('day', cast({{ to_local('issued_at_utc') }} as date), operating_day)
            when 0 then 'same_day'
            when 1 then 'day_ahead'
            when 2 then 'two_days_ahead'
        end as horizon_bucket
    from forecast_rows
),

issues as (
    select operating_day, area, horizon_bucket, count(distinct issued_at_utc) as issues_in_bucket
    from bucketed
    where horizon_bucket is not null
    group by operating_day, area, horizon_bucket
),

-- the forecast of each hour and bucket: the bucket's latest issue issued before the hour began
latest as (
    select *
    from bucketed
    where horizon_bucket is not null and issued_at_utc < interval_begin_utc
    qualify row_number() over (
        partition by operating_day, area, horizon_bucket, interval_begin_utc order by issued_at_utc desc
    ) = 1
),

-- the zones' candidate actuals: real-time demand, and the hourly mean of the estimated 5-minute zonal load
zone_candidates as (
    select operating_day, location_id as area_key, interval_begin_utc, load_mw as actual_mw,
           'rt_demand' as actual_source
    from {{ source('std', 'isone__demand_hourly') }}
    where {{ day_filter() }} and market = 'RT' and load_mw is not null
    union all
    select operating_day, zone_id as area_key,
           to_timestamp(floor(epoch(interval_begin_utc) / 3600) * 3600) as interval_begin_utc,
           avg(load_mw) as actual_mw,
           'estimated_zonal_load' as actual_source
    from {{ source('std', 'isone__zonal_load_5min') }}
    where {{ day_filter() }}
    group by operating_day, zone_id, to_timestamp(floor(epoch(interval_begin_utc) / 3600) * 3600)
    having count(load_mw) = 12
),

-- one source per zone-day: RT demand with the whole day, else the estimate, else the partial RT demand
zone_sources as (
    select
        operating_day,
        area_key,
        case
            when count(*) filter (where actual_source = 'rt_demand')
                = {{ expected_intervals('operating_day', 3600) }} then 'rt_demand'
            when count(*) filter (where actual_source = 'estimated_zonal_load') > 0 then 'estimated_zonal_load'
            else 'rt_demand'
        end as actual_source
    from zone_candidates
    group by operating_day, area_key
),

actuals as (
    select operating_day, 0 as area_key, interval_begin_utc, load_mw as actual_mw, 'load_hourly' as actual_source
    from {{ source('std', 'isone__load_hourly') }}
    where {{ day_filter() }} and load_mw is not null
    union all
    select c.operating_day, c.area_key, c.interval_begin_utc, c.actual_mw, c.actual_source
    from zone_candidates as c
    inner join zone_sources as s
        on s.operating_day = c.operating_day and s.area_key = c.area_key and s.actual_source = c.actual_source
),

compared as (
    select
        f.operating_day,
        f.area,
        f.area_type,
        f.zone_id,
        f.horizon_bucket,
        a.actual_source,
        f.interval_begin_utc,
        f.load_mw - a.actual_mw as error_mw,
        abs(f.load_mw - a.actual_mw) / nullif(abs(a.actual_mw), 0) as abs_pct_error,
        {{ interval_hours('f.issued_at_utc', 'f.interval_begin_utc') }} as horizon_hours
    from latest as f
    inner join actuals as a
        on a.operating_day = f.operating_day
        and a.area_key = f.area_key
        and a.interval_begin_utc = f.interval_begin_utc
),

ranked as (
    select *,
        row_number() over (
            partition by operating_day, area, horizon_bucket order by abs(error_mw) desc, interval_begin_utc
        ) as error_rank
    from compared
),

daily as (
    select
        operating_day,
        area,
        horizon_bucket,
        any_value(area_type) as area_type,
        max(zone_id) as zone_id,
        any_value(actual_source) as actual_source,
        count(*) as hours_compared,
        avg(abs(error_mw)) as mae_mw,
        100.0 * avg(abs_pct_error) as mape_pct,
        avg(error_mw) as bias_mw,
        max(abs(error_mw)) as max_abs_error_mw,
        min(interval_begin_utc) filter (where error_rank = 1) as max_abs_error_interval_begin_utc,
        avg(horizon_hours) as mean_horizon_hours
    from ranked
    group by operating_day, area, horizon_bucket
)

select
    d.operating_day,
    d.area,
    d.area_type,
    d.zone_id,
    d.horizon_bucket,
    d.actual_source,
    cast(i.issues_in_bucket as integer) as issues_in_bucket,
    cast(d.hours_compared as integer) as hours_compared,
    {{ expected_intervals('d.operating_day', 3600) }} as expected_hours,
    d.mae_mw,
    d.mape_pct,
    d.bias_mw,
    d.max_abs_error_mw,
    d.max_abs_error_interval_begin_utc,
    {{ local_iso('d.max_abs_error_interval_begin_utc') }} as max_abs_error_interval_begin_local,
    d.mean_horizon_hours
from daily as d
inner join issues as i
    on i.operating_day = d.operating_day and i.area = d.area and i.horizon_bucket = d.horizon_bucket
