{#- Generic data tests (no dbt packages: the project stays offline). Each returns the offending rows. -#}

{% test unique_combination(model, columns) %}
    select {{ columns | join(', ') }}, count(*) as n
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{% test value_between(model, column_name, min_value=none, max_value=none) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
      and ({% if min_value is not none %}{{ column_name }} < {{ min_value }}{% else %}false{% endif %}
           or {% if max_value is not none %}{{ column_name }} > {{ max_value }}{% else %}false{% endif %})
{% endtest %}

{% test expression_is_true(model, expression) %}
    select * from {{ model }} where not ({{ expression }})
{% endtest %}

{#- `column` takes one value (nulls aside) within each group of `group_by`. -#}
{% test one_value_per_group(model, column, group_by) %}
    select {{ group_by | join(', ') }}, count(distinct {{ column }}) as n
    from {{ model }}
    group by {{ group_by | join(', ') }}
    having count(distinct {{ column }}) > 1
{% endtest %}
