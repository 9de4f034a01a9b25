"""What an alert says: one human sentence per anomaly event and a Slack-compatible webhook payload.

"Negative feedback about Delivery rose to 42 on 2026-10-01 (expected ~10, 4.2x)." The payload is Slack's
incoming-webhook JSON (`text` for notifications and clients without blocks, `blocks` for the message) and
carries a link target; any receiver that reads `text` works (Mattermost, Teams workflows, a log sink).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

METRIC_LABELS = {
    "negative_feedback": "Negative feedback",
    "complaints": "Complaints",
    "nps": "NPS",
    "csat": "CSAT",
    "return_rate": "Return rate",
    "negative_rate": "The negative-feedback rate",
}
PERCENT_METRICS = {"csat", "return_rate", "negative_rate"}
DOWN_METRICS = {"nps", "csat"}
SEVERITY_EMOJI = {"critical": ":red_circle:", "high": ":large_orange_circle:", "medium": ":large_yellow_circle:"}


def label(code: str | None) -> str:
    """A taxonomy or channel code as people write it: refund_returns -> Refund returns."""
    if not code:
        return ""
    text = str(code).replace("_", " ")
    return text[:1].upper() + text[1:]


def slice_phrase(slice_type: str, slice_value: str) -> str:
    if slice_type == "all":
        return ""
    if slice_type in ("topic", "topic_l1"):
        return f" about {label(slice_value)}"
    if slice_type == "channel":
        return f" in {label(slice_value)}"
    if slice_type == "channel_family":
        return f" in {slice_value} channels"
    if slice_type == "product":
        return f" for product {slice_value}"
    return f" for {slice_type} {slice_value}"


def _day(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _when(a: Mapping[str, Any]) -> str:
    start, end = _day(a["window_start"]), _day(a["window_end"])
    return f"on {end}" if start == end else f"over {start} to {end}"


def sentence(a: Mapping[str, Any]) -> str:
    """One sentence saying what moved, where, when, and against what."""
    metric = str(a["metric"])
    what = METRIC_LABELS.get(metric, label(metric)) + slice_phrase(str(a["slice_type"]), str(a["slice_value"]))
    observed, expected = float(a["observed"]), float(a["expected"])
    when = _when(a)
    rule = str(a.get("rule") or "")
    if metric in DOWN_METRICS:
        unit = "%" if metric in PERCENT_METRICS else ""
        n = a.get("n")
        tail = f", n={int(n)}" if n is not None else ""
        return (f"{what} fell to {observed:.0f}{unit} {when} (expected ~{expected:.0f}{unit}, "
                f"{observed - expected:+.0f} points{tail}).")
    if metric in PERCENT_METRICS:
        if rule == "negative_rate_above":
            return f"{what} rose to {observed:.0f}% {when}, above its alert line (it was {expected:.0f}%)."
        ratio = f", {observed / expected:.1f}x" if expected > 0 else ""
        return f"{what} rose to {observed:.1f}% {when} (expected ~{expected:.1f}%{ratio})."
    if rule.endswith("_wow") or rule == "period_over_period":
        change = f", {100 * (observed / expected - 1):+.0f}%" if expected > 0 else ""
        week = _day(a["window_end"])
        return f"{what} rose to {observed:.0f} in the week to {week} (previous week {expected:.0f}{change})."
    ratio = f", {observed / expected:.1f}x" if expected > 0 else ""
    return f"{what} rose to {observed:.0f} {when} (expected ~{expected:.0f}{ratio})."


def link_for(a: Mapping[str, Any], link_base: str) -> str:
    """The link target: link_base with {anomaly_id} filled in when it has the placeholder."""
    return link_base.replace("{anomaly_id}", str(a["anomaly_id"])) if "{anomaly_id}" in link_base else link_base


def payload(a: Mapping[str, Any], link_base: str) -> dict[str, Any]:
    """Slack-compatible webhook JSON for one anomaly event."""
    text = sentence(a)
    link = link_for(a, link_base)
    severity = str(a.get("severity") or "medium")
    context = [
        f"severity *{severity}*",
        f"rule `{a.get('rule')}`",
        f"score {float(a.get('score') or 0):.1f}",
        f"first detected {_day(a['first_detected'])}",
    ]
    if a.get("related"):
        context.append(f"also seen as: {a['related']}")
    if a.get("sample_feedback_ids"):
        context.append(f"examples: {a['sample_feedback_ids']}")
    return {
        "text": f"{text} <{link}|Open>",
        "blocks": [
            {
                "type": "section",
                "block_id": str(a["anomaly_id"]),
                "text": {"type": "mrkdwn", "text": f"{SEVERITY_EMOJI.get(severity, '')} {text}".strip()},
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]},
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open"}, "url": link}],
            },
        ],
    }
