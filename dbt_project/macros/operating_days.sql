{#- The operating days a run rebuilds: vars min_date / max_date (YYYY-MM-DD, inclusive), set by Dagster from
    the run's partition range. Without them (a plain `dbt build` or a full refresh) every day. -#}

{% macro has_day_range() -%}
    {{ return(var('min_date', none) is not none and var('max_date', none) is not none) }}
{%- endmacro %}

{% macro day_filter(column='operating_day') -%}
    {%- if has_day_range() -%}
        {{ column }} between date '{{ var("min_date") }}' and date '{{ var("max_date") }}'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- `day_filter` widened `lookback_days` before min_date: the run's days plus the earlier days a model reads for
    history (e.g. earlier forecast issues). Without the vars, every day. -#}
{% macro lookback_day_filter(column, lookback_days) -%}
    {%- if has_day_range() -%}
        {{ column }} between date '{{ var("min_date") }}' - {{ lookback_days | int }} and date '{{ var("max_date") }}'
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
