"""Plotly figures of the report, one function per chart; each returns None when there is nothing to draw."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from reporting.i18n import Labels

FONT = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "PingFang SC", '
    '"Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif'
)
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
METRIC_COLOURS = {"nps": "#0072B2", "csat": "#009E73", "ces": "#CC79A7"}
SENTIMENT_COLOURS = {"negative": "#D55E00", "neutral": "#BBBBBB", "positive": "#009E73"}
LOW_SAMPLE_COLOUR = "#888888"
QUALITATIVE = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#999999",
    "#332288",
    "#88CCEE",
]
CONFIG = {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"]}
_AXIS = {"gridcolor": "#EBEEF2", "linecolor": "#D0D7DE", "zerolinecolor": "#D0D7DE", "automargin": True}
# A small white template: Plotly's full `plotly_white` costs ~0.1 s per figure to validate and ~6 kB each.
TEMPLATE = {
    "layout": {
        "colorway": QUALITATIVE,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "xaxis": _AXIS,
        "yaxis": _AXIS,
        "hovermode": "closest",
    }
}


def _figure(*traces) -> go.Figure:
    return go.Figure(data=list(traces), layout={"template": TEMPLATE})


def _layout(fig: go.Figure, height: int, **extra) -> go.Figure:
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 24, "t": 40, "b": 10},
        font={"family": FONT, "size": 12, "color": "#222"},
        # Legend top left: the mode bar (zoom, download) appears top right.
        legend={
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "traceorder": "normal",
        },
        hoverlabel={"font": {"family": FONT}},
        **extra,
    )
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


# ------------------------------------------------------------------------------------------- trends


def trend(metric: str, periods: dict[str, pl.DataFrame], grains: list[str], t: Labels) -> go.Figure | None:
    """Line of the score per period with its 95% band; periods with n < 30 marked. With both grains, buttons
    switch between weekly (shown first) and daily."""
    if not grains:
        return None
    fig = _figure()
    colour = METRIC_COLOURS[metric]
    fmt = ".2f" if metric == "ces" else ".1f"
    groups: dict[str, list[int]] = {}
    for grain in grains:
        df = periods[grain]
        visible = grain == grains[0]
        first = len(fig.data)
        x = df["period"].to_list()
        period_label = t.t("week_of") if grain == "week" else t.t("day")
        fig.add_trace(
            go.Scatter(
                x=x,
                y=df["ci_high"].to_list(),
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                visible=visible,
                legendgroup="band",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=df["ci_low"].to_list(),
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=_rgba(colour, 0.18),
                name=t.t("interval_band"),
                hoverinfo="skip",
                visible=visible,
                legendgroup="band",
            )
        )
        notes = ["<br>" + t.t("partial_week") if p else "" for p in df["partial"].to_list()]
        custom = list(
            zip(df["ci_low"].to_list(), df["ci_high"].to_list(), df["n"].to_list(), notes, strict=True)
        )
        fig.add_trace(
            go.Scatter(
                x=x,
                y=df["value"].to_list(),
                mode="lines+markers",
                name=t.t(metric),
                visible=visible,
                line={"color": colour, "width": 2},
                marker={"size": 5, "color": colour},
                customdata=custom,
                hovertemplate=(
                    f"{period_label} %{{x|%Y-%m-%d}}<br>{t.t(metric)} %{{y:{fmt}}}<br>"
                    f"{t.t('ci95')} %{{customdata[0]:{fmt}}} – %{{customdata[1]:{fmt}}}<br>"
                    f"{t.t('n')} = %{{customdata[2]:,}}%{{customdata[3]}}<extra></extra>"
                ),
            )
        )
        low = df.filter(pl.col("low_sample"))
        if low.height:
            fig.add_trace(
                go.Scatter(
                    x=low["period"].to_list(),
                    y=low["value"].to_list(),
                    mode="markers",
                    name=t.t("low_sample_marker"),
                    visible=visible,
                    hoverinfo="skip",
                    marker={
                        "symbol": "circle-open",
                        "size": 10,
                        "color": LOW_SAMPLE_COLOUR,
                        "line": {"width": 2},
                    },
                )
            )
        groups[grain] = list(range(first, len(fig.data)))
    menus = []
    if len(grains) > 1:
        buttons = []
        for grain in grains:
            visible = [i in groups[grain] for i in range(len(fig.data))]
            label = t.t("weekly") if grain == "week" else t.t("daily")
            buttons.append({"label": label, "method": "update", "args": [{"visible": visible}]})
        menus = [
            {
                "type": "buttons",
                "direction": "right",
                "buttons": buttons,
                # Top right, under the mode bar; the legend is top left.
                "x": 1,
                "xanchor": "right",
                "y": 1.02,
                "yanchor": "bottom",
                "showactive": True,
                "pad": {"r": 0, "t": 0, "b": 0},
                "bgcolor": "#fff",
                "bordercolor": "#d0d7de",
                "font": {"size": 12},
            }
        ]
    _layout(fig, 320, updatemenus=menus, hovermode="closest")
    fig.update_layout(margin={"t": 64})
    # Plotly's month names are English; the Chinese page gets numeric dates.
    fig.update_xaxes(type="date", tickformat="%Y-%m-%d" if t.lang == "zh" else None)
    return fig


# ------------------------------------------------------------------------------- sentiment and volume


def sentiment_bars(frame: pl.DataFrame, labels: list, t: Labels, max_bars: int = 18) -> go.Figure | None:
    """Horizontal bars, one per row of `frame` (negative/neutral/positive counts) stacked by sentiment.
    `labels` are the y categories: strings, or [level-1 list, level-2 list] for a two-level axis."""
    if frame.is_empty() or frame["total"].sum() == 0:
        return None
    frame = frame.head(max_bars)
    two_level = isinstance(labels[0], list)
    y = [lvl[:max_bars] for lvl in labels] if two_level else labels[:max_bars]
    fig = _figure()
    totals = frame["total"].to_list()
    for sentiment in ("negative", "neutral", "positive"):
        values = frame[sentiment].to_list()
        shares = [100.0 * v / tot if tot else 0.0 for v, tot in zip(values, totals, strict=True)]
        fig.add_trace(
            go.Bar(
                y=y,
                x=values,
                orientation="h",
                name=t.code("sentiment", sentiment),
                marker={"color": SENTIMENT_COLOURS[sentiment]},
                customdata=shares,
                hovertemplate=f"%{{y}}<br>{t.code('sentiment', sentiment)}: %{{x:,}} (%{{customdata:.0f}}%)"
                "<extra></extra>",
            )
        )
    rows = frame.height
    _layout(fig, 90 + 26 * rows, barmode="stack", bargap=0.25)
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 12})
    fig.update_xaxes(title_text=t.t("items"), dtick=1 if max(totals) <= 5 else None)
    return fig


# ------------------------------------------------------------------------------------------- drivers


def topic_impact(frame: pl.DataFrame, labels: list[str], t: Labels, max_bars: int = 12) -> go.Figure | None:
    """NPS points each topic's detractor comments cost (how much NPS would rise without them), largest
    first."""
    if frame.is_empty():
        return None
    frame = frame.with_columns(label=pl.Series(labels, dtype=pl.String)).filter(pl.col("impact") > 0)
    if frame.is_empty():
        return None
    frame = frame.sort(["impact", "mentions"], descending=True).head(max_bars)
    impact = frame["impact"].to_list()
    fig = _figure(
        go.Bar(
            y=frame["label"].to_list(),
            x=impact,
            orientation="h",
            marker={"color": SENTIMENT_COLOURS["negative"]},
            text=[f"{v:.1f}" for v in impact],
            textposition="outside",
            cliponaxis=False,
            customdata=list(
                zip(frame["detractor_mentions"].to_list(), frame["mentions"].to_list(), strict=True)
            ),
            hovertemplate=f"%{{y}}<br>{t.t('impact')}: %{{x:.2f}}<br>{t.t('detractor_mentions')}: "
            f"%{{customdata[0]:,}}<br>{t.t('mentions')}: %{{customdata[1]:,}}<extra></extra>",
        )
    )
    _layout(fig, 90 + 28 * frame.height, showlegend=False)
    fig.update_layout(margin={"r": 40})
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text=t.t("impact"), rangemode="tozero")
    return fig


# ------------------------------------------------------------------------------------ SLA and returns


def sla(frame: pl.DataFrame, t: Labels) -> go.Figure | None:
    """Tickets per SLA tier stacked as met / breached / pending, compliance % written beside each bar;
    tiers with fewer than 30 judged tickets get a hatched "met" bar (REFERENCE §1 small-sample rule)."""
    frame = frame.filter(pl.col("tickets") > 0) if not frame.is_empty() else frame
    if frame.is_empty():
        return None
    tiers = [t.code("tiers", v) for v in frame["tier"].to_list()]
    judged = [m + b for m, b in zip(frame["met"].to_list(), frame["breached"].to_list(), strict=True)]
    fig = _figure()
    parts = (("met", "#009E73"), ("breached", "#D55E00"), ("pending", "#BBBBBB"))
    for part, colour in parts:
        values = frame[part].to_list()
        marker = {"color": colour}
        if part == "met":
            marker["pattern"] = {"shape": ["/" if n < 30 else "" for n in judged], "fgcolor": "#ffffff"}
        fig.add_trace(
            go.Bar(
                y=tiers,
                x=values,
                orientation="h",
                name=t.t(f"sla_{part}"),
                marker=marker,
                hovertemplate=f"%{{y}}<br>{t.t(f'sla_{part}')}: %{{x:,}}<extra></extra>",
            )
        )
    pct = frame["compliance_pct"].to_list()
    totals = frame["tickets"].to_list()
    fig.add_trace(
        go.Scatter(
            y=tiers,
            x=totals,
            mode="text",
            text=[f"  {v:.1f}%" if v is not None else "  –" for v in pct],
            textposition="middle right",
            textfont={"size": 13, "color": "#222"},
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    _layout(fig, 110 + 42 * frame.height, barmode="stack", bargap=0.3)
    fig.update_layout(margin={"r": 70})
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text=t.t("tickets"))
    return fig


def return_reasons(frame: pl.DataFrame, t: Labels, max_products: int = 8) -> go.Figure | None:
    """Returns of the products with most returns, stacked by reason."""
    if frame.is_empty() or frame["returns"].sum() == 0:
        return None
    totals = frame.group_by("product_id").agg(
        pl.col("returns").sum().alias("total"), pl.col("product_name").first()
    )
    top = totals.sort(["total", "product_id"], descending=[True, False]).head(max_products)
    names = {
        r["product_id"]: product_label(r["product_id"], r["product_name"]) for r in top.iter_rows(named=True)
    }
    order = top["product_id"].to_list()
    frame = frame.filter(pl.col("product_id").is_in(order))
    reasons = (
        frame.group_by("reason_code")
        .agg(pl.col("returns").sum())
        .sort(["returns", "reason_code"], descending=[True, False])["reason_code"]
        .to_list()
    )
    fig = _figure()
    for i, reason in enumerate(reasons):
        counts = {
            r["product_id"]: r["returns"]
            for r in frame.filter(pl.col("reason_code") == reason).iter_rows(named=True)
        }
        fig.add_trace(
            go.Bar(
                y=[names[p] for p in order],
                x=[counts.get(p, 0) for p in order],
                orientation="h",
                name=t.code("return_reasons", reason),
                marker={"color": QUALITATIVE[i % len(QUALITATIVE)]},
                hovertemplate=f"%{{y}}<br>{t.code('return_reasons', reason)}: %{{x:,}}<extra></extra>",
            )
        )
    _layout(fig, 110 + 30 * len(order), barmode="stack", bargap=0.25)
    fig.update_layout(legend={"y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"}, margin={"t": 70})
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text=t.t("returns_count"))
    return fig


def product_label(product_id: str, name: str | None) -> str:
    return f"{name} ({product_id})" if name else str(product_id)
