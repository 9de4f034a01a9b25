"""Customers, products and daily product sales shared by every channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from generator import vocab
from generator.codes import EN, HARD, SOFT, ZH
from generator.ids import B36, encode, padded

COUNTRY_CODES = tuple(vocab.COUNTRIES)
COUNTRY_OFFSET_MIN = np.array([vocab.COUNTRIES[c][0] for c in COUNTRY_CODES], dtype=np.int64)
CATEGORY_NAMES = tuple(vocab.CATEGORIES)
ZH_SHARE = 0.40  # share of customers writing Chinese
ACTIVITY_SIGMA = 1.1  # lognormal spread of how much each customer writes: a few heavy writers ...
ACTIVITY_CAP_QUANTILE = 0.995  # ... but nobody writes hundreds of items in a quarter


@dataclass
class Customers:
    frame: pl.DataFrame  # customers.parquet
    lang: np.ndarray  # preferred language code
    country: np.ndarray  # index into COUNTRY_CODES
    weight: np.ndarray  # probability a feedback item comes from this customer

    @property
    def n(self) -> int:
        return len(self.lang)


@dataclass
class Products:
    frame: pl.DataFrame  # products.parquet
    kind: np.ndarray  # SOFT / HARD goods
    digital: np.ndarray  # app-connected category
    popularity: np.ndarray  # share of sales (sums to 1)
    return_rate: np.ndarray  # returned units / sold units
    price: np.ndarray

    @property
    def n(self) -> int:
        return len(self.kind)


def _choice(rng: np.random.Generator, options: dict[str, float], n: int) -> np.ndarray:
    keys = list(options)
    p = np.array([options[k] for k in keys], dtype=float)
    return rng.choice(len(keys), size=n, p=p / p.sum())


def make_customers(rng: np.random.Generator, n: int, window_start: date) -> Customers:
    lang = np.where(rng.random(n) < ZH_SHARE, ZH, EN).astype(np.int8)
    zh = lang == ZH
    country = np.empty(n, dtype=np.int64)
    for is_zh, mix in ((False, vocab.EN_COUNTRY_MIX), (True, vocab.ZH_COUNTRY_MIX)):
        sel = zh == is_zh
        picked = _choice(rng, mix, int(sel.sum()))
        country[sel] = np.array([COUNTRY_CODES.index(c) for c in mix])[picked]

    num = np.arange(1, n + 1)
    width = max(6, len(str(n)))
    ids = padded("C", num, width)
    fi = rng.integers(0, len(vocab.EN_FIRST), n)
    la = rng.integers(0, len(vocab.EN_LAST), n)
    si = rng.integers(0, len(vocab.ZH_SURNAME), n)
    gi = rng.integers(0, len(vocab.ZH_GIVEN), n)
    en_first = pl.Series(vocab.EN_FIRST).gather(fi)
    en_last = pl.Series(vocab.EN_LAST).gather(la)
    zh_sur = pl.Series([s for s, _ in vocab.ZH_SURNAME]).gather(si)
    zh_given = pl.Series([g for g, _ in vocab.ZH_GIVEN]).gather(gi)
    py_sur = pl.Series([p for _, p in vocab.ZH_SURNAME]).gather(si)
    py_given = pl.Series([p for _, p in vocab.ZH_GIVEN]).gather(gi)
    num_s = pl.Series(num).cast(pl.String)
    tag = encode(num.astype(np.uint64), B36, max(4, int(np.ceil(np.log(n + 1) / np.log(36)))))
    en_dom = pl.Series(vocab.EN_EMAIL_DOMAINS).gather(rng.integers(0, len(vocab.EN_EMAIL_DOMAINS), n))
    zh_dom = pl.Series(vocab.ZH_EMAIL_DOMAINS).gather(rng.integers(0, len(vocab.ZH_EMAIL_DOMAINS), n))
    qq_style = rng.random(n) < 0.3
    is_zh = pl.Series(zh)
    frame = pl.DataFrame({"customer_id": ids}).with_columns(
        name=pl.when(is_zh)
        .then(pl.concat_str([zh_sur, zh_given]))
        .otherwise(pl.concat_str([en_first, en_last], separator=" ")),
        email=pl.when(is_zh & pl.Series(qq_style))
        .then(pl.concat_str([pl.Series(2_000_000 + num * 7).cast(pl.String), pl.lit("@qq.com")]))
        .when(is_zh)
        .then(pl.concat_str([py_given, pl.lit("."), py_sur, num_s, pl.lit("@"), zh_dom]))
        .otherwise(
            pl.concat_str(
                [
                    en_first.str.to_lowercase(),
                    pl.lit("."),
                    en_last.str.to_lowercase(),
                    num_s,
                    pl.lit("@"),
                    en_dom,
                ]
            )
        ),
        phone=_phones(rng, country),
        handle=pl.when(is_zh)
        .then(pl.concat_str([py_given, py_sur, pl.lit("_"), tag]))
        .otherwise(
            pl.concat_str(
                [en_first.str.to_lowercase(), pl.lit("_"), en_last.str.slice(0, 1).str.to_lowercase(), tag]
            )
        ),
        country=pl.Series(COUNTRY_CODES).gather(country),
        signup_date=pl.Series(
            np.datetime64(window_start, "D") - rng.integers(1, 1100, n).astype("timedelta64[D]"),
            dtype=pl.Date,
        ),
    )
    weight = rng.lognormal(0.0, ACTIVITY_SIGMA, n)
    weight = np.minimum(weight, np.quantile(weight, ACTIVITY_CAP_QUANTILE))
    return Customers(frame=frame, lang=lang, country=country, weight=weight / weight.sum())


def _phones(rng: np.random.Generator, country: np.ndarray) -> pl.Series:
    """E.164 numbers with each country's calling code and a plausible mobile prefix."""
    n = len(country)
    out = np.empty(n, dtype=object)
    for ci, code in enumerate(COUNTRY_CODES):
        sel = np.flatnonzero(country == ci)
        if sel.size == 0:
            continue
        _, _, _, cc, prefixes, digits = vocab.COUNTRIES[code]
        options = prefixes.split("|")
        pre = np.array(options)[rng.integers(0, len(options), sel.size)]
        rest = (
            pl.Series(rng.integers(0, 10**digits, sel.size, dtype=np.int64)).cast(pl.String).str.zfill(digits)
        )
        out[sel] = (
            pl.select(pl.concat_str([pl.lit("+" + cc), pl.Series(pre.astype(str)), rest]))
            .to_series()
            .to_numpy()
        )
    return pl.Series(out.astype(str), dtype=pl.String)


def make_products(rng: np.random.Generator, n: int) -> Products:
    shares = np.array([vocab.CATEGORIES[c][1] for c in CATEGORY_NAMES])
    counts = np.floor(shares / shares.sum() * n).astype(int)
    counts[np.argsort(-shares)[: n - counts.sum()]] += 1
    cat = rng.permutation(np.repeat(np.arange(len(CATEGORY_NAMES)), counts))
    kind = np.array([SOFT if vocab.CATEGORIES[c][0] == "soft" else HARD for c in CATEGORY_NAMES])[cat]
    digital = np.array([vocab.CATEGORIES[c][3] for c in CATEGORY_NAMES])[cat]
    lo = np.array([vocab.CATEGORIES[c][2][0] for c in CATEGORY_NAMES])[cat]
    hi = np.array([vocab.CATEGORIES[c][2][1] for c in CATEGORY_NAMES])[cat]
    price = np.floor(lo + rng.random(n) * (hi - lo)) + 0.99

    nouns = [vocab.CATEGORIES[c][4] for c in CATEGORY_NAMES]
    noun_idx = (rng.random(n) * np.array([len(nouns[c]) for c in cat])).astype(int)
    flat_nouns = [w for ns in nouns for w in ns]
    noun_start = np.cumsum([0] + [len(ns) for ns in nouns[:-1]])
    noun = pl.Series(flat_nouns).gather(noun_start[cat] + noun_idx)
    series = pl.Series(vocab.SERIES).gather(np.arange(n) % len(vocab.SERIES))
    model = pl.Series(vocab.MODELS).gather(rng.integers(0, len(vocab.MODELS), n))
    name = pl.select(
        pl.concat_str([series, pl.lit(" "), noun, pl.lit(" "), model]).str.strip_chars()
    ).to_series()

    rank = rng.permutation(n) + 1
    popularity = 1.0 / rank**1.05
    popularity /= popularity.sum()
    return_rate = np.where(kind == SOFT, rng.uniform(0.05, 0.12, n), rng.uniform(0.02, 0.08, n))
    frame = pl.DataFrame(
        {
            "product_id": padded("P", np.arange(1, n + 1), 4),
            "name": name,
            "category": pl.Series(CATEGORY_NAMES).gather(cat),
            "price": price.astype(np.float64),
        }
    )
    return Products(
        frame=frame, kind=kind, digital=digital, popularity=popularity, return_rate=return_rate, price=price
    )


WEEKDAY_FACTOR = np.array([1.0, 1.05, 1.0, 1.0, 0.95, 0.7, 0.65])  # Mon..Sun


def make_sales(
    rng: np.random.Generator, products: Products, returned_units: np.ndarray, start: date, days: int
) -> pl.DataFrame:
    """Orders and units per day and product, scaled so each product's return rate is near its target.

    Returns were drawn with weight popularity x return rate, so units = popularity x scale gives an expected
    returned/sold ratio equal to the product's ``return_rate``. Every day x product has at least one order.
    """
    pop_r = float((products.popularity * products.return_rate).sum())
    scale = max(float(returned_units.sum()), 1.0) / pop_r
    units_total = products.popularity * scale
    dow = np.array([(start + timedelta(days=d)).weekday() for d in range(days)])
    w = WEEKDAY_FACTOR[dow]
    lam = np.outer(units_total, w / w.sum()) / 1.15
    orders = np.maximum(rng.poisson(lam), 1)
    units = orders + rng.binomial(orders, 0.15)
    n, d = orders.shape
    return pl.DataFrame(
        {
            "sale_date": pl.date_range(start, start + timedelta(days=days - 1), eager=True).gather(
                np.tile(np.arange(d), n)
            ),
            "product_id": products.frame["product_id"].gather(np.repeat(np.arange(n), d)),
            "orders": orders.ravel().astype(np.int64),
            "units": units.ravel().astype(np.int64),
        }
    ).sort("sale_date", "product_id")
