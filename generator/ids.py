"""Deterministic, collision-free identifiers built without a Python loop per row."""

from __future__ import annotations

import numpy as np
import polars as pl

B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def mix64(x: np.ndarray, salt: int) -> np.ndarray:
    """splitmix64 finaliser of ``x + salt``: a bijection on 64-bit integers (distinct in, distinct out)."""
    with np.errstate(over="ignore"):
        z = x.astype(np.uint64) + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def encode(x: np.ndarray, alphabet: str, width: int) -> pl.Series:
    """Fixed-width base-``len(alphabet)`` digits of unsigned integers (most significant first)."""
    x = x.astype(np.uint64).copy()
    base = np.uint64(len(alphabet))
    chars = np.frombuffer(alphabet.encode("ascii"), dtype=np.uint8)
    out = np.empty((len(x), width), dtype=np.uint8)
    for j in range(width - 1, -1, -1):  # one pass per digit, not per row
        out[:, j] = chars[(x % base).astype(np.int64)]
        x //= base
    return pl.Series(out.view(f"S{width}").ravel()).cast(pl.String)


def token(rank: np.ndarray, alphabet: str, salt: int) -> pl.Series:
    """Random-looking unique token per rank: enough digits to hold every 64-bit value."""
    width = int(np.ceil(64 / np.log2(len(alphabet))))
    return encode(mix64(rank, salt), alphabet, width)


def padded(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    s = pl.Series(numbers.astype(np.int64)).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str([pl.lit(prefix), s])).to_series()


def increasing(rng: np.random.Generator, n: int, base: int, max_gap: int) -> np.ndarray:
    """Strictly increasing integers with random gaps, like ids handed out by a busy system."""
    return base + np.cumsum(rng.integers(1, max_gap + 1, size=n, dtype=np.int64))
