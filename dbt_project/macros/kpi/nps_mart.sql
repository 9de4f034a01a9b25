{#- NPS per period of `grain` and breakdown (mart_nps_daily / _weekly / _monthly). REFERENCE §1: blanks are not
    answers (fct_survey_responses holds answered questions only); NPS = 100 (P - D) / n, unadjusted;
    95% CI = NPS +- 1.96 sqrt(Var) with the adjusted-Wald Var; change vs the previous period is significant when
    |diff| > 1.96 sqrt(Var1 + Var2). Every period of the calendar is present for every breakdown. -#}
{% macro nps_mart(grain) -%}
with answers as (
    select * from {{ ref('fct_survey_responses') }}
    where metric = 'nps'
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
        count(case when sliced.nps_category = 'promoter' then 1 end) as promoters,
        count(case when sliced.nps_category = 'passive' then 1 end) as passives,
        count(case when sliced.nps_category = 'detractor' then 1 end) as detractors
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
        coalesce(counted.promoters, 0) as promoters,
        coalesce(counted.passives, 0) as passives,
        coalesce(counted.detractors, 0) as detractors
    from periods
    cross join series
    left join counted
        on counted.period_start = periods.period_start
        and counted.dimension = series.dimension
        and counted.dimension_value = series.dimension_value
),

scored as (
    select
        filled.*,
        {{ cfm.nps('promoters', 'detractors', 'responses') }} as nps,
        {{ cfm.nps_variance('promoters', 'detractors', 'responses') }} as nps_variance
    from filled
),

compared as (
    select
        scored.*,
        lag(nps) over (partition by dimension, dimension_value order by period_start) as previous_nps,
        lag(nps_variance) over (partition by dimension, dimension_value order by period_start)
            as previous_nps_variance,
        lag(responses) over (partition by dimension, dimension_value order by period_start) as previous_responses
    from scored
),

final as (
    select
        period_start,
        period_end,
        dimension,
        dimension_value,
        cast(responses as integer) as responses,
        cast(promoters as integer) as promoters,
        cast(passives as integer) as passives,
        cast(detractors as integer) as detractors,
        cast(nps as double precision) as nps,
        cast(nps_variance as double precision) as nps_variance,
        cast(nps - {{ cfm.z_95() }} * sqrt(nps_variance) as double precision) as nps_ci_lower,
        cast(nps + {{ cfm.z_95() }} * sqrt(nps_variance) as double precision) as nps_ci_upper,
        responses < {{ cfm.kpi_param('min_sample_size') }} as is_low_sample,
        cast(previous_responses as integer) as previous_responses,
        cast(previous_nps as double precision) as previous_nps,
        cast(nps - previous_nps as double precision) as nps_change,
        {{ cfm.nps_change_is_significant('nps', 'previous_nps', 'nps_variance', 'previous_nps_variance') }}
            as is_nps_change_significant
    from compared
)

select * from final
{%- endmacro %}
