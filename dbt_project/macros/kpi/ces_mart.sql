{#- CES per period of `grain` and breakdown (mart_ces_*). CES 2.0 = mean of the 1-7 answers (higher is easier,
    REFERENCE §1) with a 95% t-interval mean +- t(0.975, n-1) * s / sqrt(n) (seed t_distribution; needs n >= 2).
    Change vs the previous period is significant when |diff| > 1.96 sqrt(s1^2/n1 + s2^2/n2). -#}
{% macro ces_mart(grain) -%}
with answers as (
    select * from {{ ref('fct_survey_responses') }}
    where metric = 'ces'
),

segmented as (
    {{ cfm.with_customer_segment('answers') }}
),

calendar as (
    {{ cfm.kpi_calendar(grain) }}
),

periods as (
    select distinct period_start, period_end from calendar
),

sliced as (
    {{ cfm.slice_rows('segmented') }}
),

series as (
    select distinct dimension, dimension_value from sliced
),

counted as (
    select
        calendar.period_start,
        sliced.dimension,
        sliced.dimension_value,
        count(*) as responses,
        avg(1.0 * sliced.score) as ces_mean,
        stddev_samp(1.0 * sliced.score) as ces_stddev
    from sliced
    inner join calendar on calendar.date_day = sliced.response_date
    group by calendar.period_start, sliced.dimension, sliced.dimension_value
),

filled as (
    select
        periods.period_start,
        periods.period_end,
        series.dimension,
        series.dimension_value,
        coalesce(counted.responses, 0) as responses,
        counted.ces_mean,
        counted.ces_stddev
    from periods
    cross join series
    left join counted
        on counted.period_start = periods.period_start
        and counted.dimension = series.dimension
        and counted.dimension_value = series.dimension_value
),

with_t as (
    select
        filled.*,
        {{ cfm.t_975('filled.responses - 1', 't_table.t_975') }} as t_critical
    from filled
    left join {{ ref('t_distribution') }} as t_table
        on t_table.degrees_of_freedom = filled.responses - 1
),

compared as (
    select
        with_t.*,
        lag(responses) over (partition by dimension, dimension_value order by period_start) as previous_responses,
        lag(ces_mean) over (partition by dimension, dimension_value order by period_start) as previous_ces_mean,
        lag(ces_stddev) over (partition by dimension, dimension_value order by period_start)
            as previous_ces_stddev
    from with_t
),

final as (
    select
        period_start,
        period_end,
        dimension,
        dimension_value,
        cast(responses as integer) as responses,
        cast(ces_mean as double precision) as ces_mean,
        cast(ces_stddev as double precision) as ces_stddev,
        cast(case when responses > 1 then ces_mean - t_critical * ces_stddev / sqrt(responses) end
            as double precision) as ces_ci_lower,
        cast(case when responses > 1 then ces_mean + t_critical * ces_stddev / sqrt(responses) end
            as double precision) as ces_ci_upper,
        responses < {{ cfm.kpi_param('min_sample_size') }} as is_low_sample,
        cast(previous_responses as integer) as previous_responses,
        cast(previous_ces_mean as double precision) as previous_ces_mean,
        cast(ces_mean - previous_ces_mean as double precision) as ces_change,
        {{ cfm.mean_change_is_significant('ces_mean', 'ces_stddev', 'responses',
            'previous_ces_mean', 'previous_ces_stddev', 'previous_responses') }} as is_ces_change_significant
    from compared
)

select * from final
{%- endmacro %}
