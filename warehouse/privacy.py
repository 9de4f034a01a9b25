"""Erasure requests ("forget this customer") and the retention period of raw free text, in the warehouse.

Forget: every row that identifies the customer is **deleted**, in every table of every schema (raw,
quarantine, staging/intermediate tables, enrich, marts, audit history); views follow. A row identifies the
customer when any of its text, JSON or nested columns holds one of their identifiers as a whole token:
customer id, email, phone, social handle (looked up in any table that pairs `customer_id` with such columns,
e.g. raw.crm__customers, plus any given explicitly). Rows derived from theirs that no longer carry an
identifier (tags keyed by `feedback_id`) are deleted through that key. Deleting, rather than anonymising in
place, is the one choice that is complete whatever a table holds (free text, JSON payloads, lists); aggregates
keep no one's identity and are rebuilt without the customer on the next run. Names are not matched: they are
not unique, and matching them would erase namesakes; the customer's own rows go, with their name, through
the other keys.

So that no later run brings them back, a salted SHA-256 of each identifier goes into
`audit.forgotten_subjects` and landing drops incoming rows whose customer-like columns hash to one of them
(`drop_forgotten`). The request is logged in `audit.privacy_requests` without the personal data: a salted
hash of the customer id, the tables touched and the rows deleted. The salt is CFM_PRIVACY_SALT; set it from a
secret store in production (customer ids are enumerable, so a hash is only irreversible while the salt is
secret). Without it, a random salt is created once beside the warehouse file.

Retention: free text of raw rows older than CFM_RAW_TEXT_RETENTION_DAYS is blanked (set to null) in the
extracted columns and inside `_payload`; ids, scores and timestamps stay, so KPIs do not move. `_record_hash`
keeps fingerprinting the original payload, so a re-dropped old file or a re-pulled old record is recognised
as already landed instead of bringing the text back. Quarantined payloads past the period are blanked whole.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

AUDIT_SCHEMA = "audit"
REQUESTS_DDL = """
create table if not exists audit.privacy_requests (
    request_id varchar primary key, requested_at timestamptz, kind varchar, subject_hash varchar,
    tables_touched json, rows_affected bigint, files_touched json, completed_at timestamptz
)"""
FORGOTTEN_DDL = """
create table if not exists audit.forgotten_subjects (
    identifier_hash varchar primary key, kind varchar, request_id varchar, added_at timestamptz
)"""
# Tables the erasure itself maintains: they hold hashes only.
OWN_TABLES = {("audit", "privacy_requests"), ("audit", "forgotten_subjects")}

# Columns that hold a customer's identifiers next to `customer_id` in reference tables (CRM exports, dims).
IDENTIFIER_COLUMNS = {
    "email": ("email", "customer_email", "requester_email", "respondent_email"),
    "phone": ("phone", "phone_number", "customer_phone"),
    "handle": ("handle", "social_handle", "author_handle"),
}
CUSTOMER_ID_COLUMNS = ("customer_id", "requester_id", "respondent_id", "external_id")
# Keys followed from the customer's rows to rows that carry no identifier of theirs: tags and facts keyed by
# `feedback_id`, a help desk's ratings keyed by its own requester id.
LINK_COLUMNS = ("feedback_id", "requester_id")
SUPPRESSED_LINKS = ("requester_id",)
# Landing columns worth hashing against the suppression list: ids, emails, phones and handles of people.
SUBJECT_COLUMN = re.compile(
    r"(^|_)(customer|requester|respondent|author|reviewer|submitter|user)(_id)?$|external_id|nickname|email|"
    r"phone|handle",
    re.I,
)
# Column types never holding text (everything else is cast to text and scanned).
_NON_TEXT = re.compile(
    r"^(BOOLEAN|TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|"
    r"DOUBLE|REAL|DECIMAL.*|DATE|TIME.*|TIMESTAMP.*|INTERVAL|UUID|BLOB|BIT|VARINT|BIGNUM)$",
    re.I,
)
# An identifier counts only as a whole token: not preceded or followed by a letter, digit or email character.
_TOKEN_LEFT = r"(^|[^[:alnum:]._%+-])"
_TOKEN_RIGHT = r"([^[:alnum:]_%+-]|[.]([^[:alnum:]]|$)|$)"

# Free-text fields of raw records (extracted columns and `_payload` keys, at any depth).
FREE_TEXT_KEYS = frozenset(
    {
        "comment", "comments", "body", "title", "subject", "description", "customer_note", "note", "notes",
        "satisfaction_comment", "text", "selftext", "review", "review_text", "message", "feedback",
        "answer_text", "free_text", "content",
    }
)
# Columns giving the age of a raw record (its own time); `_loaded_at` when none parses.
EVENT_TIME_COLUMNS = ("created_at", "submitted_at", "requested_at", "created_date", "updated_at", "landed_at")


# --------------------------------------------------------------------------------------------------- hashing
def salt_for(warehouse: Path | str) -> str:
    """CFM_PRIVACY_SALT, or a random salt kept beside the warehouse file (created on first use)."""
    configured = os.environ.get("CFM_PRIVACY_SALT")
    if configured:
        return configured
    path = Path(warehouse).with_name(".cfm_privacy_salt")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def normalise(value: str) -> str:
    return value.strip().lower()


def identifier_hash(value: str, salt: str) -> str:
    """Salted SHA-256 of a normalised identifier; `drop_forgotten` computes the same in SQL."""
    return hashlib.sha256((salt + normalise(value)).encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------------------------------- identifiers
@dataclass
class Subject:
    """Everything that identifies one customer in the data."""

    customer_id: str
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)

    def tokens(self) -> dict[str, str]:
        """identifier -> kind, every spelling that is matched (phones also without punctuation)."""
        out = {self.customer_id: "customer_id"}
        out.update({e: "email" for e in self.emails})
        out.update({h: "handle" for h in self.handles})
        for phone in self.phones:
            out[phone] = "phone"
            digits = re.sub(r"\D", "", phone)
            if len(digits) >= 7:
                out[digits] = "phone"
        return {k: v for k, v in out.items() if k and k.strip()}


def _tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    rows = con.execute(
        """select schema_name, table_name from duckdb_tables()
           where database_name = current_database() and not temporary order by 1, 2"""
    ).fetchall()
    return [(s, t) for s, t in rows if (s, t) not in OWN_TABLES]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        """select column_name, data_type from duckdb_columns()
           where database_name = current_database() and schema_name = ? and table_name = ?
           order by column_index""",
        [schema, table],
    ).fetchall()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def find_subject(
    con: duckdb.DuckDBPyConnection,
    customer_id: str,
    *,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    handles: Iterable[str] = (),
) -> Subject:
    """The customer's identifiers: those given plus those any table pairs with their customer id."""
    subject = Subject(customer_id, set(emails), set(phones), set(handles))
    targets = {"email": subject.emails, "phone": subject.phones, "handle": subject.handles}
    for schema, table in _tables(con):
        names = {c.lower(): c for c, _ in _columns(con, schema, table)}
        id_cols = [names[c] for c in CUSTOMER_ID_COLUMNS if c in names]
        if not id_cols:
            continue
        for kind, candidates in IDENTIFIER_COLUMNS.items():
            for col in (names[c] for c in candidates if c in names):
                where = " or ".join(f"cast({_q(i)} as varchar) = ?" for i in id_cols)
                values = con.execute(
                    f"select distinct cast({_q(col)} as varchar) from {_q(schema)}.{_q(table)} where {where}",
                    [customer_id] * len(id_cols),
                ).fetchall()
                targets[kind].update(v for (v,) in values if v and v.strip())
    return subject


# ---------------------------------------------------------------------------------------------- matching
def _match_sql(columns: Sequence[tuple[str, str]], tokens: Iterable[str]) -> tuple[str, list[str]] | None:
    """A SQL predicate true when any text-bearing column holds any token (case-insensitive, whole token).

    The row's text columns are joined by newlines (a boundary); `contains` is a fast prefilter, and the
    regular expression, evaluated only on rows passing it, checks the token boundaries.
    """
    text_cols = [name for name, dtype in columns if not _NON_TEXT.match(dtype)]
    needles = sorted({normalise(t) for t in tokens}, key=len, reverse=True)
    if not text_cols or not needles:
        return None
    row_text = "lower(concat_ws(chr(10), " + ", ".join(f"cast({_q(c)} as varchar)" for c in text_cols) + "))"
    prefilter = " or ".join(f"contains({row_text}, ?)" for _ in needles)
    pattern = "(?i)" + _TOKEN_LEFT + "(" + "|".join(re.escape(n) for n in needles) + ")" + _TOKEN_RIGHT
    return f"(({prefilter}) and regexp_matches({row_text}, ?))", [*needles, pattern]


def _count_and_delete(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list) -> int:
    row = con.execute(f"delete from {table} where {where}", params).fetchone()
    return int(row[0]) if row else 0


@dataclass
class ForgetResult:
    request_id: str
    subject_hash: str
    identifiers_matched: dict[str, int]  # kind -> how many identifiers (values never leave this module)
    tables: dict[str, int]  # "schema.table" -> rows deleted
    files: dict[str, int] = field(default_factory=dict)  # published file -> rows/lines removed

    @property
    def rows_affected(self) -> int:
        return sum(self.tables.values()) + sum(self.files.values())

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rows_affected": self.rows_affected}


def erase(con: duckdb.DuckDBPyConnection, subject: Subject) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Delete every row identifying `subject` from every table, then the rows linked to those by key.

    Returns rows deleted per table and the link values followed (LINK_COLUMNS -> values).
    """
    tokens = subject.tokens()
    deleted: dict[str, int] = {}
    links: dict[str, set[str]] = {c: set() for c in LINK_COLUMNS}
    for schema, table in _tables(con):
        columns = _columns(con, schema, table)
        match = _match_sql(columns, tokens)
        if match is None:
            continue
        where, params = match
        name = f"{_q(schema)}.{_q(table)}"
        present = {c.lower(): c for c, _ in columns}
        # Keys are followed only from rows that are the customer's own (an identifier in an identifying
        # column), not from someone else's row that merely mentions them.
        owned = _match_sql([c for c in columns if SUBJECT_COLUMN.search(c[0])], tokens)
        for link in (c for c in LINK_COLUMNS if c in present and owned is not None):
            found = con.execute(
                f"select distinct cast({_q(present[link])} as varchar) from {name} where {owned[0]}", owned[1]
            ).fetchall()
            links[link].update(v for (v,) in found if v not in (None, ""))
        count = _count_and_delete(con, name, where, params)
        if count:
            deleted[f"{schema}.{table}"] = count
    for link, values in links.items():
        if not values:
            continue
        con.execute(
            "create or replace temp table _forget_links as select unnest(?::varchar[]) as value",
            [sorted(values)],
        )
        for schema, table in _tables(con):
            present = {c.lower(): c for c, _ in _columns(con, schema, table)}
            if link not in present:
                continue
            name = f"{_q(schema)}.{_q(table)}"
            where = f"cast({_q(present[link])} as varchar) in (select value from _forget_links)"
            count = _count_and_delete(con, name, where, [])
            if count:
                key = f"{schema}.{table}"
                deleted[key] = deleted.get(key, 0) + count
        con.execute("drop table _forget_links")
    return deleted, links


def forget(
    con: duckdb.DuckDBPyConnection,
    customer_id: str,
    salt: str,
    *,
    emails: Iterable[str] = (),
    phones: Iterable[str] = (),
    handles: Iterable[str] = (),
    published_dir: Path | None = None,
    request_id: str | None = None,
) -> ForgetResult:
    """Erase one customer from the warehouse (and the published copy), suppress them, log the request."""
    request_id = request_id or str(uuid.uuid4())
    requested_at = datetime.now(UTC)
    subject = find_subject(con, customer_id, emails=emails, phones=phones, handles=handles)
    tokens = subject.tokens()
    con.execute(f"create schema if not exists {AUDIT_SCHEMA}")
    con.execute(REQUESTS_DDL)
    con.execute(FORGOTTEN_DDL)
    con.execute("begin transaction")
    try:
        tables, links = erase(con, subject)
        # Vendor-side ids of the customer (e.g. a Zendesk requester id) are suppressed too.
        suppressed = {**{v: link for link in SUPPRESSED_LINKS for v in links.get(link, ())}, **tokens}
        con.executemany(
            "insert or ignore into audit.forgotten_subjects values (?, ?, ?, ?)",
            [[identifier_hash(t, salt), kind, request_id, requested_at] for t, kind in suppressed.items()],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    # Deleted rows leave the file at the next checkpoint, not at the next restart.
    con.execute("checkpoint")
    files = scrub_published(published_dir, subject) if published_dir else {}
    kinds: dict[str, int] = {}
    for kind in tokens.values():
        kinds[kind] = kinds.get(kind, 0) + 1
    result = ForgetResult(request_id, identifier_hash(customer_id, salt), kinds, tables, files)
    con.execute(
        "insert into audit.privacy_requests values (?, ?, 'forget', ?, ?, ?, ?, ?)",
        [
            request_id, requested_at, result.subject_hash, json.dumps(tables), result.rows_affected,
            json.dumps(files), datetime.now(UTC),
        ],
    )
    return result


def compact(path: Path) -> None:
    """Rewrite a DuckDB file table by table into a fresh one and swap it in (no connection may be open).

    DuckDB marks deleted rows and reuses their blocks later; rewriting leaves no deleted bytes in the file.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        fresh = Path(tmp) / "fresh.duckdb"
        with duckdb.connect(str(path)) as con:
            con.execute(f"attach '{fresh}' as fresh")
            con.execute(f"copy from database {_database_name(con)} to fresh")
            con.execute("detach fresh")
        _atomic_replace(fresh, path)
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            wal.unlink()


# -------------------------------------------------------------------------------------------- suppression
def subject_columns(columns: Iterable[str]) -> list[str]:
    """Landing columns whose values may identify a person (hashed against the suppression list)."""
    return [c for c in columns if SUBJECT_COLUMN.search(c)]


def drop_forgotten(
    con: duckdb.DuckDBPyConnection, columns: Iterable[str], batch: str, salt: str | None = None
) -> int:
    """Delete from the temp table `batch` the rows whose customer-like columns hash to a forgotten subject.

    Costs one catalogue lookup while nobody has been forgotten; `salt` None means "read it when needed".
    """
    exists = con.execute(
        """select count(*) from duckdb_tables()
           where database_name = current_database() and schema_name = 'audit'
             and table_name = 'forgotten_subjects'"""
    ).fetchone()[0]
    if not exists or not con.execute("select count(*) from audit.forgotten_subjects").fetchone()[0]:
        return 0
    cols = subject_columns(columns)
    if not cols:
        return 0
    if salt is None:
        path = con.execute("select path from duckdb_databases() where database_name = current_database()")
        salt = salt_for(path.fetchone()[0])
    forgotten = "(select identifier_hash from audit.forgotten_subjects)"
    # The whole value, and its last path segment: vendors wrap ids (gid://shopify/Customer/C000123).
    values = [f"lower(trim(cast({_q(c)} as varchar)))" for c in cols]
    values += [f"regexp_extract({v}, '[^/]+$')" for v in values]
    hashed = " or ".join(f"sha256(? || {v}) in {forgotten}" for v in values)
    params = [salt] * len(values)
    count = con.execute(f"select count(*) from {batch} where {hashed}", params).fetchone()[0]
    if count:
        con.execute(f"delete from {batch} where {hashed}", params)
    return count


# ------------------------------------------------------------------------------------------ published copy
LINE_FILES = {".csv", ".tsv", ".jsonl", ".ndjson", ".txt", ".log"}
TEXT_FILES = {".json", ".html", ".htm", ".md", ".xml", ".yml", ".yaml"}
DUCKDB_FILES = {".duckdb", ".db"}


def _atomic_replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)


def scrub_published(folder: Path, subject: Subject) -> dict[str, int]:
    """Remove the customer from every file of the published copy; each file is replaced atomically.

    DuckDB files get the same erasure as the warehouse (on a copy, swapped in); Parquet files are rewritten
    without the matching rows; line files (CSV, JSONL) lose the matching lines; other text (JSON, HTML
    reports) has the identifiers replaced by "[forgotten]".
    """
    tokens = subject.tokens()
    touched: dict[str, int] = {}
    if not folder.exists():
        return touched
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        suffix = path.suffix.lower()
        if suffix in DUCKDB_FILES:
            count = _scrub_duckdb_file(path, subject)
        elif suffix == ".parquet":
            count = _scrub_parquet(path, tokens)
        elif suffix in LINE_FILES:
            count = _scrub_lines(path, tokens)
        elif suffix in TEXT_FILES:
            count = _scrub_text(path, tokens)
        else:
            continue
        if count:
            touched[str(path.relative_to(folder))] = count
    return touched


def _scrub_duckdb_file(path: Path, subject: Subject) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        found = sum(
            con.execute(f"select count(*) from {_q(s)}.{_q(t)} where {m[0]}", m[1]).fetchone()[0]
            for s, t in _tables(con)
            if (m := _match_sql(_columns(con, s, t), subject.tokens())) is not None
        )
    if not found:
        return 0
    # Erase on a copy, then rewrite it table by table into a fresh file: deleted rows leave no free blocks.
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        work = Path(tmp) / path.name
        shutil.copy2(path, work)
        with duckdb.connect(str(work)) as con:
            deleted = sum(erase(con, subject)[0].values())
        compact(work)
        _atomic_replace(work, path)
    return deleted


def _database_name(con: duckdb.DuckDBPyConnection) -> str:
    return _q(con.execute("select current_database()").fetchone()[0])


def _scrub_parquet(path: Path, tokens: Mapping[str, str]) -> int:
    with duckdb.connect() as con:
        con.execute(f"create view f as select * from read_parquet('{path}')")
        columns = con.execute("select column_name, column_type from (describe f)").fetchall()
        match = _match_sql(columns, tokens)
        if match is None:
            return 0
        where, params = match
        count = con.execute(f"select count(*) from f where {where}", params).fetchone()[0]
        if not count:
            return 0
        tmp = path.with_name(f".{path.name}.tmp")
        keep = f"select * from f where not ({where})"
        con.execute(f"copy ({keep}) to '{tmp}' (format parquet, compression zstd)", params)
    _atomic_replace(tmp, path)
    return count


def _token_regex(tokens: Mapping[str, str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    # The same boundaries as the SQL: ASCII letters and digits only, so "邮箱a@b.com" still matches.
    return re.compile(rf"(?<![A-Za-z0-9_.%+-])(?:{alternatives})(?![A-Za-z0-9_%+-])(?!\.[A-Za-z0-9])", re.I)


def _scrub_lines(path: Path, tokens: Mapping[str, str]) -> int:
    pattern = _token_regex(tokens)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    kept = [line for line in lines if not pattern.search(line)]
    if len(kept) == len(lines):
        return 0
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text("".join(kept), encoding="utf-8")
    _atomic_replace(tmp, path)
    return len(lines) - len(kept)


def _scrub_text(path: Path, tokens: Mapping[str, str]) -> int:
    pattern = _token_regex(tokens)
    text = path.read_text(encoding="utf-8", errors="replace")
    new, count = pattern.subn("[forgotten]", text)
    if count:
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(new, encoding="utf-8")
        _atomic_replace(tmp, path)
    return count


# --------------------------------------------------------------------------------------------- retention
@dataclass
class RetentionResult:
    cutoff: datetime
    tables: dict[str, int]  # "schema.table" -> rows whose text was blanked

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def blank_text(value: Any, keys: frozenset[str] = FREE_TEXT_KEYS) -> Any:
    """A JSON value with every string under a free-text key (at any depth) set to null."""
    if isinstance(value, dict):
        return {
            k: None if k.lower() in keys and isinstance(v, str) else blank_text(v, keys)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [blank_text(v, keys) for v in value]
    return value


def _payload_has_text_sql(keys: Iterable[str]) -> str:
    """True when a JSON text still holds a non-empty string under one of `keys` (at any depth)."""
    names = "|".join(re.escape(k) for k in sorted(keys))
    return f"""regexp_matches(cast(_payload as varchar), '(?i)"({names})"\\s*:\\s*"[^"]')"""


def apply_retention(
    con: duckdb.DuckDBPyConnection, days: int, *, now: datetime | None = None, dry_run: bool = False
) -> RetentionResult:
    """Blank the free text of raw rows older than `days` (by their own time, else when landed)."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    result = RetentionResult(cutoff, {})
    for schema, table in _tables(con):
        if schema != "raw" or table.startswith("_"):
            continue
        name = f"{_q(schema)}.{_q(table)}"
        columns = {c.lower(): c for c, _ in _columns(con, schema, table)}
        if table == "quarantine":
            where = "_loaded_at < ? and payload is not null"
            count = con.execute(f"select count(*) from {name} where {where}", [cutoff]).fetchone()[0]
            if count and not dry_run:
                con.execute(f"update {name} set payload = null where {where}", [cutoff])
            if count:
                result.tables[f"{schema}.{table}"] = count
            continue
        if "_loaded_at" not in columns:
            continue
        text_cols = [columns[k] for k in columns if k in FREE_TEXT_KEYS]
        has_payload = "_payload" in columns
        if not text_cols and not has_payload:
            continue
        event = [f"try_cast({_q(columns[c])} as timestamptz)" for c in EVENT_TIME_COLUMNS if c in columns]
        age = f"coalesce({', '.join([*event, '_loaded_at'])})"
        has_text = [f"nullif(trim({_q(c)}), '') is not null" for c in text_cols]
        if has_payload:
            has_text.append(_payload_has_text_sql(FREE_TEXT_KEYS))
        where = f"{age} < ? and ({' or '.join(has_text)})"
        count = con.execute(f"select count(*) from {name} where {where}", [cutoff]).fetchone()[0]
        if not count:
            continue
        result.tables[f"{schema}.{table}"] = count
        if dry_run:
            continue
        con.execute("begin transaction")
        try:
            if has_payload:
                _blank_payloads(con, name, where, cutoff)
            if text_cols:
                sets = ", ".join(f"{_q(c)} = null" for c in text_cols)
                con.execute(f"update {name} set {sets} where {where}", [cutoff])
            con.execute("commit")
        except Exception:
            con.execute("rollback")
            raise
    return result


def _blank_payloads(con: duckdb.DuckDBPyConnection, name: str, where: str, cutoff: datetime) -> None:
    """Rewrite `_payload` of the selected rows in Python (JSON shapes differ by vendor), matched by rowid."""
    sql = f"select rowid, cast(_payload as varchar) from {name} where {where}"
    rows = con.execute(sql, [cutoff]).fetchall()
    updates = [
        (rid, json.dumps(blank_text(json.loads(p)), ensure_ascii=False, sort_keys=True))
        for rid, p in rows
        if p is not None
    ]
    if not updates:
        return
    import pyarrow as pa

    patch = pa.table({"rid": [r for r, _ in updates], "payload": [p for _, p in updates]})  # noqa: F841
    con.execute(f"update {name} t set _payload = patch.payload from patch where t.rowid = patch.rid")
