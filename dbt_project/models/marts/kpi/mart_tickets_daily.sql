-- One row per UTC day and breakdown: ticket first-response and resolution times (median, p90) and SLA compliance (macro tickets_mart).
{{ cfm.tickets_mart('day') }}
