-- One row per UTC day and breakdown: CSAT (top-2-box and Zendesk good/bad) with n, Wilson 95% interval and change vs the previous period (macro csat_mart).
{{ cfm.csat_mart('day') }}
