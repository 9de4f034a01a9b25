{#- A daily series has no gap days: within each series (`series_columns`), every day from the first to the
    last day of the whole model is present exactly once. -#}
{% test complete_date_spine(model, column_name, series_columns=[]) %}
with bounds as (
    select min({{ column_name }}) as first_day, max({{ column_name }}) as last_day from {{ model }}
),

series as (
    select
        {% for col in series_columns %}{{ col }},{% endfor %}
        count(distinct {{ column_name }}) as days_present,
        count(*) as row_count
    from {{ model }}
    {% if series_columns %}group by {{ series_columns | join(', ') }}{% endif %}
)

select series.*
from series
cross join bounds
where series.days_present <> {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }} + 1
   or series.row_count <> series.days_present
{% endtest %}
