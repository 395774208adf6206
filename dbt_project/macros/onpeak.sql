{#- ISO-NE on-peak / off-peak (the NERC / ISO-NE definition used for on-peak energy products):
    on-peak = hours ending 08-23, i.e. hour-beginning 07:00-22:59 local (America/New_York), Monday-Friday,
    excluding NERC holidays. Weekends and NERC holidays are off-peak all day.
    NERC holidays: New Year's Day (Jan 1), Memorial Day (last Monday of May), Independence Day (Jul 4),
    Labor Day (first Monday of September), Thanksgiving (fourth Thursday of November), Christmas (Dec 25);
    a holiday falling on a Sunday is observed on the Monday after (a Saturday holiday is not moved). -#}

{% macro is_nerc_holiday(d) -%}
    (
        (month({{ d }}) = 1 and day({{ d }}) = 1)
        or (month({{ d }}) = 1 and day({{ d }}) = 2 and isodow({{ d }}) = 1)
        or (month({{ d }}) = 5 and isodow({{ d }}) = 1 and day({{ d }}) >= 25)
        or (month({{ d }}) = 7 and day({{ d }}) = 4)
        or (month({{ d }}) = 7 and day({{ d }}) = 5 and isodow({{ d }}) = 1)
        or (month({{ d }}) = 9 and isodow({{ d }}) = 1 and day({{ d }}) <= 7)
        or (month({{ d }}) = 11 and isodow({{ d }}) = 4 and day({{ d }}) between 22 and 28)
        or (month({{ d }}) = 12 and day({{ d }}) = 25)
        or (month({{ d }}) = 12 and day({{ d }}) = 26 and isodow({{ d }}) = 1)
    )
{%- endmacro %}

{#- Whether an operating day has on-peak hours at all (a weekday that is not a NERC holiday). -#}
{% macro is_onpeak_day(d) -%}
    (isodow({{ d }}) between 1 and 5 and not {{ is_nerc_holiday(d) }})
{%- endmacro %}

{#- Whether the interval beginning at UTC `ts` is on-peak. -#}
{% macro is_onpeak(ts) -%}
    (
        {{ is_onpeak_day('cast(' ~ to_local(ts) ~ ' as date)') }}
        and hour({{ to_local(ts) }}) between 7 and 22
    )
{%- endmacro %}
