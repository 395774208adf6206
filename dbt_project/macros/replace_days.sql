{#- Incremental strategy `replace_days`: replace exactly the operating days of the run.
    With a day range (`day_range()`, macros/operating_days.sql) it deletes every row of the range (also days
    that no longer have source rows) and inserts the new rows; without one it replaces the whole table. dbt runs the DELETE and
    the INSERT in one transaction, so DuckLake readers see the old days or the new ones. -#}
{% macro get_incremental_replace_days_sql(arg_dict) -%}
    {%- set target = arg_dict["target_relation"] -%}
    {%- set source = arg_dict["temp_relation"] -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict["dest_columns"] | map(attribute="name")) -%}
    delete from {{ target }} where {{ day_filter('operating_day') }};
    insert into {{ target }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ source }} where {{ day_filter('operating_day') }}
{%- endmacro %}
