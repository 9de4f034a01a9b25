-- One row per calendar month (UTC) and breakdown: ticket first-response and resolution times (median, p90) and SLA compliance (macro tickets_mart).
{{ cfm.tickets_mart('month') }}
