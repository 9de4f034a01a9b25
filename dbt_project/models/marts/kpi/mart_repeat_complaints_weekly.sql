-- One row per ISO week (Monday to Sunday, UTC) and breakdown: repeat-complaint rate (macro repeat_complaints_mart).
{{ cfm.repeat_complaints_mart('week') }}
