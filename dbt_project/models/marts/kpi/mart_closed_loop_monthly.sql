-- One row per calendar month (UTC) and breakdown: negative-feedback closed-loop rate (macro closed_loop_mart).
{{ cfm.closed_loop_mart('month') }}
