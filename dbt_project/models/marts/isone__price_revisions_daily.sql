-- One row per operating day, priced dataset and location: how much the final prices changed the preliminary ones.
-- Rows: every location in std.isone__price_revision_coverage (what each prelim -> final replacement compared),
-- also those with no revised interval. Changes: std.<dataset>_revisions (only the intervals whose values changed).
-- Means are over the compared intervals (an unchanged interval counts 0): sum(|final - prelim|) / intervals_compared.
-- A change from or to NULL has no size: it counts as revised (and in null_change_intervals) but adds 0.
--
-- ===== The revised datasets ==========================================================================================
-- One entry per priced dataset whose prelim -> final revisions are kept. Adding one (e.g. the reserve prices,
-- isone__reserve_prices_5min / _hourly with location reserve_zone_id) is one more entry here, its sources in
-- models/sources.yml and its name in PRICE_REVISION_DATASETS (isone_platform/defs/marts/checks.py); a value it has
-- that is not in `measures` yet (tmsr_clearing_price, ...) is a new measure, i.e. new columns (schema.yml, and a
-- --full-refresh of this mart).
--   dataset      the priced std table, as in the coverage table's `dataset`
--   revisions    its revisions table (prelim_<v> / final_<v> for each value v)
--   names        the std table the location names of locations without any revision are read from
--   location_id / location_name    the location columns of both
--   values       measure -> value column v; a measure the dataset lacks is null in its branch
{%- set price_revision_datasets = [
    {
        'dataset': 'isone__lmp_rt_5min',
        'revisions': 'isone__lmp_rt_5min_revisions',
        'names': 'isone__lmp_rt_5min',
        'location_id': 'location_id',
        'location_name': 'location_name',
        'values': {
            'lmp': 'lmp', 'energy': 'energy_component', 'congestion': 'congestion_component', 'loss': 'loss_component'
        },
    },
    {
        'dataset': 'isone__lmp_rt_hourly',
        'revisions': 'isone__lmp_rt_hourly_revisions',
        'names': 'isone__lmp_rt_hourly',
        'location_id': 'location_id',
        'location_name': 'location_name',
        'values': {
            'lmp': 'lmp', 'energy': 'energy_component', 'congestion': 'congestion_component', 'loss': 'loss_component'
        },
    },
] -%}
{#- The mart's measures, in column order; `lmp` also ranks the largest revision. -#}
{%- set measures = ['lmp', 'energy', 'congestion', 'loss'] -%}
-- =====================================================================================================================

with coverage as (
    select dataset, operating_day, location_id, intervals_compared, intervals_revised, compared_at_utc
    from {{ source('std', 'isone__price_revision_coverage') }}
    where {{ day_filter() }}
      and dataset in ({% for d in price_revision_datasets %}'{{ d.dataset }}'{{ ', ' if not loop.last }}{% endfor %})
),

revisions as (
    {%- for d in price_revision_datasets %}
    {% if not loop.first %}union all
    {% endif -%}
    select
        '{{ d.dataset }}' as dataset,
        operating_day,
        {{ d.location_id }} as location_id,
        {{ d.location_name }} as location_name,
        interval_begin_utc,
        final_fetched_at_utc,
        {%- for m in measures %}
        {%- if m in d['values'] %}
        prelim_{{ d['values'][m] }} as prelim_{{ m }},
        final_{{ d['values'][m] }} as final_{{ m }}{{ ',' if not loop.last }}
        {%- else %}
        cast(null as double) as prelim_{{ m }},
        cast(null as double) as final_{{ m }}{{ ',' if not loop.last }}
        {%- endif %}
        {%- endfor %}
    from {{ source('std', d.revisions) }}
    where {{ day_filter() }}
    {%- endfor %}
),

names as (
    {%- for d in price_revision_datasets %}
    {% if not loop.first %}union all
    {% endif -%}
    select '{{ d.dataset }}' as dataset, operating_day, {{ d.location_id }} as location_id,
           any_value({{ d.location_name }}) as location_name
    from {{ source('std', d.names) }}
    where {{ day_filter() }}
    group by operating_day, {{ d.location_id }}
    {%- endfor %}
),

changes as (
    select *,
        {%- for m in measures %}
        abs(final_{{ m }} - prelim_{{ m }}) as abs_change_{{ m }},
        {%- endfor %}
        ({% for m in measures %}(prelim_{{ m }} is null) <> (final_{{ m }} is null){{ ' or ' if not loop.last }}{% endfor %}) as null_change,
        row_number() over (
            partition by dataset, operating_day, location_id
            order by abs(final_lmp - prelim_lmp) desc nulls last, interval_begin_utc
        ) as change_rank
    from revisions
),

per_location as (
    select
        dataset,
        operating_day,
        location_id,
        any_value(location_name) as location_name,
        count(*) filter (where null_change) as null_change_intervals,
        {%- for m in measures %}
        sum(abs_change_{{ m }}) as sum_abs_change_{{ m }},
        max(abs_change_{{ m }}) as max_abs_change_{{ m }},
        {%- endfor %}
        min(interval_begin_utc) filter (where change_rank = 1) as largest_revision_interval_begin_utc,
        max(prelim_lmp) filter (where change_rank = 1) as largest_revision_prelim_lmp,
        max(final_lmp) filter (where change_rank = 1) as largest_revision_final_lmp,
        max(final_fetched_at_utc) as final_fetched_at_utc
    from changes
    group by dataset, operating_day, location_id
)

select
    c.operating_day,
    c.dataset,
    c.location_id,
    coalesce(r.location_name, n.location_name) as location_name,
    cast(c.intervals_compared as integer) as intervals_compared,
    cast(c.intervals_revised as integer) as intervals_revised,
    100.0 * c.intervals_revised / nullif(c.intervals_compared, 0) as revised_pct,
    cast(coalesce(r.null_change_intervals, 0) as integer) as null_change_intervals,
    {%- for m in measures %}
    coalesce(r.sum_abs_change_{{ m }}, 0) / nullif(c.intervals_compared, 0) as mean_abs_change_{{ m }},
    coalesce(r.max_abs_change_{{ m }}, 0) as max_abs_change_{{ m }},
    {%- endfor %}
    r.largest_revision_interval_begin_utc,
    {{ local_iso('r.largest_revision_interval_begin_utc') }} as largest_revision_interval_begin_local,
    r.largest_revision_prelim_lmp,
    r.largest_revision_final_lmp,
    coalesce(r.final_fetched_at_utc, c.compared_at_utc) as final_fetched_at_utc
from coverage as c
left join per_location as r
    on r.dataset = c.dataset and r.operating_day = c.operating_day and r.location_id = c.location_id
left join names as n
    on n.dataset = c.dataset and n.operating_day = c.operating_day and n.location_id = c.location_id
