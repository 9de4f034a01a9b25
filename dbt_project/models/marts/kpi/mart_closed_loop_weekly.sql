-- One row per ISO week (Monday to Sunday, UTC) and breakdown: negative-feedback closed-loop rate (macro closed_loop_mart).
{{ cfm.closed_loop_mart('week') }}
