{#- The two-sided 95% normal critical value the metric definitions use (REFERENCE §1: "± 1.96 · SE"). -#}
{% macro z_95() -%}
    1.96
{%- endmacro %}
