-- One row per ISO week (Monday to Sunday, UTC) and breakdown: CES 2.0 mean with n, t 95% interval and change vs the previous period (macro ces_mart).
{{ cfm.ces_mart('week') }}
