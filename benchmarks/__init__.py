"""`make bench`: the pipeline's wall time and peak memory per stage at N records, against the issue's targets.

Timings live here, never in tests. See benchmarks/run.py.
"""
