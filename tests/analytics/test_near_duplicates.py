"""Near-duplicates: same customer, similar text, within the window; never across customers or outside it."""

from datetime import datetime, timedelta

import polars as pl

from analytics.dedup import link_near_duplicates

T0 = datetime(2026, 10, 1, 9, 0)
COMPLAINT = "My parcel arrived damaged, the box was crushed and the screen is cracked!"


def frame(rows: list[tuple[str, str | None, datetime, str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["id", "customer", "ts", "text"], orient="row")


def links(df: pl.DataFrame, **kwargs) -> dict[str, str]:
    out = link_near_duplicates(df, "id", "customer", "ts", "text", **kwargs)
    return dict(zip(out["id"].to_list(), out["canonical_id"].to_list(), strict=True))


def test_same_complaint_on_another_channel_within_a_week_links_to_the_first() -> None:
    df = frame(
        [
            ("ticket:1", "C1", T0, COMPLAINT),
            ("reddit:x", "C1", T0 + timedelta(days=2), COMPLAINT.lower().replace("!", ".")),
            ("survey:9", "C1", T0 + timedelta(days=3, hours=1), COMPLAINT + " 😡"),
        ]
    )
    assert links(df) == {"reddit:x": "ticket:1", "survey:9": "ticket:1"}


def test_chinese_near_duplicate_is_linked() -> None:
    df = frame(
        [
            ("a", "C2", T0, "快递太慢了，等了十天才到，包装还破了"),
            ("b", "C2", T0 + timedelta(days=1), "快递太慢了，等了十天才到，包装也破了！"),
        ]
    )
    assert links(df) == {"b": "a"}


def test_other_customer_outside_window_and_different_text_are_not_linked() -> None:
    df = frame(
        [
            ("a", "C1", T0, COMPLAINT),
            ("b", "C2", T0 + timedelta(hours=1), COMPLAINT),  # another customer
            ("c", "C1", T0 + timedelta(days=8), COMPLAINT),  # outside the 7-day window
            ("d", "C1", T0 + timedelta(days=1), "Love the new app update, login is much faster."),
            ("e", None, T0 + timedelta(days=1), COMPLAINT),  # anonymous
        ]
    )
    assert links(df) == {}
    assert links(df, window_days=10) == {"c": "a"}


def test_chains_resolve_to_the_earliest_item_and_threshold_is_respected() -> None:
    df = frame(
        [
            ("a", "C1", T0, COMPLAINT),
            ("b", "C1", T0 + timedelta(days=5), COMPLAINT + " Still waiting."),
            ("c", "C1", T0 + timedelta(days=11), COMPLAINT + " Still waiting!"),  # only within a week of b
        ]
    )
    assert links(df) == {"b": "a", "c": "a"}
    assert links(df, threshold=0.999) == {}
