"""Every API connector over real HTTP against the sandbox, landed with the real pull loop into DuckDB.

For each source: paging to the end, a second run fetching only what is new, 429 / 500 / dropped
connections recovered, 500 forever failing after bounded attempts, a crash mid-run resuming with nothing
lost or doubled, a malformed record quarantined with its reason, and a new field tolerated.
"""

from __future__ import annotations

import time

import pytest

from connectors.appstore import AppStoreClient
from connectors.http import SourceError
from orchestration.source_registry import SOURCES, pull
from sandbox import SandboxServer
from warehouse import connect

# source -> (sandbox table, the rows of it this source serves, the id each row is served under)
SERVED = {
    "zendesk_tickets": ("tickets", {"system": "zendesk"}, lambda r: str(r["ticket_id"])),
    "zendesk_satisfaction_ratings": (
        "tickets",
        {"system": "zendesk"},
        lambda r: str(50_000_000 + r["ticket_id"]) if r.get("satisfaction") else None,
    ),
    "typeform_responses": ("survey_responses", {"survey_tool": "typeform"}, lambda r: r["response_id"]),
    "qualtrics_responses": ("survey_responses", {"survey_tool": "qualtrics"}, lambda r: r["response_id"]),
    "reddit_posts": ("social_posts", {"platform": "reddit"}, lambda r: str(r["post_id"])),
    "appstore_reviews": ("social_posts", {"platform": "appstore"}, lambda r: str(r["post_id"])),
    "shopify_returns": ("returns", {"system": "shopify"}, lambda r: f"gid://shopify/Return/{r['return_id']}"),
}
API_SOURCES = list(SERVED)


def served(server: SandboxServer, name: str) -> set[str]:
    table, where, ident = SERVED[name]
    return {i for r in server.store.rows(table, **where) if (i := ident(r)) is not None}


def add_new(server: SandboxServer, name: str, n: int = 3) -> None:
    table, where, _ = SERVED[name]
    extra = {"satisfaction": "good", "satisfaction_comment": "fast"} if name.endswith("ratings") else {}
    server.store.more(table, n, **where, **extra)


def landed(con, name: str) -> tuple[set[str], int]:
    spec = SOURCES[name].spec
    key = spec.key[0]
    rows = con.execute(f'select "{key}" from {spec.table}').fetchall()
    return {r[0] for r in rows}, len(rows)


def run(name: str):
    with connect() as con:
        return pull(name, con)


@pytest.mark.parametrize("name", API_SOURCES)
def test_full_paging_lands_every_record_once(sandbox: SandboxServer, name: str) -> None:
    result = run(name)
    expected = served(sandbox, name)
    with connect() as con:
        ids, rows = landed(con, name)
    assert ids == expected
    assert rows == len(expected)
    assert result.result.inserted == len(expected)
    assert result.pages > 1
    assert result.cursor


@pytest.mark.parametrize("name", API_SOURCES)
def test_second_run_fetches_only_new_records(sandbox: SandboxServer, name: str) -> None:
    run(name)
    before = len(served(sandbox, name))
    add_new(sandbox, name, 3)
    second = run(name)
    assert second.result.inserted == 3
    assert second.result.fetched <= 4  # the 3 new ones, plus at most the last one seen (inclusive since)
    third = run(name)
    assert third.result.inserted == 0 and third.result.updated == 0
    with connect() as con:
        ids, rows = landed(con, name)
    assert ids == served(sandbox, name) and len(ids) == before + 3 == rows


@pytest.mark.parametrize("name", API_SOURCES)
def test_429_500_and_dropped_connections_are_recovered(sandbox: SandboxServer, name: str) -> None:
    vendor = SOURCES[name].vendor
    sandbox.set_faults(rate_limit=2, retry_after=0.2, server_error=1, drop=1, only=vendor)
    started = time.perf_counter()
    result = run(name)
    assert time.perf_counter() - started >= 0.4  # both Retry-After waits were honoured
    assert sandbox.faults.snapshot()["fired"] == {"rate_limit": 2, "server_error": 1, "drop": 1}
    with connect() as con:
        ids, rows = landed(con, name)
    assert ids == served(sandbox, name) and rows == len(ids)
    assert result.result.quarantined == 0


@pytest.mark.parametrize("name", API_SOURCES)
def test_persistent_500_fails_after_bounded_attempts(sandbox: SandboxServer, name: str) -> None:
    vendor = SOURCES[name].vendor
    sandbox.set_faults(server_error=10**6, only=vendor)
    started = time.perf_counter()
    with pytest.raises(SourceError) as failure:
        run(name)
    assert time.perf_counter() - started < 5
    error = failure.value
    assert error.source == vendor and error.status == 500 and error.attempts == 6
    assert "status=500" in str(error) and "cursor=" in str(error)


@pytest.mark.parametrize("name", API_SOURCES)
def test_crash_mid_run_resumes_without_loss_or_duplicates(
    sandbox: SandboxServer, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CFM_LANDING_BATCH_RECORDS", "1")  # every page its own transaction: crash after the first

    def crash(number, page, landed_page):
        if number == 1:
            raise RuntimeError("worker killed after page 1")

    with connect() as con, pytest.raises(RuntimeError):
        pull(name, con, on_page=crash)
    add_new(sandbox, name, 2)  # the world moves on while we are down
    resumed = run(name)
    with connect() as con:
        ids, rows = landed(con, name)
    expected = served(sandbox, name)
    assert ids == expected and rows == len(expected)
    if name != "qualtrics_responses":  # an export restarts from its token; the merge absorbs the overlap
        assert resumed.result.fetched < len(expected)


@pytest.mark.parametrize("name", ["zendesk_tickets", "shopify_returns"])
def test_small_pages_land_in_batches_with_the_last_cursor(
    sandbox: SandboxServer, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CFM_LANDING_BATCH_RECORDS", "25")  # pages of 10: three pages per transaction
    batches: list[int] = []
    with connect() as con:
        result = pull(name, con, on_page=lambda number, page, landed_batch: batches.append(landed_batch.fetched))
        ids, rows = landed(con, name)
        saved = con.execute(
            "select cursor from raw._cursors where source = ? and entity = ?",
            [SOURCES[name].spec.source, SOURCES[name].spec.entity],
        ).fetchone()[0]
    assert ids == served(sandbox, name) and rows == len(ids)
    assert len(batches) == -(-result.pages // 3) and all(n >= 25 for n in batches[:-1])
    assert saved == result.cursor


@pytest.mark.parametrize("name", API_SOURCES)
def test_malformed_record_is_quarantined_with_reason(sandbox: SandboxServer, name: str) -> None:
    vendor = SOURCES[name].vendor
    sandbox.set_faults(malformed=1, only=vendor)
    result = run(name)
    assert result.result.quarantined == 1
    with connect() as con:
        ids, _ = landed(con, name)
        rows = con.execute("select source, entity, record_id, field, reason from raw.quarantine").fetchall()
    assert ids == served(sandbox, name)
    assert len(rows) == 1
    source, entity, record_id, field, reason = rows[0]
    spec = SOURCES[name].spec
    assert (source, entity) == (spec.source, spec.entity)
    assert record_id and record_id not in ids
    assert field in spec.columns and field in reason and ("not a valid" in reason or "missing" in reason)


@pytest.mark.parametrize("name", API_SOURCES)
def test_new_source_field_is_tolerated_and_kept_in_payload(sandbox: SandboxServer, name: str) -> None:
    sandbox.set_faults(new_field=True, only=SOURCES[name].vendor)
    result = run(name)
    assert result.result.quarantined == 0
    spec = SOURCES[name].spec
    with connect() as con:
        kept = con.execute(
            f"select count(*) from {spec.table} "
            "where json_extract(_payload, '$.cfm_sandbox_new_field') is not null"
        ).fetchone()[0]
        ids, _ = landed(con, name)
    assert ids == served(sandbox, name)
    assert kept == len(ids)


def test_updated_ticket_adds_a_history_row(sandbox: SandboxServer) -> None:
    run("zendesk_tickets")
    ticket = sandbox.store.rows("tickets", system="zendesk")[0]
    original = ticket["status"]
    sandbox.store.update("tickets", ticket["ticket_id"], status="closed")
    second = run("zendesk_tickets")
    assert second.result.updated == 1 and second.result.inserted == 0 and second.result.fetched == 1
    with connect() as con:
        versions = con.execute(
            "select status from raw.zendesk__tickets where id = ? order by updated_at",
            [str(ticket["ticket_id"])],
        ).fetchall()
    assert [v[0] for v in versions] == [original, "closed"]


def test_slow_page_times_out_and_is_retried(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CFM_HTTP_READ_TIMEOUT", "0.3")
    sandbox.set_faults(slow=1, slow_seconds=0.6, only="typeform")
    run("typeform_responses")
    with connect() as con:
        assert landed(con, "typeform_responses")[0] == served(sandbox, "typeform_responses")


def test_shopify_falls_back_to_orders_returns_and_sees_updates(sandbox: SandboxServer) -> None:
    sandbox.state["shopify_root_returns"] = False  # a shop whose schema has no root `returns` field
    first = run("shopify_returns")
    assert '"mode":"orders"' in first.cursor
    with connect() as con:
        assert landed(con, "shopify_returns")[0] == served(sandbox, "shopify_returns")
    ret = sandbox.store.rows("returns", system="shopify")[0]
    sandbox.store.update(
        "returns", ret["return_id"], status="CLOSED" if ret["status"] != "CLOSED" else "OPEN"
    )
    add_new(sandbox, "shopify_returns", 2)
    second = run("shopify_returns")
    assert second.result.inserted == 2 and second.result.updated == 1
    assert second.result.fetched < len(served(sandbox, "shopify_returns"))


def test_base_url_env_var_alone_points_the_connector(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CFM_SANDBOX_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("REDDIT_BASE_URL", sandbox.url + "/reddit")
    run("reddit_posts")
    with connect() as con:
        assert landed(con, "reddit_posts")[0] == served(sandbox, "reddit_posts")


def test_missing_credentials_fail_without_retry(sandbox: SandboxServer) -> None:
    client = AppStoreClient(sandbox.url + "/appstore", "", "123")
    with pytest.raises(SourceError) as failure:
        list(client.fetch_reviews())
    assert failure.value.status == 401 and failure.value.attempts == 1
