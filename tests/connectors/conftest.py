"""One sandbox per session on a free port; each test gets fresh samples, no faults, its own warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import SandboxServer, Store, serve
from sandbox.samples import sample_tables

PAGE = "10"  # small pages: every sample source spans at least two


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    server = serve(None, "127.0.0.1", 0)
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server: SandboxServer, cfm_env: Path, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """The session sandbox reset to the samples, with every source's env pointing at it."""
    sandbox_server.reset(Store(sample_tables(n=40)))
    monkeypatch.setenv("CFM_SANDBOX_URL", sandbox_server.url)
    for name, value in {
        "CFM_HTTP_MAX_ATTEMPTS": "6",
        "CFM_HTTP_MAX_WAIT_SECONDS": "10",
        "CFM_HTTP_BACKOFF_SECONDS": "0.01",
        "CFM_HTTP_READ_TIMEOUT": "2",
        "QUALTRICS_POLL_SECONDS": "0.01",
        "QUALTRICS_PAGE_SIZE": PAGE,
        "ZENDESK_PAGE_SIZE": PAGE,
        "TYPEFORM_PAGE_SIZE": PAGE,
        "REDDIT_PAGE_SIZE": PAGE,
        "APPSTORE_PAGE_SIZE": PAGE,
        "SHOPIFY_PAGE_SIZE": PAGE,
    }.items():
        monkeypatch.setenv(name, value)
    for name in (
        "ZENDESK_BASE_URL",
        "TYPEFORM_BASE_URL",
        "QUALTRICS_BASE_URL",
        "REDDIT_BASE_URL",
        "APPSTORE_BASE_URL",
        "SHOPIFY_BASE_URL",
        "ZENDESK_SUBDOMAIN",
        "SHOPIFY_SHOP",
        "QUALTRICS_DATACENTER",
        "SHOPIFY_RETURNS_QUERY",
    ):
        monkeypatch.delenv(name, raising=False)
    return sandbox_server
