"""Anomaly injection: extra records, sized from the baseline slice, on exactly the requested UTC days."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np

from generator import intent as I
from generator.codes import (
    APPSTORE,
    COMPLAINT,
    EXPORT,
    NEGATIVE,
    QUALTRICS,
    REDDIT,
    RETURN,
    SHOPIFY,
    SOCIAL,
    SURVEY,
    TICKET,
    TOPIC_INDEX,
    TOPICS,
    TYPEFORM,
    ZENDESK,
)
from generator.phrases import TOPIC_L1
from generator.spec import AnomalySpec

# channel slice value -> (family, system or None)
CHANNELS: dict[str, tuple[int, int | None]] = {
    "survey": (SURVEY, None),
    "surveys": (SURVEY, None),
    "social": (SOCIAL, None),
    "ticket": (TICKET, None),
    "tickets": (TICKET, None),
    "return": (RETURN, None),
    "returns": (RETURN, None),
    "typeform": (SURVEY, TYPEFORM),
    "qualtrics": (SURVEY, QUALTRICS),
    "reddit": (SOCIAL, REDDIT),
    "appstore": (SOCIAL, APPSTORE),
    "zendesk": (TICKET, ZENDESK),
    "export": (TICKET, EXPORT),
    "shopify": (RETURN, SHOPIFY),
}
TEXT_FAMILIES = (SURVEY, SOCIAL, TICKET)
DEFAULT_FAMILY_MIX = np.array([0.35, 0.15, 0.30])


def _slice_mask(w: I.World, it: I.Intent, spec: AnomalySpec) -> tuple[np.ndarray, dict[str, Any]]:
    """Rows of ``it`` in the slice, plus the constraints extra records must honour."""
    value = spec.slice_value
    if spec.slice_type == "topic":
        if value in TOPIC_INDEX:
            allowed = np.array([t == value for t in TOPICS])
        elif value in set(TOPIC_L1.values()):
            allowed = np.array([TOPIC_L1[t] == value for t in TOPICS])
        else:
            raise ValueError(f"unknown topic {value!r}; use a topic_l2 or topic_l1 code")
        mask = it["has_text"] & allowed[it["topic"]]
        return mask, {"allowed": allowed}
    if spec.slice_type == "channel":
        if value not in CHANNELS:
            raise ValueError(f"unknown channel {value!r}; use one of {sorted(CHANNELS)}")
        fam, system = CHANNELS[value]
        mask = it["fam"] == fam
        if system is not None:
            mask &= it["sys"] == system
        return mask, {"family": fam, "system": system}
    ids = w.products.frame["product_id"].to_list()
    if value not in ids:
        raise ValueError(f"unknown product {value!r}")
    product = ids.index(value)
    return it["prod"] == product, {"product": product, "allowed": I.topic_mask(w, product)}


def _extra(
    w: I.World, rng: np.random.Generator, family: int, day: np.ndarray, c: dict[str, Any], nps: bool
) -> I.Intent:
    n = len(day)
    allowed, product, system = c.get("allowed"), c.get("product"), c.get("system")
    if family == SURVEY:
        return I.surveys(
            w,
            rng,
            n,
            day=day,
            detractor=True,
            negative=not nps,
            allowed=allowed,
            product=product,
            system=system,
            require_text=not nps or allowed is not None and product is None,
        )
    if family == SOCIAL:
        return I.social(w, rng, n, day=day, negative=True, allowed=allowed, product=product, system=system)
    if family == TICKET:
        return I.tickets(w, rng, n, day=day, negative=True, allowed=allowed, product=product, system=system)
    return I.returns(w, rng, n, day=day, negative=True, product=product, system=system)


def inject(
    w: I.World, rng: np.random.Generator, base: I.Intent, specs: list[AnomalySpec]
) -> tuple[list[I.Intent], list[dict[str, Any]]]:
    """Extra intents for every spec and the record of what was applied."""
    extras: list[I.Intent] = []
    applied: list[dict[str, Any]] = []
    day_of = (base["ts"] - w.start_s) // 86400
    for spec in specs:
        d0 = (spec.start_date - w.start).days
        if not 0 <= d0 < w.days:
            raise ValueError(f"anomaly start {spec.start_date} is outside the window {w.start}..{w.end}")
        n_days = spec.effective_days(w.days - d0)
        days = np.arange(d0, d0 + n_days)
        mask, constraints = _slice_mask(w, base, spec)

        if spec.kind == "nps_drop":
            fam = constraints.get("family", SURVEY)
            if fam != SURVEY:
                raise ValueError("nps_drop needs a survey channel (survey, typeform, qualtrics)")
            per_day = _detractors_needed(base, mask, day_of, days, w.days, 10.0 * spec.magnitude)
            families = np.full(int(per_day.sum()), SURVEY)
        else:
            if spec.metric == "complaints":
                metric = base["has_text"] & (base["ftype"] == COMPLAINT) & (base["sentiment"] == NEGATIVE)
            else:
                metric = base["has_text"] & (base["sentiment"] == NEGATIVE)
            hits = mask & metric
            observed = np.bincount(day_of[hits], minlength=w.days)[days]
            mean = hits.sum() / w.days
            per_day = np.maximum(np.ceil((spec.magnitude - 1) * np.maximum(observed, mean)), 1).astype(
                np.int64
            )
            if "family" in constraints:
                families = np.full(int(per_day.sum()), constraints["family"])
            else:
                share = np.array([(hits & (base["fam"] == f)).sum() for f in TEXT_FAMILIES], dtype=float)
                share = share if share.sum() > 0 else DEFAULT_FAMILY_MIX
                families = np.asarray(TEXT_FAMILIES)[
                    rng.choice(3, size=int(per_day.sum()), p=share / share.sum())
                ]
        day = np.repeat(days, per_day)
        for f in np.unique(families):
            sel = families == f
            part = _extra(w, rng, int(f), day[sel], constraints, nps=spec.kind == "nps_drop")
            part["anomaly"][:] = True
            extras.append(part)
        applied.append(
            {
                "kind": spec.kind,
                "metric": spec.metric,
                "slice_type": spec.slice_type,
                "slice_value": spec.slice_value,
                "start_date": spec.start_date.isoformat(),
                "end_date": (spec.start_date + timedelta(days=n_days - 1)).isoformat(),
                "magnitude": spec.magnitude,
                "rows_added": int(per_day.sum()),
            }
        )
    return extras, applied


def _detractors_needed(
    it: I.Intent, mask: np.ndarray, day_of: np.ndarray, days: np.ndarray, n_window: int, drop: float
) -> np.ndarray:
    """Detractors to add per day so the slice's NPS falls by ``drop`` points.

    With n answers, P promoters and D detractors (NPS0 = 100 (P - D) / n), adding x detractors gives
    NPS1 = 100 (P - D - x) / (n + x); NPS0 - NPS1 = drop solves to x = drop * n / (NPS0 + 100 - drop).
    Days with fewer than 10 answers use the slice's daily average instead.
    """
    answered = mask & (it["fam"] == SURVEY) & (it["nps"] >= 0)
    promoter = answered & (it["nps"] >= 9)
    detractor = answered & (it["nps"] <= 6)
    n = np.bincount(day_of[answered], minlength=n_window).astype(float)
    p = np.bincount(day_of[promoter], minlength=n_window).astype(float)
    d = np.bincount(day_of[detractor], minlength=n_window).astype(float)
    mean_n, mean_p, mean_d = n.mean(), p.mean(), d.mean()
    out = np.empty(len(days), dtype=np.int64)
    for i, day in enumerate(days):  # one iteration per anomaly day, not per record
        nn, pp, dd = (n[day], p[day], d[day]) if n[day] >= 10 else (mean_n, mean_p, mean_d)
        nn = max(nn, 1.0)
        nps0 = 100.0 * (pp - dd) / nn
        target_drop = min(drop, nps0 + 95.0)
        out[i] = max(int(np.ceil(target_drop * nn / (nps0 + 100.0 - target_drop))), 1)
    return out
