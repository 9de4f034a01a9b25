-- One row per UTC day and product (plus an all-products row): return rate and top return reasons (macro returns_mart).
{{ cfm.returns_mart('day') }}
