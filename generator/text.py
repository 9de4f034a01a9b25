"""Vectorised text composition from the phrase banks in ``generator.phrases``.

Every bank is flattened once into string columns plus ``start``/``count`` arrays per group, so choosing a
phrase for a million rows is ``start[group] + floor(u * count[group])`` and a polars gather; texts are
assembled with one ``concat_str`` over slot columns (opener, lead, joiner, clause, second clause,
punctuation, closer, personal data, emoji). No Python loop runs per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from generator import phrases
from generator.codes import (
    CLASS_SENTIMENT,
    EN,
    HARD,
    NEG,
    OTHER,
    POS,
    POSITIVE,
    REASON_CODES,
    RET,
    SENTIMENTS,
    SOFT,
    SUG,
    TOPIC_INDEX,
    TOPICS,
    ZH,
    Q,
)

CORE_KINDS = ("neg", "neg_not", "pos", "pos_not", "sug", "q")
K_NEG, K_NEG_NOT, K_POS, K_POS_NOT, K_SUG, K_Q = range(6)
N_LANG = 2  # languages with phrase banks (en, zh)

# Text patterns. NEG: plain, double clause, negated positive ("not intuitive at all"), contrast ("great
# product, but ..."), complaint + rhetorical question. POS: plain, negated negative ("not slow at all"),
# "not bad at all, ...", reverse contrast ("skeptical at first, but ...").
P_PLAIN, P_DOUBLE, P_NEGATED, P_CONTRAST, P_CQ, P_NOTBAD, P_REVERSE = range(7)
PATTERN_MIX = {
    NEG: ((P_PLAIN, P_DOUBLE, P_NEGATED, P_CONTRAST, P_CQ), (0.45, 0.13, 0.15, 0.17, 0.10)),
    POS: ((P_PLAIN, P_NEGATED, P_NOTBAD, P_REVERSE), (0.60, 0.15, 0.12, 0.13)),
}
CLOSER_RATE = 0.35
COMPOSE_BLOCK = 1 << 18  # rows per vectorised block
PII_RATE = 0.03


def _parse(raw: str) -> tuple[str, int, int | None]:
    """Strip the urgency and goods-kind markers: returns (text, urgency code, kind restriction)."""
    urgency = 0
    if raw.startswith("!! "):
        urgency, raw = 2, raw[3:]
    elif raw.startswith("! "):
        urgency, raw = 1, raw[2:]
    restriction = None
    if raw[:2] in ("S|", "H|"):
        restriction, raw = (SOFT if raw[0] == "S" else HARD), raw[2:]
    return raw, urgency, restriction


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _split(text: str, slot: str) -> tuple[str, str, bool]:
    if slot in text:
        head, tail = text.split(slot, 1)
        return head, tail, True
    return text, "", False


@dataclass(frozen=True)
class Bank:
    """Flattened phrases: row ``i`` is ``head[i] + <slot value> + tail[i]``."""

    head: pl.Series
    tail: pl.Series
    has_slot: np.ndarray
    urgency: np.ndarray
    start: np.ndarray
    count: np.ndarray
    head_cap: pl.Series | None = None  # ``head`` with its first letter upper-cased (sentence start)

    def pick(self, group: np.ndarray, u: np.ndarray) -> np.ndarray:
        count = self.count[group]
        if count.size and count.min() == 0:
            raise ValueError("empty phrase group requested")
        return self.start[group] + np.minimum((u * count).astype(np.int64), count - 1)

    def pick_other(self, group: np.ndarray, first: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A second phrase of the same group, different from ``first`` whenever the group has two."""
        count = self.count[group]
        offset = first - self.start[group]
        step = 1 + np.minimum((u * np.maximum(count - 1, 1)).astype(np.int64), np.maximum(count - 2, 0))
        return self.start[group] + np.where(count > 1, (offset + step) % np.maximum(count, 1), offset)


class _Builder:
    def __init__(self, n_groups: int) -> None:
        self.groups: list[list[tuple[str, str, bool, int]]] = [[] for _ in range(n_groups)]

    def add(self, group: int, head: str, tail: str, has_slot: bool, urgency: int = 0) -> None:
        self.groups[group].append((head, tail, has_slot, urgency))

    def build(self, leading: list[tuple[str, str, bool, int]] | None = None) -> Bank:
        rows = list(leading or [])
        start, count = [], []
        for entries in self.groups:
            start.append(len(rows))
            count.append(len(entries))
            rows.extend(entries)
        return Bank(
            head_cap=pl.Series([_capitalise(r[0]) for r in rows], dtype=pl.String),
            head=pl.Series([r[0] for r in rows], dtype=pl.String),
            tail=pl.Series([r[1] for r in rows], dtype=pl.String),
            has_slot=np.array([r[2] for r in rows], dtype=bool),
            urgency=np.array([r[3] for r in rows], dtype=np.int8),
            start=np.array(start, dtype=np.int64),
            count=np.array(count, dtype=np.int64),
        )


def core_group(lang: np.ndarray, topic: np.ndarray, kind: np.ndarray, pk: np.ndarray) -> np.ndarray:
    return ((lang.astype(np.int64) * len(TOPICS) + topic) * len(CORE_KINDS) + kind) * 2 + pk


def note_group(lang: np.ndarray, reason: np.ndarray, pk: np.ndarray, negative_only: np.ndarray) -> np.ndarray:
    return ((lang.astype(np.int64) * len(REASON_CODES) + reason) * 2 + pk) * 2 + negative_only


@dataclass(frozen=True)
class Banks:
    row_lang: np.ndarray  # language of each core row
    row_negative: np.ndarray  # core row takes the negative intensifiers (太 ...)
    core: Bank  # topic clauses followed by return notes, one index space
    core_groups: int
    note: Bank  # same rows as ``core``; groups by (lang, reason, kind, negative-only)
    note_topic: np.ndarray  # per core row (only meaningful for return-note rows)
    note_sentiment: np.ndarray
    generic: Bank
    generic_names: dict[str, int]
    ends_sentence: np.ndarray
    is_empty: np.ndarray
    title: Bank
    emoji_only: Bank
    satisfaction: Bank
    pii: Bank
    pii_kind: np.ndarray  # 0 email, 1 phone, 2 card

    def gen_group(self, lang: np.ndarray, name: str) -> np.ndarray:
        return lang.astype(np.int64) * len(self.generic_names) + self.generic_names[name]


@cache
def banks() -> Banks:
    """Flatten every phrase bank once per process."""
    langs = ("en", "zh")
    # Core clauses per (lang, topic, kind, goods kind).
    cb = _Builder(N_LANG * len(TOPICS) * len(CORE_KINDS) * 2)
    for li, lang in enumerate(langs):
        for ti, topic in enumerate(TOPICS):
            for ki, kind in enumerate(CORE_KINDS):
                for raw in phrases.CORE[topic][lang][kind]:
                    text, urgency, restriction = _parse(raw)
                    head, tail, slot = _split(text, "{i}")
                    for pk in (SOFT, HARD):
                        if restriction is None or restriction == pk:
                            group = int(core_group(np.array(li), np.array(ti), np.array(ki), np.array(pk)))
                            cb.add(group, head, tail, slot, urgency)
    core = cb.build(leading=[("", "", False, 0)])  # row 0: empty clause (no second clause)
    n_core = len(core.head)

    # Return notes appended to the core rows so one gather serves both.
    n_note_groups = N_LANG * len(REASON_CODES) * 2 * 2
    note_rows: list[tuple[str, str, bool, int]] = []
    note_topic: list[int] = []
    note_sent: list[int] = []
    note_lang: list[int] = []
    note_members: list[list[int]] = [[] for _ in range(n_note_groups)]
    for li, lang in enumerate(langs):
        for ri, reason in enumerate(REASON_CODES):
            for raw, topic, sentiment in phrases.RETURN_NOTES[reason][lang]:
                text, urgency, restriction = _parse(raw)
                head, tail, slot = _split(text, "{i}")
                row = n_core + len(note_rows)
                note_rows.append((head, tail, slot, urgency))
                note_lang.append(li)
                note_topic.append(TOPIC_INDEX[topic])
                note_sent.append(SENTIMENTS.index(sentiment))
                for pk in (SOFT, HARD):
                    if restriction is None or restriction == pk:
                        for neg_only in (0, 1):
                            if neg_only and sentiment != "negative":
                                continue
                            g = int(note_group(np.array(li), np.array(ri), np.array(pk), np.array(neg_only)))
                            note_members[g].append(row)
    head = pl.concat([core.head, pl.Series([r[0] for r in note_rows], dtype=pl.String)])
    tail = pl.concat([core.tail, pl.Series([r[1] for r in note_rows], dtype=pl.String)])
    has_slot = np.concatenate([core.has_slot, np.array([r[2] for r in note_rows], dtype=bool)])
    urgency = np.concatenate([core.urgency, np.array([r[3] for r in note_rows], dtype=np.int8)])
    head_cap = pl.Series([_capitalise(t) for t in head.to_list()], dtype=pl.String)
    core = Bank(head, tail, has_slot, urgency, core.start, core.count, head_cap)
    # Note groups index the shared rows through an indirection table.
    members = [m for group in note_members for m in group]
    note_start = np.cumsum([0] + [len(g) for g in note_members[:-1]]).astype(np.int64)
    note_count = np.array([len(g) for g in note_members], dtype=np.int64)
    note = Bank(
        head=pl.Series(np.array(members, dtype=np.int64)),  # indirection: position -> core row
        tail=pl.Series([], dtype=pl.String),
        has_slot=np.zeros(0, dtype=bool),
        urgency=np.zeros(0, dtype=np.int8),
        start=note_start,
        count=note_count,
    )
    group_of_row = np.concatenate([[-1], np.repeat(np.arange(len(cb.groups)), core.count)])
    per_lang = len(TOPICS) * len(CORE_KINDS) * 2
    row_lang = np.concatenate([np.maximum(group_of_row, 0) // per_lang, note_lang]).astype(np.int64)
    row_kind = (np.maximum(group_of_row, 0) // 2) % len(CORE_KINDS)
    row_negative = np.concatenate(
        [np.isin(row_kind, (K_NEG, K_NEG_NOT)), np.ones(len(note_rows), dtype=bool)]
    )
    topic_arr = np.concatenate([np.full(n_core, -1, dtype=np.int8), np.array(note_topic, dtype=np.int8)])
    sent_arr = np.concatenate([np.full(n_core, -1, dtype=np.int8), np.array(note_sent, dtype=np.int8)])

    # Generic blocks: row 0 is the empty string, groups per (lang, name).
    names = sorted(phrases.GENERIC["en"])
    if sorted(phrases.GENERIC["zh"]) != names:
        raise ValueError("generic phrase names differ between languages")
    gb = _Builder(N_LANG * len(names))
    for li, lang in enumerate(langs):
        for ni, name in enumerate(names):
            for text in phrases.GENERIC[lang][name]:
                # leads always open the text
                gb.add(
                    li * len(names) + ni, _capitalise(text) if name.startswith("lead_") else text, "", False
                )
    generic = gb.build(leading=[("", "", False, 0)])
    gtext = generic.head.to_list()
    ends = np.array([t.endswith((". ", "! ", "? ", "！", "。")) for t in gtext], dtype=bool)
    empty = np.array([t == "" for t in gtext], dtype=bool)

    tb = _Builder(N_LANG * 4)
    for li, lang in enumerate(langs):
        for ci, cls in enumerate(("neg", "pos", "sug", "q")):
            for text in phrases.TITLES[lang][cls]:
                h, t, s = _split(text, "{L}")
                tb.add(li * 4 + ci, h, t, s)
    title = tb.build()

    eb = _Builder(2)
    for si, sentiment in enumerate(("negative", "positive")):
        for text in phrases.EMOJI_ONLY[sentiment]:
            eb.add(si, text, "", False)
    emoji_only = eb.build()

    sb = _Builder(N_LANG * 2)
    for li, lang in enumerate(langs):
        for gi, grade in enumerate(("bad", "good")):
            for text in phrases.SATISFACTION_COMMENTS[lang][grade]:
                sb.add(li * 2 + gi, text, "", False)
    satisfaction = sb.build()

    pb = _Builder(N_LANG * 3)
    for li, lang in enumerate(langs):
        for text in phrases.PII_TEMPLATES[lang]:
            for ki, key in enumerate(("{email}", "{phone}", "{card}")):
                if key in text:
                    h, t, _ = _split(text, key)
                    pb.add(li * 3 + ki, h, t, True)
    pii = pb.build()
    pii_kind = np.repeat(np.arange(N_LANG * 3) % 3, pii.count).astype(np.int8)

    return Banks(
        row_lang=row_lang,
        row_negative=row_negative,
        core=core,
        core_groups=len(cb.groups),
        note=note,
        note_topic=topic_arr,
        note_sentiment=sent_arr,
        generic=generic,
        generic_names={n: i for i, n in enumerate(names)},
        ends_sentence=ends,
        is_empty=empty,
        title=title,
        emoji_only=emoji_only,
        satisfaction=satisfaction,
        pii=pii,
        pii_kind=pii_kind,
    )


def pick_note(
    rng: np.random.Generator, lang: np.ndarray, reason: np.ndarray, pk: np.ndarray, negative_only: np.ndarray
) -> np.ndarray:
    """Core-row index of a return note per row (-1 where the reason has no note, e.g. UNKNOWN)."""
    b = banks()
    group = note_group(np.minimum(lang, ZH), reason, pk, negative_only.astype(np.int64))
    count = b.note.count[group]
    u = rng.random(len(group))
    pos = b.note.start[group] + np.minimum((u * count).astype(np.int64), np.maximum(count - 1, 0))
    members = b.note.head.to_numpy()
    out = np.full(len(group), -1, dtype=np.int64)
    ok = count > 0
    out[ok] = members[pos[ok]]
    return out


def _gather(series: pl.Series, idx: np.ndarray) -> pl.Series:
    return series.gather(pl.Series(idx, dtype=pl.Int64))


def _digits(rng: np.random.Generator, n: int, k: int) -> pl.Series:
    """``n`` random strings of ``k`` decimal digits (leading zeros kept)."""
    return pl.Series(rng.integers(0, 10**k, size=n, dtype=np.int64)).cast(pl.String).str.zfill(k)


def _cards(rng: np.random.Generator, lang: np.ndarray) -> pl.Series:
    """Luhn-valid 16-digit card-like numbers (UnionPay-style 62... for Chinese texts), some grouped by 4."""
    n = len(lang)
    d = rng.integers(0, 10, size=(n, 16), dtype=np.int64)
    first = np.where(lang == ZH, 6, np.where(rng.random(n) < 0.6, 4, 5))
    d[:, 0] = first
    d[:, 1] = np.where(lang == ZH, 2, d[:, 1])
    payload = d[:, :15].copy()
    doubled = payload[:, 14::-2] * 2
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    total = doubled.sum(axis=1) + payload[:, 13::-2].sum(axis=1)
    d[:, 15] = (10 - total % 10) % 10
    plain = (d + ord("0")).astype(np.uint8).view("S16").ravel().astype("U16")
    s = pl.Series(plain)
    grouped = pl.concat_str(
        [s.str.slice(0, 4), s.str.slice(4, 4), s.str.slice(8, 4), s.str.slice(12, 4)], separator=" "
    )
    return pl.select(pl.when(pl.Series(rng.random(n) < 0.5)).then(grouped).otherwise(s)).to_series()


def _phones(rng: np.random.Generator, lang: np.ndarray) -> pl.Series:
    n = len(lang)
    style = rng.integers(0, 3, size=n)
    a3, b3, c4 = _digits(rng, n, 3), _digits(rng, n, 3), _digits(rng, n, 4)
    uk4, uk6 = _digits(rng, n, 3), _digits(rng, n, 6)
    cn_second = pl.Series(rng.integers(3, 10, size=n)).cast(pl.String)
    cn9 = _digits(rng, n, 9)
    us1 = pl.concat_str([pl.lit("+1 ("), a3, pl.lit(") "), b3, pl.lit("-"), c4])
    us2 = pl.concat_str([pl.lit("+1 "), a3, pl.lit("-"), b3, pl.lit("-"), c4])
    uk = pl.concat_str([pl.lit("+44 7"), uk4, pl.lit(" "), uk6])
    cn = pl.concat_str([pl.lit("1"), cn_second, cn9])
    cn86 = pl.concat_str(
        [
            pl.lit("+86 1"),
            cn_second,
            cn9.str.slice(0, 1),
            pl.lit(" "),
            cn9.str.slice(1, 4),
            pl.lit(" "),
            cn9.str.slice(5, 4),
        ]
    )
    is_zh = pl.Series(lang == ZH)
    st = pl.Series(style)
    return pl.select(
        pl.when(is_zh & (st < 2))
        .then(cn)
        .when(is_zh)
        .then(cn86)
        .when(st == 0)
        .then(us1)
        .when(st == 1)
        .then(us2)
        .otherwise(uk)
    ).to_series()


@dataclass
class Texts:
    text: pl.Series  # String, null where the row has no text
    urgency: np.ndarray  # int8 code


def compose(
    rng: np.random.Generator,
    *,
    lang: np.ndarray,
    cls: np.ndarray,
    topic: np.ndarray,
    pk: np.ndarray,
    note: np.ndarray,
    sentiment: np.ndarray,
    emoji_rate: np.ndarray,
    email: pl.Series,
    has_text: np.ndarray,
) -> Texts:
    """Compose one text per row.

    ``cls`` is the text class (NEG/POS/SUG/Q/RET), ``note`` the core row of a return note for RET rows,
    ``lang`` 0/1/2 (2 = emoji-only). Rows with ``has_text`` False get a null text and normal urgency.
    """
    n = len(lang)
    rows = np.flatnonzero(has_text)
    # Work in blocks: bounded temporaries for millions of rows; the block size is fixed, so output is too.
    texts, urgs = [], []
    for lo in range(0, len(rows), COMPOSE_BLOCK):
        r = rows[lo : lo + COMPOSE_BLOCK]
        t, g = _compose_rows(
            rng,
            lang[r],
            cls[r],
            topic[r],
            pk[r],
            note[r],
            sentiment[r],
            emoji_rate[r],
            email.gather(pl.Series(r, dtype=pl.Int64)),
        )
        texts.append(t)
        urgs.append(g)
    text = pl.concat(texts) if texts else pl.Series("text", [], dtype=pl.String)
    urg = np.concatenate(urgs) if urgs else np.zeros(0, dtype=np.int8)
    urgency = np.zeros(n, dtype=np.int8)
    urgency[rows] = urg
    if len(rows) == n:
        return Texts(text=text.alias("text"), urgency=urgency)
    full = pl.repeat(None, n, dtype=pl.String, eager=True).alias("text")
    return Texts(text=full.scatter(rows, text) if len(rows) else full, urgency=urgency)


@dataclass(frozen=True)
class _Tables:
    """Pre-rendered combinations, so composing a text is a handful of gathers.

    - ``clause``: every core row with each intensifier of its language/polarity filled in (and a
      capitalised copy); ``cstart/ccount`` per core row. Row 0 is the empty clause.
    - ``prefix``: openers (keyed by class) and lead + joiner pairs (keyed by pattern); ``prefix_cap`` says
      whether the clause after it starts a sentence.
    - ``end``: final punctuation x closer per (lang, class, mode) with mode 0 bare, 1 closed (a personal-data
      sentence follows), 2 closer, 3 rhetorical complaint question.
    """

    clause: pl.Series
    cstart: np.ndarray
    ccount: np.ndarray
    prefix: pl.Series
    prefix_cap: np.ndarray
    pstart: np.ndarray
    pcount: np.ndarray
    end: pl.Series
    estart: np.ndarray
    ecount: np.ndarray


def _flat(groups: list[list[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    flat = [x for g in groups for x in g]
    count = np.array([len(g) for g in groups], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
    return flat, start, count


@cache
def _tables() -> _Tables:
    b = banks()
    gtext = b.generic.head.to_list()

    def block(lang: int, name: str) -> list[str]:
        group = lang * len(b.generic_names) + b.generic_names[name]
        start, count = int(b.generic.start[group]), int(b.generic.count[group])
        return gtext[start : start + count]

    heads, tails = b.core.head.to_list(), b.core.tail.to_list()
    clauses: list[list[str]] = []
    for r, (h, t) in enumerate(zip(heads, tails, strict=True)):
        if b.core.has_slot[r]:
            words = block(int(b.row_lang[r]), "intens" if b.row_negative[r] else "intens_pos")
            clauses.append([h + w + t for w in words])
        else:
            clauses.append([h + t])
    flat, cstart, ccount = _flat(clauses)
    clause = pl.Series(flat + [_capitalise(x) for x in flat], dtype=pl.String)

    openers = {NEG: "opener_neg", POS: "opener_pos", SUG: "opener_sug", Q: "opener_q"}
    leads = {
        P_CONTRAST: ("lead_pos", "join_contrast"),
        P_REVERSE: ("lead_minor_neg", "join_contrast_pos"),
        P_NOTBAD: ("lead_notbad", "join_comma"),
    }
    prefixes: list[list[str]] = []
    for lang in (EN, ZH):
        for code in range(16):
            if code < 8:
                prefixes.append(block(lang, openers[code]) if code in openers else [""])
            elif code - 8 in leads:
                lead, join = leads[code - 8]
                prefixes.append([x + j for x in block(lang, lead) for j in block(lang, join)])
            else:
                prefixes.append([""])
    pflat, pstart, pcount = _flat(prefixes)
    ends_sentence = (". ", "! ", "? ", "！", "。")
    is_opener = np.repeat(np.tile(np.arange(16) < 8, 2), pcount)
    prefix_cap = np.array([p == "" or p.endswith(ends_sentence) for p in pflat]) & is_opener

    punct = {NEG: "punct_neg", POS: "punct_pos", SUG: "punct_sug", Q: "punct_q", RET: "punct_ret"}
    closers = {NEG: "closer_neg", POS: "closer_pos", SUG: "closer_sug", Q: "closer_q"}
    ends: list[list[str]] = []
    for lang in (EN, ZH):
        stop = "。" if lang == ZH else "."
        for c in range(5):
            bare = block(lang, punct[c])
            closed = bare if c == Q else [p or stop for p in bare]
            closer = block(lang, closers[c]) if c in closers else [""]
            ends.append(bare)
            ends.append(closed)
            ends.append([p + x for p in closed for x in closer])
            ends.append([p + x for p in closed for x in block(lang, "complaint_question")])
    eflat, estart, ecount = _flat(ends)
    return _Tables(
        clause=clause,
        cstart=cstart,
        ccount=ccount,
        prefix=pl.Series(pflat, dtype=pl.String),
        prefix_cap=prefix_cap,
        pstart=pstart,
        pcount=pcount,
        end=pl.Series(eflat, dtype=pl.String),
        estart=estart,
        ecount=ecount,
    )


def _draw(start: np.ndarray, count: np.ndarray, key: np.ndarray, u: np.ndarray) -> np.ndarray:
    return start[key] + (u * count[key]).astype(np.int64)


def _compose_rows(
    rng: np.random.Generator,
    lang: np.ndarray,
    cls: np.ndarray,
    topic: np.ndarray,
    pk: np.ndarray,
    note: np.ndarray,
    sentiment: np.ndarray,
    emoji_rate: np.ndarray,
    email: pl.Series,
) -> tuple[pl.Series, np.ndarray]:
    b, tb = banks(), _tables()
    n = len(lang)
    lang_b = np.minimum(lang, ZH).astype(np.int64)  # phrase language (emoji-only rows are overwritten below)
    u = rng.random((11, n))

    pattern = np.full(n, P_PLAIN, dtype=np.int64)
    for c, (choices, probs) in PATTERN_MIX.items():
        pick = np.searchsorted(np.cumsum(probs) / sum(probs), u[0], side="right").clip(0, len(choices) - 1)
        pattern = np.where(cls == c, np.asarray(choices)[pick], pattern)
    kind = np.select(
        [cls == NEG, cls == POS, cls == SUG],
        [
            np.where(pattern == P_NEGATED, K_NEG_NOT, K_NEG),
            np.where(pattern == P_NEGATED, K_POS_NOT, K_POS),
            K_SUG,
        ],
        default=K_Q,
    )
    is_ret = cls == RET
    group = core_group(lang_b, np.where(is_ret, 0, topic), kind, pk)
    core = np.where(is_ret, np.maximum(note, 0), b.core.pick(group, u[1]))
    is_double = pattern == P_DOUBLE
    core2 = np.where(is_double, b.core.pick_other(group, core, u[2]), 0)  # core row 0 is the empty clause

    plain_like = (pattern == P_PLAIN) | (pattern == P_DOUBLE) | (pattern == P_NEGATED) | (pattern == P_CQ)
    prefix = _draw(tb.pstart, tb.pcount, lang_b * 16 + np.where(plain_like, cls, 8 + pattern), u[3])
    n_clause = len(tb.clause) // 2
    clause1 = _draw(tb.cstart, tb.ccount, core, u[4]) + tb.prefix_cap[prefix] * n_clause
    join2 = b.generic.pick(b.gen_group(lang_b, "join_double"), u[5]) * is_double
    clause2 = _draw(tb.cstart, tb.ccount, core2, u[6]) + b.ends_sentence[join2] * n_clause

    pii_rows = (u[7] < PII_RATE) & (lang != OTHER)
    closer = (u[8] < CLOSER_RATE) & ~is_ret
    mode = np.where(pattern == P_CQ, 3, np.where(closer, 2, pii_rows.astype(np.int64)))
    end = _draw(tb.estart, tb.ecount, (lang_b * 5 + cls) * 4 + mode, u[9])

    emoji_sent = np.where(is_ret, sentiment, np.asarray(CLASS_SENTIMENT)[cls])
    emoji_name = np.array([b.generic_names[x] for x in ("emoji_neg", "emoji_neu", "emoji_pos")])[emoji_sent]
    emoji = b.generic.pick(lang_b * len(b.generic_names) + emoji_name, u[10]) * (rng.random(n) < emoji_rate)

    frame = pl.DataFrame(
        [
            _gather(tb.prefix, prefix),
            _gather(tb.clause, clause1),
            _gather(b.generic.head, join2),
            _gather(tb.clause, clause2),
            _gather(tb.end, end),
            _pii(rng, lang_b, pii_rows, email),
            _gather(b.generic.head, emoji),
        ],
        schema=[f"c{i}" for i in range(7)],
    )
    text = frame.select(pl.concat_str(pl.all()).alias("text")).to_series()

    other = lang == OTHER
    if other.any():
        eo = b.emoji_only.pick((emoji_sent[other] == POSITIVE).astype(np.int64), rng.random(int(other.sum())))
        text = text.scatter(np.flatnonzero(other), _gather(b.emoji_only.head, eo))

    urgency = np.maximum(b.core.urgency[core], b.core.urgency[core2])
    urgency = np.where((cls == POS) | (cls == SUG) | other, 0, urgency).astype(np.int8)
    return text, urgency


def _pii(rng: np.random.Generator, lang: np.ndarray, rows: np.ndarray, email: pl.Series) -> pl.Series:
    """Personal data sentence for ``rows`` (empty string elsewhere)."""
    b = banks()
    n = len(lang)
    out = pl.repeat("", n, dtype=pl.String, eager=True).alias("pii")
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return out
    lg = lang[idx]
    k = len(idx)
    kind = rng.integers(0, 3, size=k)
    tpl = b.pii.pick(lg * 3 + kind, rng.random(k))
    mail = email.gather(pl.Series(idx, dtype=pl.Int64))
    fallback = pl.concat_str([pl.lit("user"), _digits(rng, k, 5), pl.lit("@example.com")])
    values = pl.select(
        pl.when(pl.Series(kind == 0))
        .then(pl.coalesce(mail, fallback))
        .when(pl.Series(kind == 1))
        .then(_phones(rng, lg))
        .otherwise(_cards(rng, lg))
    ).to_series()
    sentence = pl.select(
        pl.concat_str([_gather(b.pii.head, tpl), values, _gather(b.pii.tail, tpl)])
    ).to_series()
    return out.scatter(idx, sentence)


def titles(rng: np.random.Generator, lang: np.ndarray, cls: np.ndarray, topic: np.ndarray) -> pl.Series:
    """Short titles / subjects: class-specific template with the topic label."""
    b = banks()
    lang_b = np.minimum(lang, ZH).astype(np.int64)
    tcls = np.where(cls == RET, 0, cls).astype(np.int64)
    idx = b.title.pick(lang_b * 4 + tcls, rng.random(len(lang)))
    labels_en = pl.Series([phrases.LABELS[t][0] for t in TOPICS])
    labels_zh = pl.Series([phrases.LABELS[t][1] for t in TOPICS])
    label = pl.select(
        pl.when(pl.Series(lang_b == ZH)).then(_gather(labels_zh, topic)).otherwise(_gather(labels_en, topic))
    ).to_series()
    label = pl.select(pl.when(pl.Series(b.title.has_slot[idx])).then(label).otherwise(pl.lit(""))).to_series()
    return pl.select(
        pl.concat_str([_gather(b.title.head, idx), label, _gather(b.title.tail, idx)])
    ).to_series()


def satisfaction_comments(rng: np.random.Generator, lang: np.ndarray, good: np.ndarray) -> pl.Series:
    b = banks()
    idx = b.satisfaction.pick(
        np.minimum(lang, ZH).astype(np.int64) * 2 + good.astype(np.int64), rng.random(len(lang))
    )
    return _gather(b.satisfaction.head, idx)


def near_duplicate(rng: np.random.Generator, text: pl.Series, lang: np.ndarray) -> pl.Series:
    """A small edit of each text: a short prefix, a louder ending or a lower-cased first letter."""
    b = banks()
    n = len(text)
    lang_b = np.minimum(lang, ZH).astype(np.int64)
    op = rng.integers(0, 3, size=n)
    op = np.where((op == 2) & (lang_b == ZH), 1, op)
    prefix = _gather(b.generic.head, b.generic.pick(b.gen_group(lang_b, "dup_prefix"), rng.random(n)))
    suffix = _gather(b.generic.head, b.generic.pick(b.gen_group(lang_b, "dup_suffix"), rng.random(n)))
    df = pl.DataFrame({"t": text, "p": prefix, "s": suffix, "op": op})
    t = pl.col("t")
    prefixed = pl.concat_str([pl.col("p"), t])
    louder = pl.concat_str([t.str.strip_chars_end(".。!！"), pl.col("s")])
    lowered = pl.concat_str([t.str.slice(0, 1).str.to_lowercase(), t.str.slice(1)])
    edited = pl.when(pl.col("op") == 1).then(louder).when(pl.col("op") == 2).then(lowered).otherwise(prefixed)
    # an edit that changes nothing (already lower-case, already "!!") falls back to the prefix
    return df.select(pl.when(edited == t).then(prefixed).otherwise(edited)).to_series()


__all__ = [
    "Banks",
    "Texts",
    "banks",
    "compose",
    "near_duplicate",
    "pick_note",
    "satisfaction_comments",
    "titles",
]
