-- One row per issue day d (the operating day, the partition) and market day of d's latest seven-day forecast
-- issue (std.isone__seven_day_forecast, d+1 .. d+6): that issue's peak load, surplus and alerts, and how the
-- forecast for that market day moved across every issue up to and including d's latest. Earlier issues are read
-- from std (the 5 issue days before d can hold the same market day), whichever runs built them.
with issue_rows as (
    select *
    from {{ source('std', 'isone__seven_day_forecast') }}
    where {{ lookback_day_filter('operating_day', 5) }}
),

-- d's latest issue, one row per market day
latest as (
    select *
    from issue_rows
    where {{ day_filter() }}
    qualify issued_at_utc = max(issued_at_utc) over (partition by operating_day)
),

-- every issue up to and including d's latest that forecast the same market day
history as (
    select
        l.operating_day,
        l.market_day,
        h.issued_at_utc,
        h.peak_load_mw,
        h.surplus_deficiency_mw,
        row_number() over (partition by l.operating_day, l.market_day order by h.issued_at_utc) as first_rank,
        row_number() over (partition by l.operating_day, l.market_day order by h.issued_at_utc desc) as last_rank
    from latest as l
    inner join issue_rows as h
        on h.market_day = l.market_day
        and h.operating_day <= l.operating_day
        and h.issued_at_utc <= l.issued_at_utc
),

moves as (
    select
        operating_day,
        market_day,
        count(*) as issues_count,
        min(issued_at_utc) as first_issued_at_utc,
        max(peak_load_mw) filter (where first_rank = 1) as first_peak_load_mw,
        min(peak_load_mw) as peak_load_min_mw,
        max(peak_load_mw) as peak_load_max_mw,
        max(issued_at_utc) filter (where last_rank = 2) as previous_issued_at_utc,
        max(peak_load_mw) filter (where last_rank = 2) as previous_peak_load_mw,
        max(surplus_deficiency_mw) filter (where first_rank = 1) as first_surplus_deficiency_mw,
        min(surplus_deficiency_mw) as surplus_deficiency_min_mw,
        max(surplus_deficiency_mw) as surplus_deficiency_max_mw,
        max(surplus_deficiency_mw) filter (where last_rank = 2) as previous_surplus_deficiency_mw
    from history
    group by operating_day, market_day
)

select
    l.operating_day,
    l.market_day,
    l.horizon_days,
    l.issued_at_utc as latest_issued_at_utc,
    {{ local_iso('l.issued_at_utc') }} as latest_issued_at_local,
    l.peak_load_mw,
    l.surplus_deficiency_mw,
    l.total_available_gen_import_mw,
    l.load_plus_required_reserve_mw,
    cast(m.issues_count as integer) as issues_count,
    m.first_issued_at_utc,
    m.first_peak_load_mw,
    l.peak_load_mw - m.first_peak_load_mw as peak_load_change_mw,
    m.peak_load_min_mw,
    m.peak_load_max_mw,
    m.previous_issued_at_utc,
    m.previous_peak_load_mw,
    l.peak_load_mw - m.previous_peak_load_mw as peak_load_change_since_previous_mw,
    m.first_surplus_deficiency_mw,
    l.surplus_deficiency_mw - m.first_surplus_deficiency_mw as surplus_deficiency_change_mw,
    m.surplus_deficiency_min_mw,
    m.surplus_deficiency_max_mw,
    m.previous_surplus_deficiency_mw,
    l.surplus_deficiency_mw - m.previous_surplus_deficiency_mw as surplus_deficiency_change_since_previous_mw,
    coalesce(l.power_watch, false) as power_watch,
    coalesce(l.power_warn, false) as power_warn,
    coalesce(l.cold_weather_watch, false) as cold_weather_watch,
    coalesce(l.cold_weather_warn, false) as cold_weather_warn,
    coalesce(l.cold_weather_event, false) as cold_weather_event,
    nullif(
        concat_ws(
            ', ',
            case when l.power_watch then 'power_watch' end,
            case when l.power_warn then 'power_warn' end,
            case when l.cold_weather_watch then 'cold_weather_watch' end,
            case when l.cold_weather_warn then 'cold_weather_warn' end,
            case when l.cold_weather_event then 'cold_weather_event' end
        ),
        ''
    ) as alerts
from latest as l
inner join moves as m
    on m.operating_day = l.operating_day and m.market_day = l.market_day
