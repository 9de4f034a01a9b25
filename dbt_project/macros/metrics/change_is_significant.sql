{#- Period-over-period significance at 95%; null when either period has no answers (nothing to compare). -#}

{#- NPS (REFERENCE §1, Wald test): |NPS1 - NPS2| > 1.96 * sqrt(Var1 + Var2), Var being the adjusted-Wald
    variance of each period (macro nps_variance). -#}
{% macro nps_change_is_significant(nps_now, nps_before, variance_now, variance_before) -%}
    {%- set nps_now = '(' ~ nps_now ~ ')' -%}
    {%- set nps_before = '(' ~ nps_before ~ ')' -%}
    {%- set variance_now = '(' ~ variance_now ~ ')' -%}
    {%- set variance_before = '(' ~ variance_before ~ ')' -%}
    case when {{ nps_now }} is not null and {{ nps_before }} is not null then
        abs({{ nps_now }} - {{ nps_before }}) > {{ cfm.z_95() }} * sqrt({{ variance_now }} + {{ variance_before }})
    end
{%- endmacro %}

{#- Two proportions x1/n1 vs x2/n2: pooled two-proportion z test, |z| > 1.96. -#}
{% macro proportion_change_is_significant(x_now, n_now, x_before, n_before) -%}
    {%- set x_now = '(' ~ x_now ~ ')' -%}
    {%- set n_now = '(' ~ n_now ~ ')' -%}
    {%- set x_before = '(' ~ x_before ~ ')' -%}
    {%- set n_before = '(' ~ n_before ~ ')' -%}
    case when {{ n_now }} > 0 and {{ n_before }} > 0 then
        abs(1.0 * {{ x_now }} / {{ n_now }} - 1.0 * {{ x_before }} / {{ n_before }})
        > {{ cfm.z_95() }} * sqrt(
            (1.0 * ({{ x_now }} + {{ x_before }}) / ({{ n_now }} + {{ n_before }}))
            * (1.0 - 1.0 * ({{ x_now }} + {{ x_before }}) / ({{ n_now }} + {{ n_before }}))
            * (1.0 / {{ n_now }} + 1.0 / {{ n_before }})
        )
    end
{%- endmacro %}

{#- Two means (Welch, normal approximation): |m1 - m2| > 1.96 * sqrt(s1^2/n1 + s2^2/n2); needs n >= 2 on both
    sides for a sample standard deviation. -#}
{% macro mean_change_is_significant(mean_now, sd_now, n_now, mean_before, sd_before, n_before) -%}
    {%- set mean_now = '(' ~ mean_now ~ ')' -%}
    {%- set sd_now = '(' ~ sd_now ~ ')' -%}
    {%- set n_now = '(' ~ n_now ~ ')' -%}
    {%- set mean_before = '(' ~ mean_before ~ ')' -%}
    {%- set sd_before = '(' ~ sd_before ~ ')' -%}
    {%- set n_before = '(' ~ n_before ~ ')' -%}
    case when {{ n_now }} > 1 and {{ n_before }} > 1 then
        abs({{ mean_now }} - {{ mean_before }}) > {{ cfm.z_95() }} * sqrt(
            {{ sd_now }} * {{ sd_now }} / {{ n_now }} + {{ sd_before }} * {{ sd_before }} / {{ n_before }}
        )
    end
{%- endmacro %}
