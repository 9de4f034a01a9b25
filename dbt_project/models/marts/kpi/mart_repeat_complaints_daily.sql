-- One row per UTC day and breakdown: repeat-complaint rate (macro repeat_complaints_mart).
{{ cfm.repeat_complaints_mart('day') }}
