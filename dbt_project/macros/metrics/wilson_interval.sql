{#- Wilson score interval of a proportion x / n at 95%, in percent (0-100); null when n = 0.
    Chosen over the plain Wald interval because it stays inside [0, 100] and keeps a width at 0% and 100%
    (all-satisfied days), which matters for the small daily samples. -#}
{% macro wilson_bound(successes, trials, side) -%}
    {%- set successes = '(' ~ successes ~ ')' -%}
    {%- set trials = '(' ~ trials ~ ')' -%}
    {%- set z = cfm.z_95() -%}
    {#- clamped: at 0% or 100% the bound equals the end in exact arithmetic, a rounding step past it in floats -#}
    case when {{ trials }} > 0 then greatest(0.0, least(100.0, 100.0 * (
            (1.0 * {{ successes }} / {{ trials }} + {{ z }} * {{ z }} / (2.0 * {{ trials }}))
            {{ '-' if side == 'low' else '+' }} {{ z }} * sqrt(
                (1.0 * {{ successes }} / {{ trials }}) * (1.0 - 1.0 * {{ successes }} / {{ trials }}) / {{ trials }}
                + {{ z }} * {{ z }} / (4.0 * {{ trials }} * {{ trials }})
            )
        ) / (1.0 + {{ z }} * {{ z }} / {{ trials }})))
    end
{%- endmacro %}
