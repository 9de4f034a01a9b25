-- One row per calendar month (UTC) and breakdown: repeat-complaint rate (macro repeat_complaints_mart).
{{ cfm.repeat_complaints_mart('month') }}
