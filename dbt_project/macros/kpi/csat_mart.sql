{#- CSAT per period of `grain` and breakdown (mart_csat_*). CSAT = 100 * satisfied / answered, where satisfied
    is top-2-box (4 or 5) of a 1-5 answer or 'good' of a Zendesk good/bad rating (REFERENCE §1); blanks and
    offered-but-unanswered ratings are not answers. 95% Wilson interval; change vs the previous period is
    significant by the pooled two-proportion z test. -#}
{% macro csat_mart(grain) -%}
with answers as (
    select * from {{ ref('fct_survey_responses') }}
    where metric = 'csat'
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
        count(case when sliced.is_satisfied then 1 end) as satisfied,
        count(case when sliced.scale = 'good/bad' then 1 end) as good_bad_responses
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
        coalesce(counted.satisfied, 0) as satisfied,
        coalesce(counted.good_bad_responses, 0) as good_bad_responses
    from periods
    cross join series
    left join counted
        on counted.period_start = periods.period_start
        and counted.dimension = series.dimension
        and counted.dimension_value = series.dimension_value
),

compared as (
    select
        filled.*,
        lag(responses) over (partition by dimension, dimension_value order by period_start) as previous_responses,
        lag(satisfied) over (partition by dimension, dimension_value order by period_start) as previous_satisfied
    from filled
),

final as (
    select
        period_start,
        period_end,
        dimension,
        dimension_value,
        cast(responses as integer) as responses,
        cast(satisfied as integer) as satisfied,
        cast(good_bad_responses as integer) as good_bad_responses,
        cast(case when responses > 0 then 100.0 * satisfied / responses end as double precision) as csat_pct,
        cast({{ cfm.wilson_bound('satisfied', 'responses', 'low') }} as double precision) as csat_ci_lower,
        cast({{ cfm.wilson_bound('satisfied', 'responses', 'high') }} as double precision) as csat_ci_upper,
        responses < {{ cfm.kpi_param('min_sample_size') }} as is_low_sample,
        cast(previous_responses as integer) as previous_responses,
        cast(case when previous_responses > 0 then 100.0 * previous_satisfied / previous_responses end
            as double precision) as previous_csat_pct,
        cast(
            case when responses > 0 and previous_responses > 0
                then 100.0 * satisfied / responses - 100.0 * previous_satisfied / previous_responses
            end as double precision
        ) as csat_change,
        {{ cfm.proportion_change_is_significant('satisfied', 'responses', 'previous_satisfied',
            'previous_responses') }} as is_csat_change_significant
    from compared
)

select * from final
{%- endmacro %}
