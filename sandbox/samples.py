"""Small, deterministic canonical records for the sandbox when no generated data is at hand.

The columns are those the generator writes to DIR/sandbox/*.parquet (see CONTRACTS.md), so a test or a
demo without `cfm generate` still exercises every vendor format. `more(table, n, after=...)` makes new
records for "a second run only fetches what is new" checks.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

START = datetime(2024, 1, 1, tzinfo=UTC)

COMMENTS_EN = (
    "The app crashes every time I open the cart.",
    "Delivery was two days late and nobody answered my email.",
    "Love the new dashboard, very easy to use.",
    "Too expensive compared to last year.",
    "Could you add a dark mode?",
    "Login keeps failing after the update.",
    "Great support, fixed in minutes.",
    "The shoes run small, had to return them.",
)
COMMENTS_ZH = ("加载太慢了", "客服态度很好", "价格太贵了", "退款一直没到账", "希望增加夜间模式")
REASONS = (
    "COLOR",
    "DEFECTIVE",
    "NOT_AS_DESCRIBED",
    "OTHER",
    "SIZE_TOO_LARGE",
    "SIZE_TOO_SMALL",
    "STYLE",
    "UNKNOWN",
    "UNWANTED",
    "WRONG_ITEM",
)
TERRITORIES = ("USA", "CHN", "GBR", "DEU", "JPN")


def customers(n: int = 20) -> list[dict]:
    return [
        {
            "customer_id": f"C{i:06d}",
            "name": f"Customer {i}",
            "email": f"customer{i}@example.com",
            "phone": f"+1555{i:07d}",
            "handle": f"user_{i}",
            "country": TERRITORIES[i % len(TERRITORIES)],
            "signup_date": (START - timedelta(days=100 + i)).date(),
        }
        for i in range(1, n + 1)
    ]


def _text(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.2:
        return rng.choice(COMMENTS_ZH), "zh"
    return rng.choice(COMMENTS_EN), "en"


def survey_responses(n: int, seed: int = 0, offset: int = 0, start: datetime = START) -> list[dict]:
    rng = random.Random(seed * 7919 + offset)
    tools = ("typeform", "qualtrics", "csv")
    rows = []
    for i in range(offset, offset + n):
        text, lang = _text(rng)
        cid = f"C{rng.randint(1, 20):06d}"
        rows.append(
            {
                "response_id": f"RSP{i:06d}",
                "survey_tool": tools[i % 3],
                "customer_id": cid,
                "customer_email": f"customer{int(cid[1:])}@example.com",
                "product_id": f"P{rng.randint(1, 9):04d}",
                "submitted_at": start + timedelta(minutes=37 * (i - offset)),
                "nps": rng.randint(0, 10),
                "csat": rng.randint(1, 5),
                "ces": rng.randint(1, 7),
                "comment": text,
                "language": lang,
            }
        )
    return rows


def social_posts(n: int, seed: int = 0, offset: int = 0, start: datetime = START) -> list[dict]:
    rng = random.Random(seed * 104729 + offset)
    rows = []
    for i in range(offset, offset + n):
        text, lang = _text(rng)
        platform = ("reddit", "appstore")[i % 2]
        rows.append(
            {
                "post_id": f"S{i:06d}",
                "platform": platform,
                "author": f"user_{rng.randint(1, 20)}",
                "title": text[:30],
                "body": text,
                "rating": rng.randint(1, 5) if platform == "appstore" else None,
                "score": rng.randint(0, 500),
                "created_at": start + timedelta(minutes=53 * (i - offset)),
                "product_id": f"P{rng.randint(1, 9):04d}",
                "territory": TERRITORIES[i % len(TERRITORIES)],
                "language": lang,
            }
        )
    return rows


def tickets(n: int, seed: int = 0, offset: int = 0, start: datetime = START) -> list[dict]:
    rng = random.Random(seed * 15485863 + offset)
    rows = []
    for i in range(offset, offset + n):
        text, lang = _text(rng)
        created = start + timedelta(minutes=41 * (i - offset))
        status = rng.choice(("new", "open", "pending", "solved", "closed"))
        solved = created + timedelta(hours=rng.randint(1, 72)) if status in ("solved", "closed") else None
        satisfaction = rng.choice(("good", "bad", None)) if solved else None
        cid = f"C{rng.randint(1, 20):06d}"
        rows.append(
            {
                "ticket_id": 1000 + i,
                "system": "zendesk" if i % 4 else "export",
                "customer_id": cid,
                "requester_email": f"customer{int(cid[1:])}@example.com",
                "channel": rng.choice(("email", "web", "chat", "phone")),
                "subject": text[:40],
                "description": text,
                "status": status,
                "priority": rng.choice(("urgent", "high", "normal", "low")),
                "created_at": created,
                "updated_at": solved or created + timedelta(minutes=5),
                "first_response_at": created + timedelta(minutes=rng.randint(5, 600)),
                "solved_at": solved,
                "reopens": 0,
                "satisfaction": satisfaction,
                "satisfaction_comment": ("thanks" if satisfaction == "good" else "slow")
                if satisfaction
                else None,
                "csat_score": {"good": 5, "bad": 2}.get(satisfaction) if satisfaction else None,
                "product_id": f"P{rng.randint(1, 9):04d}",
                "tags": ["sample", lang],
                "language": lang,
            }
        )
    return rows


def returns(n: int, seed: int = 0, offset: int = 0, start: datetime = START) -> list[dict]:
    rng = random.Random(seed * 32452843 + offset)
    rows = []
    for i in range(offset, offset + n):
        text, lang = _text(rng)
        rows.append(
            {
                "return_id": f"RET{i:06d}",
                "system": "shopify" if i % 3 else "csv",
                "order_id": f"{5000 + i // 2}",
                "line_item_id": f"{90000 + i}",
                "customer_id": f"C{rng.randint(1, 20):06d}",
                "product_id": f"P{rng.randint(1, 9):04d}",
                "quantity": rng.randint(1, 3),
                "amount": round(rng.uniform(5, 200), 2),
                "currency": "USD",
                "reason_code": rng.choice(REASONS),
                "customer_note": text,
                "status": rng.choice(("REQUESTED", "OPEN", "CLOSED", "DECLINED")),
                "requested_at": start + timedelta(minutes=61 * (i - offset)),
                "language": lang,
            }
        )
    return rows


MAKERS = {
    "survey_responses": survey_responses,
    "social_posts": social_posts,
    "tickets": tickets,
    "returns": returns,
}


def sample_tables(n: int = 60, seed: int = 0) -> dict[str, list[dict]]:
    """Every canonical table the sandbox serves, n records each (customers fixed at 20)."""
    tables = {name: make(n, seed) for name, make in MAKERS.items()}
    tables["customers"] = customers()
    return tables
