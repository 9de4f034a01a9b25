{#- Net Promoter Score and its adjusted-Wald variance (REFERENCE §1; Rocks 2016).
    Arguments are SQL expressions for the promoter, detractor and answered counts (blanks already excluded). -#}

{#- NPS = 100 * (P - D) / n, the unadjusted score; null when nobody answered. -#}
{% macro nps(promoters, detractors, responses) -%}
    {%- set promoters = '(' ~ promoters ~ ')' -%}
    {%- set detractors = '(' ~ detractors ~ ')' -%}
    {%- set responses = '(' ~ responses ~ ')' -%}
    case when {{ responses }} > 0
        then 100.0 * ({{ promoters }} - {{ detractors }}) / {{ responses }}
    end
{%- endmacro %}

{#- Var(NPS) on the 0-100 scale with the adjusted-Wald correction: n' = n + 3, P' = P + 3/4, D' = D + 3/4,
    p = P'/n', d = D'/n', Var = 10^4 * (p + d - (p - d)^2) / n'. Null when nobody answered. -#}
{% macro nps_variance(promoters, detractors, responses) -%}
    {%- set promoters = '(' ~ promoters ~ ')' -%}
    {%- set detractors = '(' ~ detractors ~ ')' -%}
    {%- set responses = '(' ~ responses ~ ')' -%}
    case when {{ responses }} > 0 then
        10000.0 * (
            ({{ promoters }} + 0.75) / ({{ responses }} + 3.0)
            + ({{ detractors }} + 0.75) / ({{ responses }} + 3.0)
            - (({{ promoters }} - {{ detractors }}) / ({{ responses }} + 3.0))
              * (({{ promoters }} - {{ detractors }}) / ({{ responses }} + 3.0))
        ) / ({{ responses }} + 3.0)
    end
{%- endmacro %}
