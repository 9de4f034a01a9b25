"""Export files dropped in the landing folder: CSV and JSON Lines, read in chunks.

A file is read row by row so that one bad line costs that line only: it comes back as a
`RowError(line, reason, raw)` beside the good records, and the caller quarantines it. Values stay
strings (the raw layer stores VARCHAR; staging casts), so nothing is lost to type inference.

    batch = read_export_file(path)            # whole file
    for batch in iter_export_file(path):       # chunk by chunk, for big drops
        land(batch.records, batch.lines, batch.errors)

`line` is the 1-based physical line in the file where the record starts (the header is line 1 in a CSV);
for a file holding one JSON array it is the item's 1-based position in the array.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

CSV_SUFFIXES = (".csv", ".tsv")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
SUPPORTED_SUFFIXES = CSV_SUFFIXES + JSONL_SUFFIXES
DEFAULT_CHUNK_ROWS = 50_000
# A raw line kept in an error is cut to this many characters: enough to see what went wrong.
RAW_PREVIEW_CHARS = 2_000


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str
    raw: str


@dataclass
class FileBatch:
    """Records read from one file (or one chunk of it), their line numbers, and the lines that failed."""

    path: Path
    records: list[dict] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def frame(self) -> pl.DataFrame:
        """The records as a Polars frame of strings, with `_line` beside them."""
        if not self.records:
            return pl.DataFrame({"_line": pl.Series([], dtype=pl.Int64)})
        columns = list(dict.fromkeys(k for r in self.records for k in r))
        data = {c: [_as_text(r.get(c)) for r in self.records] for c in columns}
        return pl.DataFrame(data, schema=dict.fromkeys(columns, pl.String)).with_columns(
            pl.Series("_line", self.lines, dtype=pl.Int64)
        )


def read_export_file(path: str | Path) -> FileBatch:
    """Read a whole CSV or JSONL export file: good records plus one RowError per malformed line."""
    path = Path(path)
    out = FileBatch(path=path)
    for chunk in iter_export_file(path):
        out.records.extend(chunk.records)
        out.lines.extend(chunk.lines)
        out.errors.extend(chunk.errors)
    return out


def iter_export_file(path: str | Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[FileBatch]:
    """Yield the file in chunks of at most `chunk_rows` records (errors travel with their chunk)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        rows = _csv_rows(path, delimiter="\t" if suffix == ".tsv" else ",")
    elif suffix in JSONL_SUFFIXES:
        rows = _jsonl_rows(path)
    else:
        expected = ", ".join(SUPPORTED_SUFFIXES)
        raise ValueError(f"unsupported export file type {suffix!r}: {path.name} (expected one of {expected})")
    chunk = FileBatch(path=path)
    for line, record, error in rows:
        if error is not None:
            chunk.errors.append(error)
        else:
            chunk.records.append(record)
            chunk.lines.append(line)
        if len(chunk.records) >= chunk_rows:
            yield chunk
            chunk = FileBatch(path=path)
    if chunk.records or chunk.errors:
        yield chunk


def _csv_rows(path: Path, delimiter: str) -> Iterator[tuple[int, dict | None, RowError | None]]:
    # utf-8-sig drops the BOM spreadsheet tools write; newline="" lets csv handle quoted line breaks.
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            return
        header = [h.strip() for h in header]
        if not any(header):
            yield 1, None, RowError(1, "empty header line", "")
            return
        dupes = {h for h in header if header.count(h) > 1}
        if dupes:
            reason = f"duplicate column names in header: {sorted(dupes)}"
            yield 1, None, RowError(1, reason, delimiter.join(header))
            return
        start = reader.line_num + 1
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, None, RowError(start, f"unparseable CSV: {exc}", "")
                start = reader.line_num + 1
                continue
            line = start
            start = reader.line_num + 1
            if not values or all(not v.strip() for v in values):
                continue  # blank line
            if len(values) != len(header):
                raw = delimiter.join(values)[:RAW_PREVIEW_CHARS]
                reason = f"expected {len(header)} fields, found {len(values)}"
                yield line, None, RowError(line, reason, raw)
                continue
            yield line, {h: (v if v != "" else None) for h, v in zip(header, values, strict=True)}, None


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict | None, RowError | None]]:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        first = fh.read(1)
        fh.seek(0)
        if first == "[":
            # A JSON array file (some tools export that): parse whole, one error if it is broken.
            text = fh.read()
            try:
                items = json.loads(text)
            except json.JSONDecodeError as exc:
                error = RowError(exc.lineno, f"invalid JSON: {exc.msg}", text[:RAW_PREVIEW_CHARS])
                yield exc.lineno, None, error
                return
            for i, item in enumerate(items, start=1):
                if isinstance(item, dict):
                    yield i, item, None
                else:
                    reason = f"expected a JSON object, found {type(item).__name__}"
                    yield i, None, RowError(i, reason, str(item)[:RAW_PREVIEW_CHARS])
            return
        for number, text in enumerate(fh, start=1):
            stripped = text.strip()
            if not stripped:
                continue
            try:
                item = json.loads(stripped)
            except json.JSONDecodeError as exc:
                yield number, None, RowError(number, f"invalid JSON: {exc.msg}", stripped[:RAW_PREVIEW_CHARS])
                continue
            if not isinstance(item, dict):
                reason = f"expected a JSON object, found {type(item).__name__}"
                yield number, None, RowError(number, reason, stripped[:RAW_PREVIEW_CHARS])
                continue
            yield number, item, None


def _as_text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
