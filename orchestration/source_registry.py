"""Every source object the pipeline pulls: its connector, its raw table, its settings, and the pull loop.

One entry per source object (`zendesk_tickets`, `typeform_responses`, ...). The Dagster assets, the
`cfm pull` command and the tests all go through `pull()`, which lands page by page: each page's rows and
the cursor reached after it commit in one DuckDB transaction, so a crash resumes from the last committed
page and a replay merges on the primary key.

Settings come from environment variables (`<VENDOR>_BASE_URL` plus the vendor's credentials), listed in
`ENV_VARS` with their defaults; the defaults point at the local sandbox (`CFM_SANDBOX_URL`). Pointing a
connector at the real service is setting those variables, nothing else.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from connectors.appstore import AppStoreClient, attribute
from connectors.http import Page, RetryPolicy
from connectors.paging import prefetch
from connectors.qualtrics import QualtricsClient
from connectors.reddit import RedditClient
from connectors.shopify_returns import ShopifyReturnsClient, connection_nodes
from connectors.typeform import TypeformClient
from connectors.zendesk import ZendeskClient
from orchestration.settings import get_settings
from warehouse.landing import (
    LandingSpec,
    LandResult,
    canonical_json,
    land_export_file,
    land_frame,
    read_cursor,
    records_frame,
)

# Ticket export files: the landing asset (orchestration/assets/landing.py) and `cfm pull` share this spec.
TICKET_FILES = LandingSpec(
    source="ticket_files",
    entity="tickets",
    key=("ticket_id",),
    columns=(
        "ticket_id", "created_at", "updated_at", "status", "priority", "channel", "requester_id",
        "requester_email", "product_id", "subject", "description", "first_response_at", "solved_at",
        "reopens", "satisfaction_score", "tags",
    ),
    required=("ticket_id", "created_at", "requester_id"),
    types={
        "ticket_id": "int", "created_at": "timestamp", "updated_at": "timestamp",
        "first_response_at": "timestamp", "solved_at": "timestamp", "reopens": "int", "satisfaction_score": "int",
    },
    ranges={"satisfaction_score": (1, 5)},
)

SANDBOX_DEFAULT = "http://127.0.0.1:8765"


@dataclass(frozen=True)
class EnvVar:
    name: str
    default: str | None
    description: str
    secret: bool = False


def _sandbox(vendor: str) -> str:
    return f"(CFM_SANDBOX_URL)/{vendor}"


# Every variable a source reads, with its default. `(CFM_SANDBOX_URL)` stands for that variable's value.
ENV_VARS: tuple[EnvVar, ...] = (
    EnvVar("CFM_SANDBOX_URL", SANDBOX_DEFAULT, "Where `cfm sandbox` listens; default base of every source."),
    EnvVar("CFM_HTTP_MAX_ATTEMPTS", "6", "Tries per request (429, 5xx, dropped connections) before failing."),
    EnvVar("CFM_HTTP_MAX_WAIT_SECONDS", "120", "Most seconds one request may spend waiting between retries."),
    EnvVar("CFM_HTTP_BACKOFF_SECONDS", "0.5", "First backoff after a failure without Retry-After (doubles)."),
    EnvVar("CFM_HTTP_CONNECT_TIMEOUT", "5", "Connect timeout, seconds."),
    EnvVar("CFM_HTTP_READ_TIMEOUT", "30", "Read timeout, seconds."),
    EnvVar("CFM_MAX_PAGES", "100000", "Safety net: most pages one pull reads (the cursor resumes next run)."),
    EnvVar(
        "CFM_LANDING_BATCH_RECORDS",
        "5000",
        "Records landed per transaction: small pages are combined, the cursor is saved with each batch.",
    ),
    EnvVar("ZENDESK_BASE_URL", _sandbox("zendesk"), "Zendesk host (real: https://SUBDOMAIN.zendesk.com)."),
    EnvVar("ZENDESK_SUBDOMAIN", None, "Used for the base URL when ZENDESK_BASE_URL is unset."),
    EnvVar("ZENDESK_EMAIL", "sandbox@example.com", "Agent email for API-token basic auth."),
    EnvVar("ZENDESK_API_TOKEN", "sandbox-token", "API token (basic auth `email/token:TOKEN`).", secret=True),
    EnvVar("ZENDESK_START_TIME", "0", "Epoch seconds the first incremental ticket export starts from."),
    EnvVar("ZENDESK_PAGE_SIZE", "1000", "Tickets per incremental page (ratings: at most 100)."),
    EnvVar("ZENDESK_PRODUCT_FIELD_ID", "360000000001", "Custom ticket field holding the product id."),
    EnvVar("TYPEFORM_BASE_URL", _sandbox("typeform"), "Typeform API host (real: https://api.typeform.com)."),
    EnvVar("TYPEFORM_TOKEN", "sandbox-token", "Personal access token (Bearer).", secret=True),
    EnvVar("TYPEFORM_FORM_ID", "cfmform", "Form whose responses are pulled."),
    EnvVar("TYPEFORM_PAGE_SIZE", "1000", "Responses per page (at most 1000)."),
    EnvVar(
        "QUALTRICS_BASE_URL",
        _sandbox("qualtrics"),
        "Qualtrics host (real: https://DATACENTER.qualtrics.com).",
    ),
    EnvVar("QUALTRICS_DATACENTER", None, "Used for the base URL when QUALTRICS_BASE_URL is unset."),
    EnvVar("QUALTRICS_API_TOKEN", "sandbox-token", "API token (X-API-TOKEN header).", secret=True),
    EnvVar("QUALTRICS_SURVEY_ID", "SV_cfmsandbox", "Survey whose responses are exported."),
    EnvVar("QUALTRICS_PAGE_SIZE", "500", "Responses of the export file landed per transaction."),
    EnvVar("QUALTRICS_POLL_SECONDS", "1", "First wait between export progress polls (grows 1.5x)."),
    EnvVar("REDDIT_BASE_URL", _sandbox("reddit"), "Reddit OAuth host (real: https://oauth.reddit.com)."),
    EnvVar("REDDIT_TOKEN", "sandbox-token", "OAuth bearer token.", secret=True),
    EnvVar("REDDIT_QUERY", "feedbackshop", "Search query."),
    EnvVar("REDDIT_SUBREDDIT", None, "Restrict the search to this subreddit (`/r/NAME/search`)."),
    EnvVar(
        "REDDIT_USER_AGENT", "customer-feedback-mining/0.1", "User-Agent Reddit asks every client to set."
    ),
    EnvVar("REDDIT_PAGE_SIZE", "100", "Posts per page (at most 100)."),
    EnvVar(
        "APPSTORE_BASE_URL",
        _sandbox("appstore"),
        "App Store Connect host (real: https://api.appstoreconnect.apple.com).",
    ),
    EnvVar("APPSTORE_TOKEN", "sandbox-token", "Signed JWT (Bearer), renewed by the caller.", secret=True),
    EnvVar("APPSTORE_APP_ID", "1234567890", "App whose customer reviews are pulled."),
    EnvVar("APPSTORE_PAGE_SIZE", "200", "Reviews per page (at most 200)."),
    EnvVar("SHOPIFY_BASE_URL", _sandbox("shopify"), "Shop host (real: https://SHOP.myshopify.com)."),
    EnvVar("SHOPIFY_SHOP", None, "Used for the base URL when SHOPIFY_BASE_URL is unset."),
    EnvVar(
        "SHOPIFY_ACCESS_TOKEN",
        "sandbox-token",
        "Admin API access token (X-Shopify-Access-Token).",
        secret=True,
    ),
    EnvVar("SHOPIFY_API_VERSION", "2025-01", "Admin API version in the path."),
    EnvVar("SHOPIFY_RETURNS_QUERY", "auto", "auto, returns or orders: root `returns` or orders→returns."),
    EnvVar("SHOPIFY_PAGE_SIZE", "50", "Returns (or orders) per GraphQL page."),
)
SECRETS = tuple(v.name for v in ENV_VARS if v.secret)
_DEFAULTS = {v.name: v.default for v in ENV_VARS}


class Env:
    """Reads a variable from the mapping given (os.environ by default), falling back to ENV_VARS defaults."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = os.environ if env is None else env

    def get(self, name: str) -> str | None:
        value = self.env.get(name)
        if value not in (None, ""):
            return value
        default = _DEFAULTS.get(name)
        if default and default.startswith("(CFM_SANDBOX_URL)"):
            return (self.get("CFM_SANDBOX_URL") or SANDBOX_DEFAULT).rstrip("/") + default[
                len("(CFM_SANDBOX_URL)") :
            ]
        return default

    def int(self, name: str) -> int:
        return int(self.get(name) or 0)

    def float(self, name: str) -> float:
        return float(self.get(name) or 0)

    def base_url(self, vendor: str, real: Callable[[str], str] | None = None, hint_var: str = "") -> str:
        """<VENDOR>_BASE_URL if set; else the real host built from a subdomain-like hint; else the sandbox."""
        explicit = self.env.get(f"{vendor}_BASE_URL")
        if explicit:
            return explicit.rstrip("/")
        hint = self.env.get(hint_var) if hint_var else None
        if hint and real:
            return real(hint)
        return (self.get(f"{vendor}_BASE_URL") or "").rstrip("/")

    def http(self) -> dict[str, Any]:
        return {
            "timeout": (self.float("CFM_HTTP_CONNECT_TIMEOUT"), self.float("CFM_HTTP_READ_TIMEOUT")),
            "retry": RetryPolicy(
                max_attempts=self.int("CFM_HTTP_MAX_ATTEMPTS"),
                max_total_wait=self.float("CFM_HTTP_MAX_WAIT_SECONDS"),
                backoff_base=self.float("CFM_HTTP_BACKOFF_SECONDS"),
            ),
        }


# ------------------------------------------------------------------------------------------ extraction
def _get(obj: Any, *path: str) -> Any:
    for part in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(part)
    return obj


def _zendesk_ticket(t: dict) -> dict:
    product_field = str(os.environ.get("ZENDESK_PRODUCT_FIELD_ID") or _DEFAULTS["ZENDESK_PRODUCT_FIELD_ID"])
    product = next(
        (
            f.get("value")
            for f in t.get("custom_fields") or []
            if isinstance(f, dict) and str(f.get("id")) == product_field
        ),
        None,
    )
    rating = t.get("satisfaction_rating") if isinstance(t.get("satisfaction_rating"), dict) else {}
    return {
        "id": t.get("id"),
        "status": t.get("status"),
        "priority": t.get("priority"),
        "subject": t.get("subject"),
        "description": t.get("description"),
        "requester_id": t.get("requester_id"),
        "external_id": t.get("external_id"),
        "channel": _get(t, "via", "channel"),
        "tags": t.get("tags"),
        "created_at": t.get("created_at"),
        "updated_at": t.get("updated_at"),
        "satisfaction_score": rating.get("score"),
        "satisfaction_comment": rating.get("comment"),
        "product_id": product,
    }


def _zendesk_rating(r: dict) -> dict:
    return {
        k: r.get(k)
        for k in (
            "id",
            "ticket_id",
            "requester_id",
            "score",
            "comment",
            "reason_code",
            "created_at",
            "updated_at",
        )
    }


# Typeform fields are found by their `ref` (set in the form builder), Qualtrics answers by question id.
TYPEFORM_REFS = {"nps": "nps", "csat": "csat", "ces": "ces", "comment": "comment"}
QUALTRICS_QIDS = {"nps": "QID1", "csat": "QID2", "ces": "QID3", "comment": "QID4_TEXT"}


def _typeform_response(r: dict) -> dict:
    answers = {}
    for answer in r.get("answers") or []:
        if not isinstance(answer, dict):
            continue
        ref = _get(answer, "field", "ref")
        kind = answer.get("type")
        value = answer.get(kind) if kind else None
        if isinstance(value, dict):  # choice answers: {"label": ...}
            value = value.get("label")
        answers[ref] = value
    hidden = r.get("hidden") if isinstance(r.get("hidden"), dict) else {}
    return {
        "response_id": r.get("response_id") or r.get("token"),
        "token": r.get("token"),
        "submitted_at": r.get("submitted_at"),
        "landed_at": r.get("landed_at"),
        "customer_id": hidden.get("customer_id"),
        "email": hidden.get("email"),
        "product_id": hidden.get("product_id"),
        "language": hidden.get("language"),
        **{name: answers.get(ref) for name, ref in TYPEFORM_REFS.items()},
    }


def _qualtrics_response(r: dict) -> dict:
    values = r.get("values") if isinstance(r.get("values"), dict) else {}
    return {
        "response_id": r.get("responseId"),
        "recorded_at": values.get("recordedDate"),
        "finished": values.get("finished"),
        "customer_id": values.get("externalDataReference"),
        "email": values.get("recipientEmail"),
        "product_id": values.get("product_id"),
        "language": values.get("userLanguage"),
        **{name: values.get(qid) for name, qid in QUALTRICS_QIDS.items()},
    }


def _reddit_post(p: dict) -> dict:
    return {
        k: p.get(k)
        for k in (
            "id",
            "name",
            "author",
            "title",
            "selftext",
            "score",
            "created_utc",
            "subreddit",
            "permalink",
            "link_flair_text",
        )
    }


def _appstore_review(r: dict) -> dict:
    return {
        "id": r.get("id"),
        "rating": attribute(r, "rating"),
        "title": attribute(r, "title"),
        "body": attribute(r, "body"),
        "reviewer_nickname": attribute(r, "reviewerNickname"),
        "created_date": attribute(r, "createdDate"),
        "territory": attribute(r, "territory"),
    }


def _shopify_return(r: dict) -> dict:
    items = []
    for item in connection_nodes(r.get("returnLineItems")):
        if isinstance(item, dict):
            items.append(
                {
                    "id": item.get("id"),
                    "quantity": item.get("quantity"),
                    "return_reason": item.get("returnReason"),
                    "return_reason_note": item.get("returnReasonNote"),
                    "customer_note": item.get("customerNote"),
                    "product_id": _get(item, "fulfillmentLineItem", "lineItem", "product", "id"),
                }
            )
    return {
        "id": r.get("id"),
        "name": r.get("name"),
        "status": r.get("status"),
        "created_at": r.get("createdAt"),
        "closed_at": r.get("closedAt"),
        "order_id": _get(r, "order", "id"),
        "order_updated_at": _get(r, "order", "updatedAt"),
        "customer_id": _get(r, "order", "customer", "id"),
        "customer_email": _get(r, "order", "customer", "email"),
        "line_items": items,
    }


# ------------------------------------------------------------------------------------------ registry
@dataclass(frozen=True)
class ApiSource:
    name: str  # what `cfm pull` takes: <vendor>_<entity>s
    vendor: str
    family: str  # Dagster group: surveys, social, tickets, returns
    spec: LandingSpec
    extract: Callable[[dict], dict]
    fetcher: Callable[[Env], Callable[[str | None], Iterator[Page]]]
    description: str
    kind: str = field(default="api")


@dataclass(frozen=True)
class FileSource:
    name: str
    vendor: str
    family: str
    spec: LandingSpec
    folder: str  # sub-folder of CFM_LANDING_DIR
    description: str
    kind: str = field(default="file")


def _max_pages(env: Env) -> int:
    return env.int("CFM_MAX_PAGES")


def _zendesk(env: Env) -> ZendeskClient:
    return ZendeskClient(
        env.base_url("ZENDESK", lambda s: f"https://{s}.zendesk.com", "ZENDESK_SUBDOMAIN"),
        env.get("ZENDESK_EMAIL") or "",
        env.get("ZENDESK_API_TOKEN") or "",
        page_size=env.int("ZENDESK_PAGE_SIZE"),
        start_time=env.int("ZENDESK_START_TIME"),
        max_pages=_max_pages(env),
        **env.http(),
    )


def _typeform(env: Env) -> TypeformClient:
    return TypeformClient(
        env.base_url("TYPEFORM"),
        env.get("TYPEFORM_TOKEN") or "",
        env.get("TYPEFORM_FORM_ID") or "",
        page_size=env.int("TYPEFORM_PAGE_SIZE"),
        max_pages=_max_pages(env),
        **env.http(),
    )


def _qualtrics(env: Env) -> QualtricsClient:
    return QualtricsClient(
        env.base_url("QUALTRICS", lambda s: f"https://{s}.qualtrics.com", "QUALTRICS_DATACENTER"),
        env.get("QUALTRICS_API_TOKEN") or "",
        env.get("QUALTRICS_SURVEY_ID") or "",
        page_size=env.int("QUALTRICS_PAGE_SIZE"),
        poll_interval=env.float("QUALTRICS_POLL_SECONDS"),
        **env.http(),
    )


def _reddit(env: Env) -> RedditClient:
    return RedditClient(
        env.base_url("REDDIT"),
        env.get("REDDIT_TOKEN") or "",
        env.get("REDDIT_QUERY") or "",
        subreddit=env.get("REDDIT_SUBREDDIT"),
        user_agent=env.get("REDDIT_USER_AGENT") or "",
        page_size=env.int("REDDIT_PAGE_SIZE"),
        max_pages=_max_pages(env),
        **env.http(),
    )


def _appstore(env: Env) -> AppStoreClient:
    return AppStoreClient(
        env.base_url("APPSTORE"),
        env.get("APPSTORE_TOKEN") or "",
        env.get("APPSTORE_APP_ID") or "",
        page_size=env.int("APPSTORE_PAGE_SIZE"),
        max_pages=_max_pages(env),
        **env.http(),
    )


def _shopify(env: Env) -> ShopifyReturnsClient:
    return ShopifyReturnsClient(
        env.base_url("SHOPIFY", lambda s: f"https://{s}.myshopify.com", "SHOPIFY_SHOP"),
        env.get("SHOPIFY_ACCESS_TOKEN") or "",
        api_version=env.get("SHOPIFY_API_VERSION") or "2025-01",
        page_size=env.int("SHOPIFY_PAGE_SIZE"),
        mode=env.get("SHOPIFY_RETURNS_QUERY") or "auto",
        max_pages=_max_pages(env),
        **env.http(),
    )


SURVEY_SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
SURVEY_TYPES = {"nps": "int", "csat": "int", "ces": "int"}

SOURCES: dict[str, ApiSource | FileSource] = {
    s.name: s
    for s in (
        ApiSource(
            "zendesk_tickets",
            "zendesk",
            "tickets",
            LandingSpec(
                source="zendesk",
                entity="tickets",
                key=("id",),
                columns=(
                    "id",
                    "status",
                    "priority",
                    "subject",
                    "description",
                    "requester_id",
                    "external_id",
                    "channel",
                    "tags",
                    "created_at",
                    "updated_at",
                    "satisfaction_score",
                    "satisfaction_comment",
                    "product_id",
                ),
                required=("id", "created_at", "updated_at"),
                types={
                    "id": "int",
                    "requester_id": "int",
                    "created_at": "timestamp",
                    "updated_at": "timestamp",
                },
            ),
            _zendesk_ticket,
            lambda env: _zendesk(env).fetch_tickets,
            "Zendesk tickets from the incremental cursor export; every changed version kept.",
        ),
        ApiSource(
            "zendesk_satisfaction_ratings",
            "zendesk",
            "tickets",
            LandingSpec(
                source="zendesk",
                entity="satisfaction_ratings",
                key=("id",),
                columns=(
                    "id",
                    "ticket_id",
                    "requester_id",
                    "score",
                    "comment",
                    "reason_code",
                    "created_at",
                    "updated_at",
                ),
                required=("id", "ticket_id", "created_at"),
                types={
                    "id": "int",
                    "ticket_id": "int",
                    "requester_id": "int",
                    "created_at": "timestamp",
                    "updated_at": "timestamp",
                },
            ),
            _zendesk_rating,
            lambda env: _zendesk(env).fetch_satisfaction_ratings,
            "Zendesk satisfaction ratings (good/bad with comment), cursor paged.",
        ),
        ApiSource(
            "typeform_responses",
            "typeform",
            "surveys",
            LandingSpec(
                source="typeform",
                entity="responses",
                key=("response_id",),
                columns=(
                    "response_id",
                    "token",
                    "submitted_at",
                    "landed_at",
                    "customer_id",
                    "email",
                    "product_id",
                    "language",
                    "nps",
                    "csat",
                    "ces",
                    "comment",
                ),
                required=("response_id", "submitted_at"),
                types={"submitted_at": "timestamp", "landed_at": "timestamp", **SURVEY_TYPES},
                ranges=SURVEY_SCORE_RANGES,
            ),
            _typeform_response,
            lambda env: _typeform(env).fetch_responses,
            "Typeform form responses (NPS, CSAT, CES, comment by field ref).",
        ),
        ApiSource(
            "qualtrics_responses",
            "qualtrics",
            "surveys",
            LandingSpec(
                source="qualtrics",
                entity="responses",
                key=("response_id",),
                columns=(
                    "response_id",
                    "recorded_at",
                    "finished",
                    "customer_id",
                    "email",
                    "product_id",
                    "language",
                    "nps",
                    "csat",
                    "ces",
                    "comment",
                ),
                required=("response_id", "recorded_at"),
                types={"recorded_at": "timestamp", **SURVEY_TYPES},
                ranges=SURVEY_SCORE_RANGES,
            ),
            _qualtrics_response,
            lambda env: _qualtrics(env).fetch_responses,
            "Qualtrics survey responses from the export-responses API with continuation tokens.",
        ),
        ApiSource(
            "reddit_posts",
            "reddit",
            "social",
            LandingSpec(
                source="reddit",
                entity="posts",
                key=("id",),
                columns=(
                    "id",
                    "name",
                    "author",
                    "title",
                    "selftext",
                    "score",
                    "created_utc",
                    "subreddit",
                    "permalink",
                    "link_flair_text",
                ),
                required=("id", "created_utc"),
                types={"score": "int", "created_utc": "float"},
            ),
            _reddit_post,
            lambda env: _reddit(env).fetch_posts,
            "Reddit posts matching REDDIT_QUERY (search listing, newest first).",
        ),
        ApiSource(
            "appstore_reviews",
            "appstore",
            "social",
            LandingSpec(
                source="appstore",
                entity="reviews",
                key=("id",),
                columns=("id", "rating", "title", "body", "reviewer_nickname", "created_date", "territory"),
                required=("id", "created_date"),
                types={"rating": "int", "created_date": "timestamp"},
                ranges={"rating": (1, 5)},
            ),
            _appstore_review,
            lambda env: _appstore(env).fetch_reviews,
            "App Store customer reviews (rating, title, body, territory).",
        ),
        ApiSource(
            "shopify_returns",
            "shopify",
            "returns",
            LandingSpec(
                source="shopify",
                entity="returns",
                key=("id",),
                columns=(
                    "id",
                    "name",
                    "status",
                    "created_at",
                    "closed_at",
                    "order_id",
                    "order_updated_at",
                    "customer_id",
                    "customer_email",
                    "line_items",
                ),
                required=("id", "created_at"),
                types={"created_at": "timestamp", "closed_at": "timestamp", "order_updated_at": "timestamp"},
            ),
            _shopify_return,
            lambda env: _shopify(env).fetch_returns,
            "Shopify returns with their line items (returnReason, customerNote), GraphQL cursor paged.",
        ),
        FileSource(
            "ticket_files_tickets",
            "ticket_files",
            "tickets",
            TICKET_FILES,
            "tickets",
            "Ticket export files (CSV, JSON lines) dropped in CFM_LANDING_DIR/tickets.",
        ),
        FileSource(
            "survey_files_responses",
            "survey_files",
            "surveys",
            LandingSpec(
                source="survey_files",
                entity="responses",
                key=("response_id",),
                columns=(
                    "response_id",
                    "submitted_at",
                    "respondent_id",
                    "respondent_email",
                    "product_id",
                    "nps",
                    "csat",
                    "ces",
                    "comment",
                ),
                required=("response_id", "submitted_at"),
                types={"submitted_at": "timestamp", **SURVEY_TYPES},
                ranges=SURVEY_SCORE_RANGES,
            ),
            "surveys",
            "Generic survey CSV exports dropped in CFM_LANDING_DIR/surveys.",
        ),
        FileSource(
            "returns_files_returns",
            "returns_files",
            "returns",
            LandingSpec(
                source="returns_files",
                entity="returns",
                key=("return_id",),
                columns=(
                    "return_id",
                    "order_id",
                    "line_item_id",
                    "customer_id",
                    "product_id",
                    "quantity",
                    "amount",
                    "currency",
                    "reason_code",
                    "customer_note",
                    "status",
                    "requested_at",
                ),
                required=("return_id", "requested_at"),
                types={"quantity": "int", "amount": "float", "requested_at": "timestamp"},
            ),
            "returns",
            "Returns CSV exports with reason codes dropped in CFM_LANDING_DIR/returns.",
        ),
    )
}


# ------------------------------------------------------------------------------------------ the pull loop
# Pages requested ahead while a batch lands: about a batch of records for small pages, a few tens of MB at most.
PREFETCH_PAGES = 32


@dataclass
class PullResult:
    source: str
    pages: int = 0
    cursor: str | None = None
    result: LandResult = field(default_factory=LandResult)
    extra: dict[str, Any] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        r = self.result
        return {
            "fetched": r.fetched,
            "landed": r.inserted + r.updated,
            "inserted": r.inserted,
            "updated": r.updated,
            "unchanged": r.unchanged,
            "quarantined": r.quarantined,
            "pages": self.pages,
            "cursor": self.cursor or "",
            "quarantine_reasons": json.dumps(r.reasons),
            **self.extra,
        }


def page_frame(source: ApiSource, records: list[dict]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The landing frame of one page (extracted columns + the untouched record as `_payload`), and the
    records that could not even be extracted (for quarantine)."""
    extracted, payloads, broken = [], [], []
    for position, record in enumerate(records, start=1):
        try:
            if not isinstance(record, dict):
                raise TypeError(f"expected an object, found {type(record).__name__}")
            row = source.extract(record)
        except Exception as exc:  # noqa: BLE001 (one odd record must not stop the page)
            broken.append(
                {
                    "line": position,
                    "reason": f"unparseable record: {exc}",
                    "payload": json.dumps(record, default=str, ensure_ascii=False),
                }
            )
            continue
        extracted.append(row)
        payloads.append(canonical_json(record))
    frame = records_frame(source.spec, extracted, payloads)
    errors = pl.DataFrame(broken, schema={"line": pl.Int64, "reason": pl.Utf8, "payload": pl.Utf8})
    return frame, errors


def pull(
    name: str,
    con,
    *,
    env: Mapping[str, str] | None = None,
    on_page: Callable[[int, Page, LandResult], None] | None = None,
    log: Callable[[str], None] | None = None,
) -> PullResult:
    """Fetch one source object from its stored cursor and land it into `con`'s warehouse, a batch of pages per
    transaction (CFM_LANDING_BATCH_RECORDS); `on_page(batch number, its last page, what it landed)` after each.
    The next pages are requested on a thread while a batch lands (`prefetch`)."""
    source = SOURCES[name]
    if isinstance(source, FileSource):
        return pull_files(source, con, log=log)
    settings = Env(env)
    out = PullResult(name)
    cursor = read_cursor(con, source.spec)
    out.cursor = cursor
    fetch = source.fetcher(settings)
    batch_records = max(1, settings.int("CFM_LANDING_BATCH_RECORDS"))
    # Pages are landed in batches: one DuckDB transaction costs far more than parsing a page of 50–100
    # records, and the cursor saved with a batch is its last page's, so a crash re-reads at most one batch.
    batch: list[Page] = []
    batches = 0

    def land_batch() -> None:
        nonlocal batches
        pages = batch.copy()
        batch.clear()
        records = [r for p in pages for r in p.records]
        frame, errors = page_frame(source, records)
        cursor = next((p.cursor for p in reversed(pages) if p.cursor is not None), None)
        landed = land_frame(con, source.spec, frame, cursor=cursor, extra_quarantine=errors)
        batches += 1
        out.result.add(landed)
        if cursor is not None:
            out.cursor = cursor
        if log:
            log(
                f"{name} pages {out.pages - len(pages) + 1}-{out.pages}: fetched {landed.fetched}, "
                f"new {landed.inserted}, updated {landed.updated}, quarantined {landed.quarantined}"
            )
        if on_page:
            on_page(batches, pages[-1], landed)

    pending = 0  # records in `batch`
    fetched = prefetch(fetch(cursor), PREFETCH_PAGES)
    try:
        for page in fetched:
            out.pages += 1
            batch.append(page)
            pending += len(page.records)
            if pending >= batch_records:
                land_batch()
                pending = 0
    finally:  # a source failing mid-run keeps what it already sent
        fetched.close()
        if batch:
            land_batch()
    return out


def pull_files(source: FileSource, con, *, log: Callable[[str], None] | None = None) -> PullResult:
    """Land every new export file of the source's landing sub-folder (a file already landed adds nothing)."""
    folder = get_settings().landing_dir / source.folder
    out = PullResult(source.name)
    files = (
        sorted(p for p in folder.glob("*") if p.suffix.lower() in (".csv", ".jsonl", ".ndjson", ".json"))
        if folder.exists()
        else []
    )
    landed_files = skipped = 0
    for path in files:
        result = land_export_file(con, source.spec, path)
        if result is None:
            skipped += 1
            continue
        landed_files += 1
        out.pages += 1
        out.result.add(result)
        if log:
            log(
                f"{source.name} {path.name}: fetched {result.fetched}, new {result.inserted}, "
                f"updated {result.updated}, quarantined {result.quarantined}"
            )
    out.extra = {"folder": str(folder), "files_landed": landed_files, "files_already_landed": skipped}
    return out


def env_table_markdown() -> str:
    """The settings table for the README: variable, default, meaning."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for v in ENV_VARS:
        default = "(unset)" if v.default is None else f"`{v.default}`"
        lines.append(f"| `{v.name}` | {default} | {v.description}{' (secret)' if v.secret else ''} |")
    return "\n".join(lines)
