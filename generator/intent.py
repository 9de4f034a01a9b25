"""What each feedback record *means* before any text exists: who, when, which product, which topic, which
sentiment, which scores. One dict of numpy columns per batch; families differ only in their mixes.

Every function takes explicit constraints so anomaly injection reuses them: a fixed day per row, forced
negative content, a set of allowed topics, a fixed product or a fixed source system.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl

from generator import codes, text
from generator.codes import (
    APPSTORE,
    COMPLAINT,
    DIGITAL_TOPICS,
    EN,
    EXPORT,
    NEG,
    NEUTRAL,
    OTHER,
    POS,
    QUALTRICS,
    REASON_INDEX,
    REDDIT,
    RET,
    RETURN,
    RETURN_CSV,
    SHOPIFY,
    SOCIAL,
    SOFT,
    SOFT_ONLY_TOPICS,
    SUG,
    SURVEY,
    SURVEY_CSV,
    TICKET,
    TOPIC_INDEX,
    TOPIC_OTHER,
    TOPICS,
    TYPEFORM,
    ZENDESK,
    ZH,
    Q,
)
from generator.entities import COUNTRY_OFFSET_MIN, WEEKDAY_FACTOR, Customers, Products

CLASS_SENTIMENT = np.array(codes.CLASS_SENTIMENT, dtype=np.int8)  # RET rows take the note's sentiment instead
CLASS_TYPE = np.array(codes.CLASS_TYPE, dtype=np.int8)

# Local hour of day at which people write (index 0 = midnight): quiet nights, lunch and evening peaks.
# fmt: off
HOUR_WEIGHTS = np.array([1.0, 0.6, 0.4, 0.3, 0.3, 0.5, 1.0, 2.0, 3.5, 5.0, 6.0, 6.0,
                         5.5, 5.5, 6.0, 6.0, 5.5, 5.0, 5.0, 6.0, 7.0, 7.0, 5.0, 2.5])
# fmt: on
LANG_STICKINESS = 0.96  # share of a customer's items written in their preferred language
EMOJI_ONLY_RATE = 0.004  # survey comments / posts that are emoji only (language 'other')

# Topic mixes per channel, in codes.TOPICS order:
# ui perf stab compat login feat quality sizing resp staff deliv damaged refund expensive billing promo other
TOPIC_WEIGHTS = {
    "survey": [5, 5, 4, 2, 3, 6, 12, 6, 6, 5, 12, 3, 5, 8, 2, 4, 12],
    "reddit": [6, 7, 8, 4, 5, 8, 12, 4, 5, 4, 10, 3, 5, 7, 3, 4, 5],
    "appstore": [12, 12, 14, 6, 8, 14, 3, 1, 3, 2, 5, 1, 3, 4, 3, 4, 5],
    "ticket": [2, 3, 8, 5, 10, 2, 8, 3, 4, 3, 16, 8, 14, 1, 10, 3, 2],
}

# NPS answer distribution 0..10: detractors 23%, passives 29%, promoters 48% -> NPS about +25.
NPS_P = np.array([0.03, 0.015, 0.02, 0.025, 0.03, 0.045, 0.065, 0.11, 0.18, 0.19, 0.29])
DETRACTOR_P = np.array([0.2, 0.1, 0.12, 0.14, 0.16, 0.14, 0.14])  # injected detractors lean very low
# P(class NEG, POS, SUG, Q) per NPS group: 0-4, 5-6, 7-8, 9-10.
SURVEY_CLASS_P = np.array(
    [
        [0.92, 0.00, 0.05, 0.03],
        [0.75, 0.00, 0.17, 0.08],
        [0.18, 0.35, 0.35, 0.12],
        [0.00, 0.88, 0.10, 0.02],
    ]
)
SURVEY_COMMENT_P = np.array([0.75, 0.70, 0.45, 0.55])
APPSTORE_RATING_P = np.array([0.17, 0.07, 0.09, 0.19, 0.48])
APPSTORE_CLASS_P = np.array(  # per rating 1..5
    [
        [0.95, 0.00, 0.00, 0.05],
        [0.90, 0.00, 0.05, 0.05],
        [0.45, 0.10, 0.35, 0.10],
        [0.00, 0.60, 0.35, 0.05],
        [0.00, 0.92, 0.08, 0.00],
    ]
)
REDDIT_CLASS_P = np.array([0.42, 0.30, 0.13, 0.15])
TICKET_CLASS_P = np.array([0.68, 0.03, 0.05, 0.24])

RETURN_REASON_P = {  # per goods kind (SOFT, HARD)
    SOFT: {
        "SIZE_TOO_SMALL": 0.22,
        "SIZE_TOO_LARGE": 0.15,
        "DEFECTIVE": 0.08,
        "NOT_AS_DESCRIBED": 0.10,
        "WRONG_ITEM": 0.06,
        "COLOR": 0.09,
        "STYLE": 0.10,
        "UNWANTED": 0.12,
        "OTHER": 0.05,
        "UNKNOWN": 0.03,
    },
    1: {
        "DEFECTIVE": 0.30,
        "NOT_AS_DESCRIBED": 0.14,
        "WRONG_ITEM": 0.08,
        "COLOR": 0.03,
        "STYLE": 0.04,
        "UNWANTED": 0.22,
        "OTHER": 0.12,
        "UNKNOWN": 0.07,
    },
}
NEGATIVE_REASON_P = {
    SOFT: {
        "SIZE_TOO_SMALL": 0.25,
        "SIZE_TOO_LARGE": 0.15,
        "DEFECTIVE": 0.2,
        "NOT_AS_DESCRIBED": 0.2,
        "WRONG_ITEM": 0.1,
        "COLOR": 0.1,
    },
    1: {"DEFECTIVE": 0.45, "NOT_AS_DESCRIBED": 0.3, "WRONG_ITEM": 0.15, "COLOR": 0.1},
}
NOTE_BLANK_P = {"UNWANTED": 0.45, "STYLE": 0.45}  # other reasons: 0.12; UNKNOWN never has a note
NOTE_BLANK_DEFAULT = 0.12

COLUMNS: dict[str, tuple[type, int]] = {
    "fam": (np.int8, 0),
    "sys": (np.int8, 0),
    "cust": (np.int64, -1),
    "prod": (np.int64, 0),
    "ts": (np.int64, 0),
    "lang": (np.int8, EN),
    "cls": (np.int8, NEG),
    "topic": (np.int8, TOPIC_OTHER),
    "pk": (np.int8, SOFT),
    "note": (np.int64, -1),
    "sentiment": (np.int8, NEUTRAL),
    "ftype": (np.int8, COMPLAINT),
    "urgency": (np.int8, 0),
    "has_text": (np.bool_, False),
    "anomaly": (np.bool_, False),
    "dup_of": (np.int64, -1),
    "nps": (np.int8, -1),
    "csat": (np.int8, -1),
    "ces": (np.int8, -1),
    "rating": (np.int8, -1),
    "reason": (np.int8, -1),
    "quantity": (np.int8, 0),
}
Intent = dict[str, np.ndarray]


def new(n: int, **cols: np.ndarray | int) -> Intent:
    out: Intent = {}
    for name, (dtype, default) in COLUMNS.items():
        value = cols.get(name, default)
        out[name] = np.broadcast_to(np.asarray(value), (n,)).astype(dtype, copy=True)
    return out


def concat(parts: list[Intent]) -> Intent:
    return {name: np.concatenate([p[name] for p in parts]) for name in COLUMNS}


def take(intent: Intent, idx: np.ndarray) -> Intent:
    return {name: col[idx] for name, col in intent.items()}


def length(intent: Intent) -> int:
    return len(intent["fam"])


@dataclass
class World:
    """The shared frame every record lives in: calendar window, customers, products."""

    start: date
    days: int
    customers: Customers
    products: Products

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    @property
    def start_s(self) -> int:
        return int(datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC).timestamp())

    @property
    def end_s(self) -> int:
        """Exclusive end of the window (midnight after ``end``) in epoch seconds."""
        return self.start_s + self.days * 86400

    def day_weights(self) -> np.ndarray:
        dow = (np.arange(self.days) + self.start.weekday()) % 7
        w = WEEKDAY_FACTOR[dow]
        return w / w.sum()


def _pick(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """Row-wise categorical draw from per-row cumulative probabilities (n x k)."""
    u = rng.random(len(cum))
    return np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)


def _categorical(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def people(
    w: World, rng: np.random.Generator, n: int, anonymous_rate: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Customer index (-1 for authors we cannot match) and text language per item."""
    c = w.customers
    cust = rng.choice(c.n, size=n, p=c.weight)
    lang = c.lang[cust].copy()
    flip = rng.random(n) > LANG_STICKINESS
    lang[flip] = 1 - lang[flip]
    anon = rng.random(n) < anonymous_rate
    cust[anon] = -1
    lang[anon] = np.where(rng.random(int(anon.sum())) < 0.4, ZH, EN)
    return cust, lang.astype(np.int8)


def offsets_minutes(w: World, cust: np.ndarray, lang: np.ndarray) -> np.ndarray:
    """UTC offset of the writer: the customer's country, else a guess from the language."""
    known = cust >= 0
    out = np.where(lang == ZH, 480, -300).astype(np.int64)
    out[known] = COUNTRY_OFFSET_MIN[w.customers.country[cust[known]]]
    return out


def times(
    w: World, rng: np.random.Generator, offset_min: np.ndarray, day: np.ndarray | None = None
) -> np.ndarray:
    """Epoch seconds: UTC day from the weekday mix (or given), time of day from the writer's local hours."""
    n = len(offset_min)
    if day is None:
        day = rng.choice(w.days, size=n, p=w.day_weights())
    hour = rng.choice(24, size=n, p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
    local = hour * 3600 + rng.integers(0, 3600, size=n)
    utc_second = (local - offset_min * 60) % 86400
    return w.start_s + day.astype(np.int64) * 86400 + utc_second


def topic_mask(w: World, product: int | None) -> np.ndarray:
    """Topics a product can plausibly get (all topics when no product is fixed)."""
    mask = np.ones(len(TOPICS), dtype=bool)
    if product is not None:
        if not w.products.digital[product]:
            mask[[TOPIC_INDEX[t] for t in DIGITAL_TOPICS]] = False
        if w.products.kind[product] != SOFT:
            mask[[TOPIC_INDEX[t] for t in SOFT_ONLY_TOPICS]] = False
    return mask


def topics(rng: np.random.Generator, weights: list[float], n: int, allowed: np.ndarray | None) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    if allowed is not None:
        p = p * allowed
    if p.sum() == 0:
        raise ValueError("no topic allowed for this slice")
    return _categorical(rng, p, n).astype(np.int8)


def products_for(w: World, rng: np.random.Generator, topic: np.ndarray) -> np.ndarray:
    """Product per item, by popularity among products that fit the topic (apps need app-connected devices,
    sizing needs clothes or shoes)."""
    p = w.products
    out = np.empty(len(topic), dtype=np.int64)
    digital = np.isin(topic, [TOPIC_INDEX[t] for t in DIGITAL_TOPICS])
    soft_only = np.isin(topic, [TOPIC_INDEX[t] for t in SOFT_ONLY_TOPICS])
    for rows, ok in ((digital, p.digital), (soft_only, p.kind == SOFT), (~digital & ~soft_only, None)):
        if not rows.any():
            continue
        cand = np.flatnonzero(ok) if ok is not None and ok.any() else np.arange(p.n)
        weight = p.popularity[cand]
        out[rows] = cand[rng.choice(len(cand), size=int(rows.sum()), p=weight / weight.sum())]
    return out


def _finish_text_intent(
    w: World,
    rng: np.random.Generator,
    it: Intent,
    weights: list[float],
    allowed: np.ndarray | None,
    product: int | None,
    emoji_only: bool,
) -> Intent:
    n = length(it)
    if emoji_only:
        other = (rng.random(n) < EMOJI_ONLY_RATE) & it["has_text"] & np.isin(it["cls"], (NEG, POS))
        it["lang"][other] = OTHER
    it["topic"] = topics(rng, weights, n, allowed)
    it["topic"][it["lang"] == OTHER] = TOPIC_OTHER
    it["prod"] = (
        np.full(n, product, dtype=np.int64) if product is not None else products_for(w, rng, it["topic"])
    )
    it["pk"] = w.products.kind[it["prod"]].astype(np.int8)
    it["sentiment"] = CLASS_SENTIMENT[it["cls"]]
    it["ftype"] = CLASS_TYPE[it["cls"]]
    return it


def _system(
    rng: np.random.Generator, options: tuple[int, ...], p: tuple[float, ...], n: int, fixed: int | None
) -> np.ndarray:
    if fixed is not None:
        return np.full(n, fixed, dtype=np.int8)
    return np.asarray(options, dtype=np.int8)[_categorical(rng, np.array(p), n)]


def surveys(
    w: World,
    rng: np.random.Generator,
    n: int,
    *,
    day: np.ndarray | None = None,
    detractor: bool = False,
    negative: bool = False,
    allowed: np.ndarray | None = None,
    product: int | None = None,
    system: int | None = None,
    require_text: bool = False,
) -> Intent:
    """Survey responses; ``detractor`` forces NPS 0-6, ``negative`` also forces a negative comment."""
    it = new(n, fam=SURVEY)
    it["sys"] = _system(rng, (TYPEFORM, QUALTRICS, SURVEY_CSV), (0.45, 0.35, 0.20), n, system)
    it["cust"], it["lang"] = people(w, rng, n)
    it["ts"] = times(w, rng, offsets_minutes(w, it["cust"], it["lang"]), day)
    nps = _categorical(rng, DETRACTOR_P if detractor else NPS_P, n)
    group = np.searchsorted([5, 7, 9], nps, side="right")
    blank_nps = (rng.random(n) < 0.02) & (not detractor)
    it["nps"] = np.where(blank_nps, -1, nps)
    csat = np.clip(np.rint(1 + nps * 0.4 + rng.normal(0, 0.55, n)), 1, 5)
    it["csat"] = np.where(rng.random(n) < 0.08, -1, csat)
    ces = np.clip(np.rint(1.6 + nps * 0.52 + rng.normal(0, 0.8, n)), 1, 7)
    it["ces"] = np.where((it["sys"] == TYPEFORM) | (rng.random(n) < 0.15), -1, ces)
    cls = _pick(rng, np.cumsum(SURVEY_CLASS_P, axis=1)[group]).astype(np.int8)
    it["cls"] = np.where(negative, NEG, cls).astype(np.int8)
    comment = rng.random(n) < SURVEY_COMMENT_P[group]
    it["has_text"] = np.ones(n, dtype=bool) if (require_text or negative) else comment
    return _finish_text_intent(
        w,
        rng,
        it,
        TOPIC_WEIGHTS["survey"],
        allowed,
        product,
        emoji_only=not (detractor or negative or require_text),
    )


def social(
    w: World,
    rng: np.random.Generator,
    n: int,
    *,
    day: np.ndarray | None = None,
    negative: bool = False,
    allowed: np.ndarray | None = None,
    product: int | None = None,
    system: int | None = None,
) -> Intent:
    it = new(n, fam=SOCIAL, has_text=True)
    it["sys"] = _system(rng, (REDDIT, APPSTORE), (0.55, 0.45), n, system)
    it["cust"], it["lang"] = people(w, rng, n, anonymous_rate=0.15)
    it["ts"] = times(w, rng, offsets_minutes(w, it["cust"], it["lang"]), day)
    appstore = it["sys"] == APPSTORE
    rating = (_categorical(rng, np.array([0.7, 0.3]) if negative else APPSTORE_RATING_P, n) + 1).astype(
        np.int8
    )
    it["rating"] = np.where(appstore, rating, -1)
    cls_app = _pick(rng, np.cumsum(APPSTORE_CLASS_P, axis=1)[rating - 1])
    cls_reddit = _pick(rng, np.tile(np.cumsum(REDDIT_CLASS_P), (n, 1)))
    it["cls"] = np.where(negative, NEG, np.where(appstore, cls_app, cls_reddit)).astype(np.int8)
    it = _finish_text_intent(w, rng, it, TOPIC_WEIGHTS["reddit"], allowed, product, emoji_only=not negative)
    if appstore.any() and allowed is None and product is None:
        it["topic"][appstore] = topics(rng, TOPIC_WEIGHTS["appstore"], int(appstore.sum()), None)
        it["topic"][appstore & (it["lang"] == OTHER)] = TOPIC_OTHER
        it["prod"][appstore] = products_for(w, rng, it["topic"][appstore])
        it["pk"] = w.products.kind[it["prod"]].astype(np.int8)
    return it


def tickets(
    w: World,
    rng: np.random.Generator,
    n: int,
    *,
    day: np.ndarray | None = None,
    negative: bool = False,
    allowed: np.ndarray | None = None,
    product: int | None = None,
    system: int | None = None,
) -> Intent:
    it = new(n, fam=TICKET, has_text=True)
    it["sys"] = _system(rng, (ZENDESK, EXPORT), (0.7, 0.3), n, system)
    it["cust"], it["lang"] = people(w, rng, n)
    it["ts"] = times(w, rng, offsets_minutes(w, it["cust"], it["lang"]), day)
    cls = _categorical(rng, TICKET_CLASS_P, n)
    it["cls"] = np.where(negative, NEG, np.asarray([NEG, POS, SUG, Q])[cls]).astype(np.int8)
    return _finish_text_intent(w, rng, it, TOPIC_WEIGHTS["ticket"], allowed, product, emoji_only=False)


def returns(
    w: World,
    rng: np.random.Generator,
    n: int,
    *,
    day: np.ndarray | None = None,
    negative: bool = False,
    product: int | None = None,
    system: int | None = None,
) -> Intent:
    it = new(n, fam=RETURN, cls=RET, ftype=COMPLAINT)
    it["sys"] = _system(rng, (SHOPIFY, RETURN_CSV), (0.7, 0.3), n, system)
    it["cust"], it["lang"] = people(w, rng, n)
    it["ts"] = times(w, rng, offsets_minutes(w, it["cust"], it["lang"]), day)
    p = w.products
    if product is not None:
        it["prod"] = np.full(n, product, dtype=np.int64)
    else:
        weight = p.popularity * p.return_rate
        it["prod"] = rng.choice(p.n, size=n, p=weight / weight.sum())
    it["pk"] = p.kind[it["prod"]].astype(np.int8)
    reason = np.empty(n, dtype=np.int8)
    table = NEGATIVE_REASON_P if negative else RETURN_REASON_P
    for kind in (SOFT, 1):
        rows = it["pk"] == kind
        codes = np.array([REASON_INDEX[r] for r in table[kind]], dtype=np.int8)
        reason[rows] = codes[_categorical(rng, np.array(list(table[kind].values())), int(rows.sum()))]
    it["reason"] = reason
    note = text.pick_note(
        rng, it["lang"], reason.astype(np.int64), it["pk"].astype(np.int64), np.full(n, negative)
    )
    blank_p = np.full(n, NOTE_BLANK_DEFAULT)
    for r, bp in NOTE_BLANK_P.items():
        blank_p[reason == REASON_INDEX[r]] = bp
    blank = (rng.random(n) < blank_p) & (not negative)
    it["note"] = np.where(blank, -1, note)
    it["has_text"] = it["note"] >= 0
    b = text.banks()
    safe = np.maximum(it["note"], 0)
    it["topic"] = np.where(it["has_text"], b.note_topic[safe], TOPIC_OTHER).astype(np.int8)
    it["sentiment"] = np.where(it["has_text"], b.note_sentiment[safe], NEUTRAL).astype(np.int8)
    it["quantity"] = (_categorical(rng, np.array([0.86, 0.11, 0.03]), n) + 1).astype(np.int8)
    return it


EMOJI_RATE = np.array([0.10, 0.25, 0.03, 0.02])  # per family: survey, social, ticket, return


def compose_texts(rng: np.random.Generator, w: World, it: Intent) -> pl.Series:
    """Texts for a batch; also sets the intended urgency from the phrases used."""
    rate = EMOJI_RATE[it["fam"]]
    rate = np.where(it["lang"] == ZH, rate * 1.5, rate)
    emails = w.customers.frame["email"]
    cust = it["cust"]
    email = pl.select(
        pl.when(pl.Series(cust >= 0)).then(emails.gather(pl.Series(np.maximum(cust, 0), dtype=pl.Int64)))
    ).to_series()
    out = text.compose(
        rng,
        lang=it["lang"],
        cls=it["cls"],
        topic=it["topic"].astype(np.int64),
        pk=it["pk"].astype(np.int64),
        note=it["note"],
        sentiment=it["sentiment"],
        emoji_rate=rate,
        email=email,
        has_text=it["has_text"],
    )
    it["urgency"] = out.urgency
    return out.text
