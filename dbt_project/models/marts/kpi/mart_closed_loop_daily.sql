-- One row per UTC day and breakdown: negative-feedback closed-loop rate (macro closed_loop_mart).
{{ cfm.closed_loop_mart('day') }}
