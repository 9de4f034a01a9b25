{#- Return rate and top return reasons per period of `grain` and product (plus an 'all' row per period)
    (mart_returns_*). Return rate = 100 * returned units / units sold, both dated by their own day (return
    requested, sale); declined returns sent nothing back and are not returned units. The top three reasons are
    ranked by returned units (ties: reason code). -#}
{% macro returns_mart(grain) -%}
{%- set dimensions = [('all', "'all'"), ('product', 'product_id')] -%}
with sales as (
    select sale_date as event_date, product_id, units, orders
    from {{ ref('stg_sales__product_sales_daily') }}
),

return_lines as (
    select requested_date as event_date, product_id, quantity, is_counted_as_returned, reason_code
    from {{ ref('fct_returns') }}
),

calendar as (
    {{ cfm.kpi_calendar(grain) }}
),

periods as (
    select distinct period_start, period_end from calendar
),

sliced_sales as (
    {{ cfm.slice_rows('sales', dimensions) }}
),

sliced_returns as (
    {{ cfm.slice_rows('return_lines', dimensions) }}
),

series as (
    select dimension, dimension_value from sliced_sales
    union
    select dimension, dimension_value from sliced_returns
),

sold as (
    select
        calendar.period_start,
        sliced_sales.dimension,
        sliced_sales.dimension_value,
        sum(sliced_sales.units) as units_sold,
        sum(sliced_sales.orders) as orders
    from sliced_sales
    inner join calendar on calendar.date_day = sliced_sales.event_date
    group by calendar.period_start, sliced_sales.dimension, sliced_sales.dimension_value
),

returned as (
    select
        calendar.period_start,
        sliced_returns.dimension,
        sliced_returns.dimension_value,
        count(*) as return_lines,
        sum(case when sliced_returns.is_counted_as_returned then sliced_returns.quantity else 0 end)
            as returned_units,
        sum(case when not sliced_returns.is_counted_as_returned then sliced_returns.quantity else 0 end)
            as declined_units
    from sliced_returns
    inner join calendar on calendar.date_day = sliced_returns.event_date
    group by calendar.period_start, sliced_returns.dimension, sliced_returns.dimension_value
),

reasons as (
    select
        calendar.period_start,
        sliced_returns.dimension,
        sliced_returns.dimension_value,
        sliced_returns.reason_code,
        sum(sliced_returns.quantity) as reason_units
    from sliced_returns
    inner join calendar on calendar.date_day = sliced_returns.event_date
    where sliced_returns.is_counted_as_returned
    group by calendar.period_start, sliced_returns.dimension, sliced_returns.dimension_value,
        sliced_returns.reason_code
),

ranked_reasons as (
    select
        reasons.*,
        row_number() over (
            partition by period_start, dimension, dimension_value order by reason_units desc, reason_code
        ) as reason_rank
    from reasons
),

filled as (
    select
        periods.period_start,
        periods.period_end,
        series.dimension,
        series.dimension_value,
        coalesce(sold.units_sold, 0) as units_sold,
        coalesce(sold.orders, 0) as orders,
        coalesce(returned.return_lines, 0) as return_lines,
        coalesce(returned.returned_units, 0) as returned_units,
        coalesce(returned.declined_units, 0) as declined_units
    from periods
    cross join series
    left join sold
        on sold.period_start = periods.period_start
        and sold.dimension = series.dimension
        and sold.dimension_value = series.dimension_value
    left join returned
        on returned.period_start = periods.period_start
        and returned.dimension = series.dimension
        and returned.dimension_value = series.dimension_value
),

final as (
    select
        filled.period_start,
        filled.period_end,
        filled.dimension,
        filled.dimension_value,
        cast(filled.units_sold as integer) as units_sold,
        cast(filled.orders as integer) as orders,
        cast(filled.return_lines as integer) as return_lines,
        cast(filled.returned_units as integer) as returned_units,
        cast(filled.declined_units as integer) as declined_units,
        cast(case when filled.units_sold > 0 then 100.0 * filled.returned_units / filled.units_sold end
            as double precision) as return_rate_pct,
        {%- for rank in [1, 2, 3] %}
        reason_{{ rank }}.reason_code as top_reason_{{ rank }},
        cast(reason_{{ rank }}.reason_units as integer) as top_reason_{{ rank }}_units{{ ',' if not loop.last }}
        {%- endfor %}
    from filled
    {%- for rank in [1, 2, 3] %}
    left join ranked_reasons as reason_{{ rank }}
        on reason_{{ rank }}.period_start = filled.period_start
        and reason_{{ rank }}.dimension = filled.dimension
        and reason_{{ rank }}.dimension_value = filled.dimension_value
        and reason_{{ rank }}.reason_rank = {{ rank }}
    {%- endfor %}
)

select * from final
{%- endmacro %}
