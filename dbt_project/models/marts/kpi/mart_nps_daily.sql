-- One row per UTC day and breakdown: NPS with n, promoter / passive / detractor counts, adjusted-Wald 95% interval and change vs the previous period (macro nps_mart).
{{ cfm.nps_mart('day') }}
