-- One row per UTC day and breakdown: CES 2.0 mean with n, t 95% interval and change vs the previous period (macro ces_mart).
{{ cfm.ces_mart('day') }}
