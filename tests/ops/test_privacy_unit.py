"""Forget and retention on a hand-made warehouse: what goes, what stays, what is logged, what comes back."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from warehouse import connect
from warehouse.landing import LandingSpec, land_records
from warehouse.privacy import (
    apply_retention,
    blank_text,
    find_subject,
    forget,
    identifier_hash,
    salt_for,
    scrub_published,
)

SALT = "test-salt"
ANN = dict(customer_id="C000007", email="ann.lee7@mail.com", phone="+15550000007", handle="ann_l0007")
BOB = dict(customer_id="C000070", email="bob.ray70@mail.com", phone="+15550000070", handle="bob_r0070")
# Eve's email and handle contain Ann's only if token boundaries are ignored: they are not Ann's.
EVE = dict(customer_id="C000071", email="xann.lee7@mail.com", phone="+15550000071", handle="ann_l00071")
LOOKALIKES = (EVE["email"], EVE["handle"], "ann.lee7@mail.company.org")

TICKETS = LandingSpec(
    source="tf", entity="tickets", key=("ticket_id",),
    columns=("ticket_id", "requester_id", "requester_email", "subject", "description", "created_at"),
)
RATINGS = LandingSpec(
    source="zd", entity="ratings", key=("id",), columns=("id", "requester_id", "comment", "created_at"),
)
RETURNS = LandingSpec(source="shop", entity="returns", key=("id",), columns=("id", "customer_id", "note"))
CUSTOMERS = LandingSpec(
    source="crm", entity="customers", key=("customer_id",),
    columns=("customer_id", "name", "email", "phone", "handle"),
)


def ticket(tid: int, who: dict, text: str, created: str = "2026-10-01T10:00:00Z") -> dict:
    return {
        "ticket_id": str(tid), "requester_id": who["customer_id"], "requester_email": who["email"],
        "subject": f"ticket {tid}", "description": text, "created_at": created,
        "via": {"channel": "email", "from": who["email"]},
    }


def seed(con: duckdb.DuckDBPyConnection) -> None:
    land_records(con, CUSTOMERS, [{**p, "name": "x"} for p in (ANN, BOB, EVE)])
    land_records(con, TICKETS, [
        ticket(1, ANN, "the app crashes"),
        ticket(2, BOB, "my friend ann_l0007 said it crashes"),  # Bob mentions Ann's handle: Bob's row goes
        ticket(3, EVE, "please call me"),
        ticket(4, BOB, "reach me at bob.ray70@mail.com, not ann.lee7@mail.company.org"),
    ])
    land_records(con, RATINGS, [
        {"id": "r1", "requester_id": "360007", "comment": "bad", "created_at": "2026-10-01T10:00:00Z"},
        {"id": "r2", "requester_id": "360070", "comment": "good", "created_at": "2026-10-01T10:00:00Z"},
    ])
    # A help desk's copy of Ann's ticket: only the external id names her; the requester id links her ratings.
    con.execute("create table raw.zd__tickets (id varchar, external_id varchar, requester_id varchar)")
    con.execute("insert into raw.zd__tickets values ('1', 'C000007', '360007'), ('2', 'C000070', '360070')")
    con.execute("create schema marts; create schema enrich")
    con.execute("""create table marts.fct_feedback as select * from (values
        ('tf:1', 'C000007', 'the app crashes', 9), ('tf:3', 'C000071', 'please call me', 3)
    ) t(feedback_id, customer_id, feedback_text, nps_score)""")
    con.execute("""create table enrich.feedback_tags as select * from (values
        ('tf:1', 'negative', ['crash']), ('tf:3', 'neutral', ['call'])
    ) t(feedback_id, sentiment_label, keywords)""")


def everything(con: duckdb.DuckDBPyConnection) -> str:
    """All text of the warehouse but the privacy log, lower-cased, one string, lookalikes removed."""
    parts = []
    for schema, table in con.execute(
        "select schema_name, table_name from duckdb_tables() where schema_name <> 'audit'"
    ).fetchall():
        for row in con.execute(f'select * from "{schema}"."{table}"').fetchall():
            parts.append(" ".join(str(v) for v in row))
    text = "\n".join(parts).lower()
    for lookalike in LOOKALIKES:
        text = text.replace(lookalike, "")
    return text


@pytest.fixture
def con(tmp_path: Path):
    with connect(tmp_path / "w.duckdb") as c:
        seed(c)
        yield c


def test_subject_collects_identifiers_paired_with_the_customer_id(con):
    subject = find_subject(con, "C000007")
    assert subject.emails == {ANN["email"]}
    assert subject.phones == {ANN["phone"]}
    assert subject.handles == {ANN["handle"]}


def test_forget_deletes_every_row_naming_the_customer_and_rows_linked_to_them(con, tmp_path):
    result = forget(con, "C000007", SALT)

    text = everything(con)
    for value in ANN.values():
        assert value.lower() not in text
    assert result.tables == {
        "raw.crm__customers": 1,
        "raw.tf__tickets": 2,  # her ticket and Bob's ticket mentioning her handle
        "raw.zd__tickets": 1,
        "raw.zd__ratings": 1,  # linked by the help desk's requester id, no identifier of hers in it
        "marts.fct_feedback": 1,
        "enrich.feedback_tags": 1,  # linked by feedback_id
    }
    # Namesake-like identifiers (a longer email, a longer handle) and unrelated rows stay.
    assert con.execute("select count(*) from raw.crm__customers").fetchone()[0] == 2
    assert con.execute("select ticket_id from raw.tf__tickets order by 1").fetchall() == [("3",), ("4",)]
    assert con.execute("select feedback_id from enrich.feedback_tags").fetchall() == [("tf:3",)]


def test_forget_logs_the_request_without_personal_data(con):
    result = forget(con, "C000007", SALT)

    (row,) = con.execute("select * from audit.privacy_requests").fetchall()
    logged = " ".join(str(v) for v in row).lower()
    assert all(v.lower() not in logged for v in ANN.values())
    assert row[0] == result.request_id and row[3] == identifier_hash("C000007", SALT)
    assert json.loads(row[4])["raw.zd__ratings"] == 1 and row[5] == result.rows_affected == 7
    hashes = {h for (h,) in con.execute("select identifier_hash from audit.forgotten_subjects").fetchall()}
    assert identifier_hash(ANN["email"].upper(), SALT) in hashes  # normalised: case does not matter
    assert identifier_hash("360007", SALT) in hashes  # the help desk's id of her is suppressed too


def test_landing_drops_a_forgotten_customer_on_replay(con, monkeypatch):
    monkeypatch.setenv("CFM_PRIVACY_SALT", SALT)
    forget(con, "C000007", SALT)

    again = land_records(con, TICKETS, [ticket(1, ANN, "the app crashes"), ticket(5, BOB, "new one")])
    ratings = land_records(con, RATINGS, [{"id": "r3", "requester_id": "360007", "comment": "meh"}])
    returns = land_records(con, RETURNS, [  # a vendor wrapping the id in its own global id
        {"id": "x1", "customer_id": "gid://shopify/Customer/C000007", "note": "too small"},
        {"id": "x2", "customer_id": "gid://shopify/Customer/C000070", "note": "broken"},
    ])

    assert (again.inserted, ratings.inserted, returns.inserted) == (1, 0, 1)
    tickets = con.execute("select ticket_id from raw.tf__tickets order by 1").fetchall()
    assert tickets == [("3",), ("4",), ("5",)]


def test_published_copy_is_scrubbed_in_place(con, tmp_path):
    pub = tmp_path / "published"
    (pub / "parquet").mkdir(parents=True)
    con.execute(f"copy marts.fct_feedback to '{pub}/parquet/fct_feedback.parquet' (format parquet)")
    with duckdb.connect(str(pub / "marts.duckdb")) as bi:
        bi.execute("create table fct_feedback as select * from "
                   "(values ('tf:3', 'C000071'), ('tf:1', 'C000007')) t(feedback_id, customer_id)")
    (pub / "alerts.jsonl").write_text('{"customer": "C000007"}\n{"customer": "C000071"}\n')
    (pub / "report.html").write_text("<p>Contact ann.lee7@mail.com</p>")

    touched = scrub_published(pub, find_subject(con, "C000007"))

    assert touched == {
        "alerts.jsonl": 1, "marts.duckdb": 1, "parquet/fct_feedback.parquet": 1, "report.html": 1
    }
    with duckdb.connect(str(pub / "marts.duckdb"), read_only=True) as bi:
        assert bi.execute("select customer_id from fct_feedback").fetchall() == [("C000071",)]
    assert duckdb.sql(f"select count(*) from '{pub}/parquet/fct_feedback.parquet'").fetchall() == [(1,)]
    assert "C000007" not in (pub / "alerts.jsonl").read_text()
    assert (pub / "report.html").read_text() == "<p>Contact [forgotten]</p>"
    assert not [p for p in pub.rglob("*") if p.name.startswith(".")]  # no temp files left behind


def test_salt_is_created_once_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("CFM_PRIVACY_SALT", raising=False)
    first = salt_for(tmp_path / "w.duckdb")
    assert first == salt_for(tmp_path / "w.duckdb") and len(first) == 64
    assert (tmp_path / ".cfm_privacy_salt").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("CFM_PRIVACY_SALT", "from-secret-store")
    assert salt_for(tmp_path / "w.duckdb") == "from-secret-store"


def test_blank_text_nulls_free_text_at_any_depth_and_keeps_the_rest():
    answers = [{"type": "text", "text": "slow"}, {"type": "number", "number": 9}]
    payload = {"id": 1, "comment": "hi", "answers": answers, "rating": {"score": "good", "comment": "ok"}}
    assert blank_text(payload) == {
        "id": 1, "comment": None, "rating": {"score": "good", "comment": None},
        "answers": [{"type": "text", "text": None}, {"type": "number", "number": 9}],
    }


def test_retention_blanks_old_raw_text_and_keeps_ids_scores_and_times(con):
    con.execute("update raw.tf__tickets set created_at = '2020-01-01T00:00:00Z' where ticket_id < '3'")
    con.execute("insert into raw.quarantine values "
                "('tf', 'tickets', '9', 'f.csv', 3, 'x', 'bad', 'raw line', timestamp '2020-01-01')")
    hashes_before = con.execute("select ticket_id, _record_hash from raw.tf__tickets order by 1").fetchall()
    now = datetime(2026, 11, 1, tzinfo=UTC)

    planned = apply_retention(con, days=365, now=now, dry_run=True)
    done = apply_retention(con, days=365, now=now)
    again = apply_retention(con, days=365, now=now)

    assert planned.tables == done.tables == {"raw.tf__tickets": 2, "raw.quarantine": 1}
    assert again.tables == {}  # idempotent: nothing left to blank
    rows = con.execute(
        "select ticket_id, requester_id, subject, description, created_at, _payload "
        "from raw.tf__tickets order by 1"
    ).fetchall()
    old = {r[0]: r for r in rows if r[0] in ("1", "2")}
    assert all(r[2] is None and r[3] is None for r in old.values())
    payload = json.loads(old["1"][5])
    assert payload["description"] is None and payload["requester_id"] == "C000007"
    assert old["1"][4] == "2020-01-01T00:00:00Z"
    assert [r[3] for r in rows if r[0] == "3"] == ["please call me"]
    # The fingerprint of the original record stays, so a replay of the old file is recognised, not re-landed.
    hashes_after = con.execute("select ticket_id, _record_hash from raw.tf__tickets order by 1").fetchall()
    assert hashes_after == hashes_before
    assert land_records(con, TICKETS, [ticket(1, ANN, "the app crashes")]).inserted == 0
    assert con.execute("select payload from raw.quarantine").fetchall() == [(None,)]
