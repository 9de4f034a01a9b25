"""Each vendor's API as the sandbox speaks it: paths, paging, cursors and record shapes of the real service.

A handler takes a `Request` and returns a `Reply`. Records are built from the canonical rows of the store;
`malformed` pages carry one extra record whose timestamp cannot be read, `new_field` adds a field no
connector knows.
"""

from __future__ import annotations

import base64
import bisect
import io
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sandbox.faults import Faults
from sandbox.store import Store, epoch, iso

NEW_FIELD = "cfm_sandbox_new_field"
ZENDESK_CHANNEL = {"email": "email", "web": "web", "chat": "chat", "phone": "voice"}
PRODUCT_FIELD_ID = 360000000001  # Zendesk custom ticket field holding the product id


@dataclass
class Request:
    method: str
    vendor: str
    path: str  # after the vendor prefix, e.g. /api/v2/satisfaction_ratings
    query: dict[str, str]
    body: Any
    base: str  # absolute URL of the vendor prefix, for next links
    store: Store
    faults: Faults
    state: dict = field(default_factory=dict)  # per-vendor state kept by the server (Qualtrics jobs)


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def token(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def untoken(text: str) -> Any:
    padded = text + "=" * (-len(text) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode()))


# Sort keys of the store views the list endpoints page through (module-level: a view is cached per function).
def _ticket_order(r: dict) -> tuple:
    return (epoch(r["updated_at"]), r["ticket_id"])


def _ticket_number(r: dict) -> tuple:
    return (int(r["ticket_id"]),)


def _response_order(r: dict) -> tuple:
    return (epoch(r["submitted_at"]), r["response_id"])


def _post_order(r: dict) -> tuple:
    return (epoch(r["created_at"]), r["post_id"])


def _return_order(r: dict) -> tuple:
    return (epoch(r["requested_at"]), r["return_id"])


def error(status: int, message: str) -> Reply:
    return Reply(status, {"error": message})


def _int(query: dict, name: str, default: int, maximum: int) -> int:
    try:
        return max(1, min(int(query.get(name, default)), maximum))
    except ValueError:
        return default


def _decorate(req: Request, records: list[dict], bad: dict) -> list[dict]:
    if req.faults.new_field(req.vendor):
        for r in records:
            r[NEW_FIELD] = {"added_by": "sandbox", "value": 1}
    if records is not None and req.faults.take_malformed(req.vendor):
        records.insert(len(records) // 2, bad)
    return records


def _malformed_id(req: Request) -> int:
    req.state["malformed_seq"] = req.state.get("malformed_seq", 0) + 1
    return req.state["malformed_seq"]


# ---------------------------------------------------------------------------------------------- zendesk
def zendesk_ticket(row: dict) -> dict:
    sat = row.get("satisfaction")
    return {
        "id": int(row["ticket_id"]),
        "url": f"/api/v2/tickets/{int(row['ticket_id'])}.json",
        "external_id": row.get("customer_id"),
        "via": {"channel": ZENDESK_CHANNEL.get(row.get("channel"), row.get("channel")), "source": {}},
        "created_at": iso(row.get("created_at")),
        "updated_at": iso(row.get("updated_at")),
        "type": None,
        "subject": row.get("subject"),
        "raw_subject": row.get("subject"),
        "description": row.get("description"),
        "priority": row.get("priority"),
        "status": row.get("status"),
        "requester_id": 360000 + int(str(row.get("customer_id") or "C0")[1:] or 0),
        "submitter_id": None,
        "assignee_id": None,
        "organization_id": None,
        "tags": list(row.get("tags") or []),
        "custom_fields": [{"id": PRODUCT_FIELD_ID, "value": row.get("product_id")}],
        "satisfaction_rating": {"score": sat, "comment": row.get("satisfaction_comment")}
        if sat
        else {"score": "unoffered"},
        "generated_timestamp": int(epoch(row.get("updated_at"))),
    }


def zendesk_tickets(req: Request) -> Reply:
    view = req.store.view("tickets", _ticket_order, "ticket_id", system="zendesk")
    per_page = _int(req.query, "per_page", 1000, 1000)
    if "cursor" in req.query:
        try:
            position = tuple(untoken(req.query["cursor"]))
        except ValueError:
            return error(400, "invalid cursor")
    elif "start_time" in req.query:
        try:
            position = (float(req.query["start_time"]) - 1e-6, -1)
        except ValueError:
            return error(400, "start_time must be a unix epoch")
    else:
        return error(400, "start_time or cursor is required")
    start = bisect.bisect_right(view.keys, position)
    page = view.rows[start : start + per_page]
    last = (epoch(page[-1]["updated_at"]), page[-1]["ticket_id"]) if page else position
    after = token(list(last))
    tickets = [zendesk_ticket(r) for r in page]
    bad = {
        "id": 0,
        "subject": "malformed",
        "created_at": "not-a-timestamp",
        "updated_at": "not-a-timestamp",
        "status": "open",
    }
    tickets = _decorate(req, tickets, bad)
    if bad in tickets:
        bad["id"] = 990_000_000 + _malformed_id(req)
    link = f"{req.base}/api/v2/incremental/tickets/cursor.json?" + urlencode({"cursor": after})
    return Reply(
        200,
        {
            "tickets": tickets,
            "after_cursor": after,
            "after_url": link,
            "before_cursor": None,
            "before_url": None,
            "end_of_stream": len(view.rows) - start <= per_page,
        },
    )


def zendesk_rating(row: dict) -> dict:
    created = row.get("solved_at") or row.get("updated_at")
    return {
        "id": 50_000_000 + int(row["ticket_id"]),
        "url": f"/api/v2/satisfaction_ratings/{50_000_000 + int(row['ticket_id'])}.json",
        "assignee_id": None,
        "group_id": None,
        "requester_id": 360000 + int(str(row.get("customer_id") or "C0")[1:] or 0),
        "ticket_id": int(row["ticket_id"]),
        "score": row.get("satisfaction"),
        "comment": row.get("satisfaction_comment"),
        "reason_code": 0 if row.get("satisfaction") == "good" else 100,
        "created_at": iso(created),
        "updated_at": iso(created),
    }


def zendesk_ratings(req: Request) -> Reply:
    since = None
    if "start_time" in req.query:
        try:
            since = float(req.query["start_time"])
        except ValueError:
            return error(400, "start_time must be a unix epoch")
    size = _int(req.query, "page[size]", 100, 100)
    after = req.query.get("page[after]")
    try:
        last_id = int(untoken(after)) if after else None
    except ValueError:
        return error(400, "invalid page[after]")
    # Ratings are ordered by id (= 50,000,000 + ticket id): walk the tickets from the cursor on.
    view = req.store.view("tickets", _ticket_number, "ticket_id", system="zendesk")
    start = bisect.bisect_right(view.keys, (last_id - 50_000_000,)) if last_id is not None else 0
    page, has_more = [], False
    for row in view.rows[start:]:
        if not row.get("satisfaction"):
            continue
        rating = zendesk_rating(row)
        if since is not None and epoch(datetime.fromisoformat(rating["created_at"].replace("Z", "+00:00"))) < since:
            continue
        if len(page) == size:
            has_more = True
            break
        page.append(rating)
    after_cursor = token(page[-1]["id"]) if page else None
    params = {k: v for k, v in req.query.items() if k not in ("page[after]",)}
    next_link = None
    if has_more and after_cursor:
        next_link = f"{req.base}/api/v2/satisfaction_ratings?" + urlencode(
            {**params, "page[after]": after_cursor}
        )
    bad = {"id": 0, "ticket_id": None, "score": "good", "created_at": "not-a-timestamp"}
    page = _decorate(req, page, bad)
    if bad in page:
        bad["id"] = 59_000_000 + _malformed_id(req)
    return Reply(
        200,
        {
            "satisfaction_ratings": page,
            "meta": {
                "has_more": has_more,
                "after_cursor": after_cursor,
                "before_cursor": token(page[0]["id"]) if page else None,
            },
            "links": {"prev": None, "next": next_link},
        },
    )


# ---------------------------------------------------------------------------------------------- typeform
def typeform_item(row: dict) -> dict:
    rid = row["response_id"]
    answers = []
    for ref, kind, value in (
        ("nps", "opinion_scale", row.get("nps")),
        ("csat", "rating", row.get("csat")),
        ("ces", "opinion_scale", row.get("ces")),
    ):
        if value is not None:
            answers.append(
                {
                    "field": {"id": f"{ref}01", "ref": ref, "type": kind},
                    "type": "number",
                    "number": int(value),
                }
            )
    if row.get("comment"):
        answers.append(
            {
                "field": {"id": "comment01", "ref": "comment", "type": "long_text"},
                "type": "text",
                "text": row["comment"],
            }
        )
    return {
        "landing_id": rid,
        "token": rid,
        "response_id": rid,
        "landed_at": iso(row.get("submitted_at")),
        "submitted_at": iso(row.get("submitted_at")),
        "metadata": {
            "user_agent": "Mozilla/5.0",
            "platform": "other",
            "referer": "",
            "network_id": "n",
            "browser": "default",
        },
        "hidden": {
            "customer_id": row.get("customer_id"),
            "email": row.get("customer_email"),
            "product_id": row.get("product_id"),
            "language": row.get("language"),
        },
        "calculated": {"score": 0},
        "variables": [],
        "answers": answers,
    }


def _since(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        try:
            return (
                datetime.fromisoformat(value.replace("Z", "+00:00"))
                .replace(tzinfo=UTC if "Z" in value or "+" not in value else None)
                .timestamp()
            )
        except ValueError:
            return None


def typeform_responses(req: Request) -> Reply:
    # Typeform answers newest first; the view is oldest first, so the answer is [low, high) read backwards.
    view = req.store.view("survey_responses", _response_order, "response_id", survey_tool="typeform")
    low, high = 0, len(view.rows)
    for name in ("since", "until"):
        if name in req.query:
            bound = _since(req.query[name])
            if bound is None:
                return error(400, f"invalid {name}")
            if name == "since":
                low = bisect.bisect_left(view.keys, bound, key=lambda k: k[0])
            else:
                high = bisect.bisect_right(view.keys, bound, key=lambda k: k[0])
    if "before" in req.query or "after" in req.query:
        tok = req.query.get("before") or req.query.get("after")
        index = view.position.get(str(tok))
        if index is None or not low <= index < high:
            high = low
        elif "before" in req.query:  # older than the token
            high = index
        else:  # newer than the token
            low = index + 1
    size = _int(req.query, "page_size", 25, 1000)
    total = max(0, high - low)
    page = [typeform_item(r) for r in reversed(view.rows[max(low, high - size) : high])]
    bad = {
        "landing_id": "x",
        "token": "x",
        "response_id": "x",
        "submitted_at": "yesterday at noon",
        "answers": [],
    }
    page = _decorate(req, page, bad)
    if bad in page:
        bad["response_id"] = bad["token"] = bad["landing_id"] = f"malformed{_malformed_id(req)}"
        page.remove(bad)
        page.insert(0, bad)  # a token inside the page must stay a real one: keep the last item genuine
    return Reply(200, {"total_items": total, "page_count": math.ceil(total / size), "items": page})


# ---------------------------------------------------------------------------------------------- qualtrics
QUALTRICS_QIDS = {"nps": "QID1", "csat": "QID2", "ces": "QID3", "comment": "QID4_TEXT"}


def qualtrics_response(row: dict) -> dict:
    recorded = iso(row.get("submitted_at"))
    values = {
        "startDate": recorded,
        "endDate": recorded,
        "status": 0,
        "ipAddress": "203.0.113.7",
        "progress": 100,
        "duration": 95,
        "finished": 1,
        "recordedDate": recorded,
        "_recordId": row["response_id"],
        "locationLatitude": None,
        "locationLongitude": None,
        "distributionChannel": "email",
        "userLanguage": (row.get("language") or "en").upper(),
        "recipientEmail": row.get("customer_email"),
        "externalDataReference": row.get("customer_id"),
        "product_id": row.get("product_id"),
    }
    for name, qid in QUALTRICS_QIDS.items():
        if row.get(name) is not None:
            values[qid] = row[name]
    return {
        "responseId": row["response_id"],
        "values": values,
        "labels": {"status": "IP Address", "finished": "True"},
        "displayedFields": list(QUALTRICS_QIDS.values()),
        "displayedValues": {},
    }


def qualtrics(req: Request) -> Reply:
    m = re.fullmatch(r"/API/v3/surveys/([^/]+)/export-responses(?:/([^/]+))?(/file)?", req.path)
    if not m:
        return error(404, "not found")
    survey, ident, is_file = m.groups()
    jobs = req.state.setdefault("qualtrics_jobs", {})
    if req.method == "POST" and not ident:
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("format") not in ("json", None):
            return error(400, "this sandbox exports format=json only")
        since_seq = 0
        if body.get("continuationToken"):
            try:
                since_seq = int(untoken(body["continuationToken"]))
            except ValueError:
                return Reply(
                    400,
                    {
                        "meta": {
                            "httpStatus": "400 - Bad Request",
                            "error": {"errorMessage": "invalid continuationToken"},
                        }
                    },
                )
        rows = sorted(
            (r for r in req.store.rows("survey_responses", survey_tool="qualtrics") if r["_seq"] > since_seq),
            key=lambda r: r["_seq"],
        )
        last_seq = max([since_seq] + [r["_seq"] for r in req.store.rows("survey_responses")])
        responses = [qualtrics_response(r) for r in rows]
        bad = {"responseId": "x", "values": {"recordedDate": "not-a-date", "QID1": 5}}
        responses = _decorate(req, responses, bad)
        if bad in responses:
            bad["responseId"] = f"R_malformed{_malformed_id(req)}"
        n = len(jobs) + 1
        jobs[f"ES_{n:08d}"] = {
            "polls": 0,
            "file": f"{n:08d}-def",
            "responses": responses,
            "token": token(last_seq)
            if (body.get("allowContinuation") or body.get("continuationToken"))
            else None,
        }
        return Reply(
            200,
            {
                "result": {"progressId": f"ES_{n:08d}", "percentComplete": 0.0, "status": "inProgress"},
                "meta": {"requestId": f"req-{n}", "httpStatus": "200 - OK"},
            },
        )
    if req.method == "GET" and ident and not is_file:
        job = jobs.get(ident)
        if job is None:
            return error(404, "unknown progressId")
        job["polls"] += 1
        if job["polls"] < req.state.get("qualtrics_polls", 2):
            result = {"percentComplete": 50.0, "status": "inProgress"}
        else:
            result = {"fileId": job["file"], "percentComplete": 100.0, "status": "complete"}
            if job["token"]:
                result["continuationToken"] = job["token"]
        return Reply(200, {"result": result, "meta": {"requestId": "poll", "httpStatus": "200 - OK"}})
    if req.method == "GET" and ident and is_file:
        job = next((j for j in jobs.values() if j["file"] == ident), None)
        if job is None:
            return error(404, "unknown fileId")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"Survey {survey}.json", json.dumps({"responses": job["responses"]}))
        return Reply(200, buffer.getvalue(), {"Content-Type": "application/zip"})
    return error(405, "method not allowed")


# ---------------------------------------------------------------------------------------------- reddit
def reddit_post(row: dict) -> dict:
    pid = str(row["post_id"])
    return {
        "id": pid,
        "name": f"t3_{pid}",
        "author": row.get("author"),
        "title": row.get("title"),
        "selftext": row.get("body"),
        "score": int(row.get("score") or 0),
        "ups": int(row.get("score") or 0),
        "created_utc": epoch(row.get("created_at")),
        "subreddit": "feedbackshop",
        "subreddit_name_prefixed": "r/feedbackshop",
        "permalink": f"/r/feedbackshop/comments/{pid}/",
        "url": f"https://www.reddit.com/r/feedbackshop/comments/{pid}/",
        "num_comments": 0,
        "over_18": False,
        "link_flair_text": row.get("product_id"),
        "is_self": True,
    }


def reddit_search(req: Request) -> Reply:
    # Relevance order is not modelled: the sandbox answers newest first, as `sort=new` asks. The view is
    # oldest first, so a page is read backwards from `high` (everything older than the `after` post).
    view = req.store.view("social_posts", _post_order, "post_id", platform="reddit")
    high = len(view.rows)
    after = req.query.get("after")
    if after:
        index = view.position.get(after.removeprefix("t3_"))
        high = index if index is not None else 0
    limit = _int(req.query, "limit", 25, 100)
    page = [reddit_post(r) for r in reversed(view.rows[max(0, high - limit) : high])]
    more = high > limit
    next_after = page[-1]["name"] if page and more else None
    children = [{"kind": "t3", "data": p} for p in page]
    bad = {
        "kind": "t3",
        "data": {"id": "x", "name": "t3_x", "title": "malformed", "created_utc": "yesterday"},
    }
    children = _decorate(req, [c["data"] for c in children], bad["data"])
    if bad["data"] in children:
        n = _malformed_id(req)
        bad["data"]["id"], bad["data"]["name"] = f"malformed{n}", f"t3_malformed{n}"
    return Reply(
        200,
        {
            "kind": "Listing",
            "data": {
                "after": next_after,
                "dist": len(children),
                "modhash": "",
                "geo_filter": "",
                "children": [{"kind": "t3", "data": c} for c in children],
                "before": None,
            },
        },
        {"X-Ratelimit-Used": "1", "X-Ratelimit-Remaining": "99", "X-Ratelimit-Reset": "60"},
    )


# ---------------------------------------------------------------------------------------------- app store
def appstore_review(row: dict, base: str) -> dict:
    rid = str(row["post_id"])
    return {
        "type": "customerReviews",
        "id": rid,
        "attributes": {
            "rating": int(row["rating"]) if row.get("rating") is not None else None,
            "title": row.get("title"),
            "body": row.get("body"),
            "reviewerNickname": row.get("author"),
            "createdDate": iso(row.get("created_at"), offset_hours=-7),
            "territory": row.get("territory"),
        },
        "relationships": {
            "response": {
                "links": {
                    "self": f"{base}/v1/customerReviews/{rid}/relationships/response",
                    "related": f"{base}/v1/customerReviews/{rid}/response",
                }
            }
        },
        "links": {"self": f"{base}/v1/customerReviews/{rid}"},
    }


def appstore_reviews(req: Request, app_id: str) -> Reply:
    descending = req.query.get("sort", "-createdDate") != "createdDate"
    view = req.store.view("social_posts", _post_order, "post_id", platform="appstore")
    total = len(view.rows)
    low, high = 0, total  # the answer is view.rows[low:high], read backwards when descending
    if "cursor" in req.query:
        try:
            position = tuple(untoken(req.query["cursor"]))
        except ValueError:
            return Reply(
                400,
                {
                    "errors": [
                        {
                            "status": "400",
                            "code": "PARAMETER_ERROR.INVALID",
                            "title": "A parameter has an invalid value",
                            "detail": "cursor",
                        }
                    ]
                },
            )
        if descending:
            high = bisect.bisect_left(view.keys, position)
        else:
            low = bisect.bisect_right(view.keys, position)
    limit = _int(req.query, "limit", 50, 200)
    page = list(reversed(view.rows[max(low, high - limit) : high])) if descending else view.rows[low : low + limit]
    remaining = high - low
    self_link = f"{req.base}/v1/apps/{app_id}/customerReviews?" + urlencode(req.query)
    links = {"self": self_link}
    if remaining > limit:
        last = page[-1]
        params = {**req.query, "cursor": token([epoch(last["created_at"]), last["post_id"]])}
        links["next"] = f"{req.base}/v1/apps/{app_id}/customerReviews?" + urlencode(params)
    data = [appstore_review(r, req.base) for r in page]
    bad = {"type": "customerReviews", "id": "x", "attributes": {"rating": 5, "createdDate": "not-a-date"}}
    data = _decorate(req, data, bad)
    if bad in data:
        bad["id"] = f"malformed-{_malformed_id(req)}"
    return Reply(200, {"data": data, "links": links, "meta": {"paging": {"total": total, "limit": limit}}})


# ---------------------------------------------------------------------------------------------- shopify
def _gid(kind: str, value: Any) -> str:
    return f"gid://shopify/{kind}/{value}"


def shopify_return(row: dict, with_order: bool) -> dict:
    node = {
        "id": _gid("Return", row["return_id"]),
        "name": f"#{row['order_id']}-R{row['line_item_id']}",
        "status": row.get("status"),
        "createdAt": iso(row.get("requested_at")),
        "closedAt": iso(row.get("_updated_at")) if row.get("status") in ("CLOSED", "DECLINED") else None,
        "returnLineItems": {
            "nodes": [
                {
                    "id": _gid("ReturnLineItem", row["line_item_id"]),
                    "quantity": int(row.get("quantity") or 0),
                    "returnReason": row.get("reason_code"),
                    "returnReasonNote": "",
                    "customerNote": row.get("customer_note"),
                    "fulfillmentLineItem": {
                        "lineItem": {
                            "id": _gid("LineItem", row["line_item_id"]),
                            "sku": None,
                            "product": {"id": _gid("Product", row.get("product_id"))},
                        }
                    },
                }
            ]
        },
    }
    if with_order:
        node["order"] = shopify_order(row, [row])
    return node


def shopify_order(row: dict, rows: list[dict]) -> dict:
    return {
        "id": _gid("Order", row["order_id"]),
        "name": f"#{row['order_id']}",
        "updatedAt": iso(max(r["_updated_at"] for r in rows)),
        "customer": {
            "id": _gid("Customer", row.get("customer_id")),
            "email": f"customer{int(str(row.get('customer_id') or 'C0')[1:] or 0)}@example.com",
        },
    }


def _cost(requested: int = 52, available: int = 1948, rate: float = 100.0) -> dict:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": requested if available >= requested else None,
            "throttleStatus": {
                "maximumAvailable": 2000.0,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


def shopify_throttled(retry_after: float) -> Reply:
    # Bucket short by exactly `retry_after` seconds of refill at 100 points/s.
    available = max(0, 52 - int(retry_after * 100))
    return Reply(
        200,
        {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": _cost(52, available),
        },
    )


def shopify_graphql(req: Request) -> Reply:
    body = req.body if isinstance(req.body, dict) else {}
    query = body.get("query") or ""
    variables = body.get("variables") or {}
    m = re.search(r"\{\s*(\w+)", query)
    root = m.group(1) if m else None
    first = max(1, min(int(variables.get("first") or 50), 250))
    after = variables.get("after")
    if root == "returns" and req.state.get("shopify_root_returns", True):
        view = req.store.view("returns", _return_order, "return_id", system="shopify")
        start = bisect.bisect_right(view.keys, tuple(untoken(after))) if after else 0
        page = view.rows[start : start + first]
        nodes = [shopify_return(r, with_order=True) for r in page]
        end = token([epoch(page[-1]["requested_at"]), page[-1]["return_id"]]) if page else after
        bad = {"id": "x", "status": "OPEN", "createdAt": "not-a-date", "returnLineItems": {"nodes": []}}
        nodes = _decorate(req, nodes, bad)
        if bad in nodes:
            bad["id"] = _gid("Return", f"malformed{_malformed_id(req)}")
        connection = {
            "pageInfo": {
                "hasNextPage": len(view.rows) - start > first,
                "endCursor": end,
                "hasPreviousPage": bool(after),
                "startCursor": None,
            },
            "nodes": nodes,
        }
        return Reply(200, {"data": {"returns": connection}, "extensions": _cost()})
    if root == "orders":
        orders: dict[str, list[dict]] = {}
        for r in req.store.rows("returns", system="shopify"):
            orders.setdefault(r["order_id"], []).append(r)
        entries = sorted(
            ((epoch(max(x["_updated_at"] for x in rs)), oid, rs) for oid, rs in orders.items()),
            key=lambda e: (e[0], e[1]),
        )
        filt = re.search(r"updated_at:>=?'?([0-9T:\-+Z.]+)'?", variables.get("query") or "")
        if filt:
            bound = _since(filt.group(1))
            entries = [e for e in entries if bound is None or e[0] >= bound]
        if after:
            position = tuple(untoken(after))
            entries = [e for e in entries if (e[0], e[1]) > position]
        page = entries[:first]
        nodes = []
        for _, _, rs in page:
            order = shopify_order(rs[0], rs)
            rets = [shopify_return(r, with_order=False) for r in rs]
            nodes.append({**order, "returns": {"nodes": rets}})
        if nodes:
            bad = {"id": "x", "status": "OPEN", "createdAt": "not-a-date", "returnLineItems": {"nodes": []}}
            first_returns = nodes[0]["returns"]["nodes"]
            _decorate(req, first_returns, bad)
            if bad in first_returns:
                bad["id"] = _gid("Return", f"malformed{_malformed_id(req)}")
            for n in nodes[1:]:
                if req.faults.new_field(req.vendor):
                    for r in n["returns"]["nodes"]:
                        r[NEW_FIELD] = {"added_by": "sandbox", "value": 1}
        end = token([page[-1][0], page[-1][1]]) if page else after
        connection = {
            "pageInfo": {
                "hasNextPage": len(entries) > first,
                "endCursor": end,
                "hasPreviousPage": bool(after),
                "startCursor": None,
            },
            "nodes": nodes,
        }
        return Reply(200, {"data": {"orders": connection}, "extensions": _cost()})
    field_name = root or "?"
    return Reply(
        200,
        {
            "errors": [
                {
                    "message": f"Field '{field_name}' doesn't exist on type 'QueryRoot'",
                    "locations": [{"line": 2, "column": 3}],
                    "path": ["query", field_name],
                    "extensions": {
                        "code": "undefinedField",
                        "typeName": "QueryRoot",
                        "fieldName": field_name,
                    },
                }
            ]
        },
    )


# ---------------------------------------------------------------------------------------------- routing
Route = tuple[str, str, re.Pattern, Callable[..., Reply]]
ROUTES: list[Route] = [
    (
        "zendesk",
        "GET",
        re.compile(r"/api/v2/incremental/tickets/cursor(\.json)?"),
        lambda r, m: zendesk_tickets(r),
    ),
    ("zendesk", "GET", re.compile(r"/api/v2/satisfaction_ratings(\.json)?"), lambda r, m: zendesk_ratings(r)),
    ("typeform", "GET", re.compile(r"/forms/([^/]+)/responses"), lambda r, m: typeform_responses(r)),
    ("qualtrics", "*", re.compile(r"/API/v3/surveys/[^/]+/export-responses.*"), lambda r, m: qualtrics(r)),
    ("reddit", "GET", re.compile(r"(/r/[^/]+)?/search(\.json)?"), lambda r, m: reddit_search(r)),
    (
        "appstore",
        "GET",
        re.compile(r"/v1/apps/([^/]+)/customerReviews"),
        lambda r, m: appstore_reviews(r, m.group(1)),
    ),
    ("shopify", "POST", re.compile(r"/admin/api/[^/]+/graphql\.json"), lambda r, m: shopify_graphql(r)),
]
VENDORS = ("zendesk", "typeform", "qualtrics", "reddit", "appstore", "shopify")


def authorized(vendor: str, headers: Any) -> bool:
    """Each vendor's own auth header must be present (values are not checked: any token works here)."""
    auth = headers.get("Authorization") or ""
    if vendor == "zendesk":
        if not auth.startswith("Basic "):
            return False
        try:
            user = base64.b64decode(auth[6:]).decode()
        except ValueError:
            return False
        return "/token:" in user and not user.endswith(":")
    if vendor == "qualtrics":
        return bool(headers.get("X-API-TOKEN"))
    if vendor == "shopify":
        return bool(headers.get("X-Shopify-Access-Token"))
    return auth.lower().startswith("bearer ") and len(auth) > 7
