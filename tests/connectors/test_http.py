"""The shared HTTP client's pure parts (Retry-After, link rebasing, cursors) and its retry rules over HTTP."""

from __future__ import annotations

import email.utils

import pytest

from connectors.http import (
    HttpClient,
    RetryPolicy,
    SourceError,
    decode_cursor,
    encode_cursor,
    rebase_link,
    retry_after_seconds,
)
from connectors.paging import NewestFirst, iso_utc, to_epoch
from sandbox import SandboxServer


def test_retry_after_in_seconds_dates_and_reset_headers() -> None:
    assert retry_after_seconds({"Retry-After": "3"}) == 3
    assert retry_after_seconds({"Retry-After": "0.25"}) == 0.25
    date = email.utils.formatdate(1_000_030, usegmt=True)
    assert retry_after_seconds({"Retry-After": date}, now=1_000_000) == 30
    assert retry_after_seconds({"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "12"}) == 12
    assert retry_after_seconds({"X-Ratelimit-Remaining": "57", "X-Ratelimit-Reset": "12"}) is None
    assert retry_after_seconds({"X-Rate-Limit-Reset": "2000000010"}, now=2_000_000_000) == 10
    assert retry_after_seconds({}) is None


def test_next_links_are_rebased_onto_the_configured_server() -> None:
    base = "http://127.0.0.1:9000/appstore"
    vendor = "https://api.appstoreconnect.apple.com/v1/apps/1/customerReviews?cursor=abc&limit=200"
    assert (
        rebase_link(vendor, base)
        == "http://127.0.0.1:9000/appstore/v1/apps/1/customerReviews?cursor=abc&limit=200"
    )
    own = "http://127.0.0.1:9000/appstore/v1/apps/1/customerReviews?cursor=x"
    assert rebase_link(own, base) == own
    assert rebase_link("https://x.zendesk.com/api/v2/a?b=1", "https://x.zendesk.com") == (
        "https://x.zendesk.com/api/v2/a?b=1"
    )


def test_cursor_round_trip_and_bare_strings() -> None:
    assert decode_cursor(encode_cursor({"a": 1, "b": None})) == {"a": 1}
    assert decode_cursor("plain-token") == {"value": "plain-token"}
    assert decode_cursor(None) == {} and encode_cursor({}) is None


def test_timestamps_from_every_vendor_format() -> None:
    utc = to_epoch("2024-01-01T00:00:00Z")
    assert to_epoch("2023-12-31T17:00:00-07:00") == utc
    assert to_epoch(utc) == utc and to_epoch(str(utc)) == utc
    assert to_epoch("yesterday") is None and to_epoch(None) is None
    assert iso_utc(utc + 0.9) == "2024-01-01T00:00:00Z"


def test_newest_first_state_keeps_the_old_mark_until_the_run_ends() -> None:
    state = NewestFirst.from_cursor(encode_cursor({"high_water": 100.0}))
    new, old = state.take([{"t": 300}, {"t": 200}], lambda i: i["t"])
    assert len(new) == 2 and not old
    mid = decode_cursor(state.cursor("tok", done=False))
    assert mid == {"high_water": 100.0, "resume": "tok", "run_max": 300.0}
    new, old = state.take([{"t": 150}, {"t": 100}, {"t": 50}], lambda i: i["t"])
    assert [i["t"] for i in new] == [150, 100] and old  # ties kept; an older item ends the walk
    assert decode_cursor(state.cursor("tok2", done=old)) == {"high_water": 300.0}
    # A page in ascending order does not prove the rest is older: keep paging.
    state = NewestFirst.from_cursor(encode_cursor({"high_water": 100.0}))
    assert state.take([{"t": 50}, {"t": 150}], lambda i: i["t"])[1] is False


def _client(server: SandboxServer, **retry) -> HttpClient:
    policy = RetryPolicy(**{"max_attempts": 4, "backoff_base": 0.01, **retry})
    return HttpClient(
        "shopify", server.url + "/shopify", headers={"X-Shopify-Access-Token": "t"}, retry=policy
    )


QUERY = {"query": "query { returns(first: 2) { nodes { id } } }", "variables": {"first": 2}}


def test_post_is_not_retried_on_500_unless_it_is_a_read(sandbox: SandboxServer) -> None:
    client = _client(sandbox)
    sandbox.set_faults(server_error=1)
    with pytest.raises(SourceError) as failure:
        client.post_json("/admin/api/2025-01/graphql.json", QUERY, endpoint="graphql")
    assert failure.value.status == 500 and failure.value.attempts == 1
    sandbox.set_faults(server_error=1)
    ok = client.post_json("/admin/api/2025-01/graphql.json", QUERY, endpoint="graphql", idempotent=True)
    assert ok.retries == 1 and ok.body["data"]["returns"]["nodes"]


def test_post_is_retried_on_429(sandbox: SandboxServer) -> None:
    sandbox.set_faults(rate_limit=1, retry_after=0.05, only="typeform")
    client = HttpClient(
        "typeform",
        sandbox.url + "/typeform",
        headers={"Authorization": "Bearer t"},
        retry=RetryPolicy(max_attempts=3, backoff_base=0.01),
    )
    result = client.get_json("/forms/f/responses", {"page_size": 1}, endpoint="responses")
    assert result.retries == 1 and client.take_retries() == 1 and client.take_retries() == 0


def test_retry_after_longer_than_the_budget_fails_fast(sandbox: SandboxServer) -> None:
    sandbox.set_faults(rate_limit=5, retry_after=30, only="typeform")
    client = HttpClient(
        "typeform",
        sandbox.url + "/typeform",
        headers={"Authorization": "Bearer t"},
        retry=RetryPolicy(max_attempts=5, max_total_wait=2),
    )
    with pytest.raises(SourceError, match="retry budget") as failure:
        client.get_json("/forms/f/responses", endpoint="responses")
    assert failure.value.attempts == 1


def test_a_spent_rate_limit_window_is_waited_out_before_the_next_call() -> None:
    waits: list[float] = []
    client = HttpClient(
        "reddit", "http://127.0.0.1:9", sleep=waits.append, retry=RetryPolicy(max_total_wait=20)
    )
    client._respect_quota({"X-Ratelimit-Remaining": "57.0", "X-Ratelimit-Reset": "30"}, "search")
    client._respect_quota({"X-Ratelimit-Remaining": "0.0", "X-Ratelimit-Reset": "4"}, "search")
    client._respect_quota({"X-Ratelimit-Remaining": "0", "X-Ratelimit-Reset": "300"}, "search")
    assert waits == [4.0, 10.0]  # the second is capped at half the retry budget
