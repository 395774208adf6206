{#- The operating days a run rebuilds, [first, last] as YYYY-MM-DD (inclusive), or none for every day:
    - vars min_date / max_date, for `dbt build` by hand;
    - else the environment variables ISONE_DBT_MIN_DATE / ISONE_DBT_MAX_DATE, which Dagster sets from the run's
      partition range, read only while executing. Why not --vars from Dagster: dbt throws its partial parse away
      whenever the command-line vars change (every run has its own days), and re-parses the whole project; a
      variable read only when `execute` is true is no part of the parse.
    Without either (a plain `dbt build` or a full refresh) every day. -#}
{% macro day_range() -%}
    {%- set first = var('min_date', none) -%}
    {%- set last = var('max_date', none) -%}
    {%- if (first is none or last is none) and execute -%}
        {%- set first = env_var('ISONE_DBT_MIN_DATE', '') or none -%}
        {%- set last = env_var('ISONE_DBT_MAX_DATE', '') or none -%}
    {%- endif -%}
    {{ return((first, last) if first is not none and last is not none else none) }}
{%- endmacro %}

{% macro has_day_range() -%}
    {{ return(day_range() is not none) }}
{%- endmacro %}

{% macro day_filter(column='operating_day') -%}
    {%- set days = day_range() -%}
    {%- if days is not none -%}
        {{ column }} between date '{{ days[0] }}' and date '{{ days[1] }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- `day_filter` widened `lookback_days` before the first day: the run's days plus the earlier days a model reads
    for history (e.g. earlier forecast issues). Without a day range, every day. -#}
{% macro lookback_day_filter(column, lookback_days) -%}
    {%- set days = day_range() -%}
    {%- if days is not none -%}
        {{ column }} between date '{{ days[0] }}' - {{ lookback_days | int }} and date '{{ days[1] }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- Local wall-clock time (TIMESTAMP) of a UTC TIMESTAMPTZ in ISO-NE's time zone. -#}
{% macro to_local(ts) -%}
    timezone('America/New_York', {{ ts }})
{%- endmacro %}

{#- ISO-8601 local time with its UTC offset, e.g. 2024-11-03T01:30:00-05:00 (unambiguous on the fall-back day). -#}
{% macro local_iso(ts) -%}
    case when {{ ts }} is not null then
        strftime({{ to_local(ts) }}, '%Y-%m-%dT%H:%M:%S')
        || case when epoch({{ to_local(ts) }}) < epoch({{ ts }}) then '-' else '+' end
        || lpad((abs(epoch({{ to_local(ts) }}) - epoch({{ ts }}))::bigint // 3600)::varchar, 2, '0')
        || ':'
        || lpad(((abs(epoch({{ to_local(ts) }}) - epoch({{ ts }}))::bigint % 3600) // 60)::varchar, 2, '0')
    end
{%- endmacro %}

{#- Number of intervals of `seconds` in an operating day, DST-aware: 288 / 276 / 300 five-minute intervals
    (24 / 23 / 25 hours) on normal / spring-forward / fall-back days. Local midnights, in UTC seconds. -#}
{% macro expected_intervals(day, seconds=300) -%}
    ((epoch(timezone('America/New_York', ({{ day }} + 1)::timestamp))
      - epoch(timezone('America/New_York', ({{ day }})::timestamp))) // {{ seconds }})::integer
{%- endmacro %}

{#- Length of an interval in hours. -#}
{% macro interval_hours(begin_ts, end_ts) -%}
    ((epoch({{ end_ts }}) - epoch({{ begin_ts }})) / 3600.0)
{%- endmacro %}
