"""The sandbox speaks each vendor's format, checks auth, and switches faults at runtime over HTTP."""

from __future__ import annotations

import base64
import io
import json
import socket
import time
import zipfile

import pytest
import requests

from sandbox import SandboxServer

ZENDESK_AUTH = "Basic " + base64.b64encode(b"agent@example.com/token:abc").decode()


def get(server: SandboxServer, path: str, headers: dict | None = None, **params) -> requests.Response:
    return requests.get(server.url + path, params=params, headers=headers or {}, timeout=5)


def test_each_vendor_requires_its_own_auth(sandbox: SandboxServer) -> None:
    assert get(sandbox, "/zendesk/api/v2/incremental/tickets/cursor.json", start_time=0).status_code == 401
    basic_password = "Basic " + base64.b64encode(b"agent@example.com:password").decode()
    assert (
        get(sandbox, "/zendesk/api/v2/satisfaction_ratings", {"Authorization": basic_password}).status_code
        == 401
    )
    assert get(sandbox, "/reddit/search", q="x").status_code == 401
    assert get(sandbox, "/reddit/search", {"Authorization": "bearer t"}, q="x").status_code == 200
    assert (
        requests.post(
            sandbox.url + "/qualtrics/API/v3/surveys/SV/export-responses", json={}, timeout=5
        ).status_code
        == 401
    )
    assert get(sandbox, "/nope/x").status_code == 404


def test_zendesk_incremental_cursor_export(sandbox: SandboxServer) -> None:
    h = {"Authorization": ZENDESK_AUTH}
    path = "/zendesk/api/v2/incremental/tickets/cursor.json"
    first = get(sandbox, path, h, start_time=0, per_page=1000).json()
    assert first["end_of_stream"] is True and first["after_cursor"]
    assert {"id", "status", "via", "updated_at", "satisfaction_rating"} <= set(first["tickets"][0])
    assert get(sandbox, path, h).status_code == 400  # start_time or cursor is required
    ticket = sandbox.store.rows("tickets", system="zendesk")[0]
    sandbox.store.update("tickets", ticket["ticket_id"], status="solved")
    later = get(sandbox, path, h, cursor=first["after_cursor"]).json()
    assert [t["id"] for t in later["tickets"]] == [ticket["ticket_id"]] and later["tickets"][0][
        "status"
    ] == "solved"


def test_typeform_and_reddit_and_appstore_shapes(sandbox: SandboxServer) -> None:
    bearer = {"Authorization": "Bearer t"}
    tf = get(sandbox, "/typeform/forms/abc/responses", bearer, page_size=5).json()
    assert set(tf) == {"total_items", "page_count", "items"} and len(tf["items"]) == 5
    times = [i["submitted_at"] for i in tf["items"]]
    assert times == sorted(times, reverse=True)
    older = get(
        sandbox, "/typeform/forms/abc/responses", bearer, page_size=5, before=tf["items"][-1]["token"]
    ).json()
    assert older["items"][0]["submitted_at"] <= times[-1]

    listing = get(sandbox, "/reddit/r/feedbackshop/search", bearer, q="x", sort="new", limit=3).json()
    assert listing["kind"] == "Listing" and listing["data"]["after"].startswith("t3_")
    assert {c["kind"] for c in listing["data"]["children"]} == {"t3"}

    reviews = get(sandbox, "/appstore/v1/apps/1/customerReviews", bearer, limit=4, sort="-createdDate").json()
    assert reviews["data"][0]["type"] == "customerReviews" and "rating" in reviews["data"][0]["attributes"]
    assert reviews["links"]["next"].startswith(sandbox.url + "/appstore/v1/apps/1/customerReviews?")
    assert reviews["data"][0]["attributes"]["createdDate"].endswith("-07:00")


def test_qualtrics_export_is_a_zip_with_responses(sandbox: SandboxServer) -> None:
    h = {"X-API-TOKEN": "t"}
    base = sandbox.url + "/qualtrics/API/v3/surveys/SV_1/export-responses"
    started = requests.post(
        base, json={"format": "json", "allowContinuation": True}, headers=h, timeout=5
    ).json()
    progress_id = started["result"]["progressId"]
    statuses = [
        requests.get(f"{base}/{progress_id}", headers=h, timeout=5).json()["result"] for _ in range(2)
    ]
    assert statuses[0]["status"] == "inProgress" and statuses[1]["status"] == "complete"
    assert statuses[1]["continuationToken"]
    content = requests.get(f"{base}/{statuses[1]['fileId']}/file", headers=h, timeout=5).content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        document = json.loads(archive.read(archive.namelist()[0]))
    assert document["responses"][0]["responseId"] and "recordedDate" in document["responses"][0]["values"]


def test_shopify_graphql_and_unknown_root_field(sandbox: SandboxServer) -> None:
    h = {"X-Shopify-Access-Token": "t"}
    url = sandbox.url + "/shopify/admin/api/2025-01/graphql.json"
    body = {
        "query": "query R($first: Int!) { returns(first: $first) { pageInfo { hasNextPage endCursor } "
        "nodes { id returnLineItems(first: 5) { nodes { quantity returnReason customerNote } } } } }",
        "variables": {"first": 3},
    }
    answer = requests.post(url, json=body, headers=h, timeout=5).json()
    assert answer["data"]["returns"]["pageInfo"]["hasNextPage"] is True
    assert "throttleStatus" in answer["extensions"]["cost"]
    item = answer["data"]["returns"]["nodes"][0]["returnLineItems"]["nodes"][0]
    assert {"quantity", "returnReason", "customerNote"} <= set(item)
    sandbox.state["shopify_root_returns"] = False
    rejected = requests.post(url, json=body, headers=h, timeout=5).json()
    assert rejected["errors"][0]["extensions"]["code"] == "undefinedField"
    sandbox.set_faults(rate_limit=1)
    throttled = requests.post(
        url, json={"query": "{ orders(first: 1) { nodes { id } } }"}, headers=h, timeout=5
    )
    assert throttled.status_code == 200 and throttled.json()["errors"][0]["extensions"]["code"] == "THROTTLED"


def test_faults_switch_at_runtime_over_http(sandbox: SandboxServer) -> None:
    control = sandbox.url + "/_sandbox/faults"
    assert requests.post(control, json={"rate_limit": 1, "retry_after": 2}, timeout=5).status_code == 200
    assert requests.post(control, json={"bogus": 1}, timeout=5).status_code == 400
    limited = get(sandbox, "/reddit/search", {"Authorization": "bearer t"}, q="x")
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert get(sandbox, "/reddit/search", {"Authorization": "bearer t"}, q="x").status_code == 200
    assert requests.get(sandbox.url + "/_sandbox/faults", timeout=5).json()["fired"] == {"rate_limit": 1}
    added = requests.post(
        sandbox.url + "/_sandbox/more", json={"table": "social_posts", "n": 2}, timeout=5
    ).json()
    assert added == {"added": 2}
    stats = requests.get(sandbox.url + "/_sandbox/stats", timeout=5).json()
    assert stats["requests"]["reddit"] == 2 and stats["records"]["social_posts"] == 42


def test_dropped_connection_cuts_the_body(sandbox: SandboxServer) -> None:
    sandbox.set_faults(drop=1)
    host, port = sandbox.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(b"GET /reddit/search?q=x HTTP/1.1\r\nHost: x\r\nAuthorization: bearer t\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    length = int(
        next(
            line.split(b":")[1] for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        )
    )
    assert 0 < len(body) < length


def test_slow_fault_delays_the_answer(sandbox: SandboxServer) -> None:
    sandbox.set_faults(slow=1, slow_seconds=0.3)
    started = time.perf_counter()
    assert get(sandbox, "/reddit/search", {"Authorization": "bearer t"}, q="x").status_code == 200
    assert time.perf_counter() - started >= 0.3


@pytest.mark.parametrize("table", ["tickets", "survey_responses", "social_posts", "returns"])
def test_more_records_are_newer_than_everything_held(sandbox: SandboxServer, table: str) -> None:
    from sandbox.store import TIME_COLUMN

    column = TIME_COLUMN[table]
    newest = max(r[column] for r in sandbox.store.tables[table])
    new = sandbox.store.more(table, 3)
    assert len(new) == 3 and all(r[column] > newest for r in new)


def test_a_client_that_hung_up_is_not_a_server_error(sandbox: SandboxServer, capsys: pytest.CaptureFixture) -> None:
    # A pull that timed out closes its socket; the answer written later fails with a broken pipe.
    try:
        raise BrokenPipeError(32, "Broken pipe")
    except BrokenPipeError:
        sandbox.httpd.handle_error(None, ("127.0.0.1", 1))
    assert capsys.readouterr().err == ""
    try:
        raise KeyError("a bug in a route")
    except KeyError:
        sandbox.httpd.handle_error(None, ("127.0.0.1", 1))
    assert "a bug in a route" in capsys.readouterr().err
