"""Great Expectations gates, no Dagster: suites as YAML (suites.py, suites/), the runner that validates a
warehouse table with them (runner.py), validation history (history.py) and Data Docs (data_docs.py)."""
