-- One row per ISO week (Monday to Sunday, UTC) and breakdown: NPS with n, promoter / passive / detractor counts, adjusted-Wald 95% interval and change vs the previous period (macro nps_mart).
{{ cfm.nps_mart('week') }}
