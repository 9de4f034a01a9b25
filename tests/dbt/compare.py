"""Row-by-row comparison of a mart with its independently computed reference."""

from __future__ import annotations

import math

import polars as pl


def assert_matches(
    mart: pl.DataFrame, expected: pl.DataFrame, keys: list[str], columns: list[str], tol: float = 1e-9
) -> None:
    """Every mart row has an expected row (and vice versa) and the listed columns agree (nulls included)."""
    assert mart.height == expected.height, f"{mart.height} mart rows, {expected.height} expected"
    joined = mart.select([*keys, *columns]).join(
        expected.select([*keys, *columns]), on=keys, how="full", suffix="_expected", coalesce=True
    )
    assert joined.height == mart.height, "keys differ between the mart and the reference"
    problems = []
    for row in joined.iter_rows(named=True):
        for col in columns:
            got, want = row[col], row[f"{col}_expected"]
            if got is None or want is None:
                ok = got is None and want is None
            elif isinstance(want, float) or isinstance(got, float):
                ok = math.isclose(float(got), float(want), rel_tol=tol, abs_tol=tol)
            else:
                ok = got == want
            if not ok:
                problems.append(f"{ {k: row[k] for k in keys} } {col}: mart {got!r} != expected {want!r}")
    assert not problems, f"{len(problems)} mismatches, e.g.:\n" + "\n".join(problems[:15])
