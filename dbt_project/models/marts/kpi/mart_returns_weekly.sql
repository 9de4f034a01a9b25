-- One row per ISO week (Monday to Sunday, UTC) and product (plus an all-products row): return rate and top return reasons (macro returns_mart).
{{ cfm.returns_mart('week') }}
