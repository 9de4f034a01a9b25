"""TaggingConfig: the user-editable seeds (taxonomy, keywords, lexicons) plus the packaged sentiment model.

Seeds live in dbt_project/seeds/ so analysts edit them in one place and dbt loads the same files into the
warehouse. `taxonomy_version` is a short hash of every file that can change a tag, so a changed seed (or a
retrained model) re-tags everything on the next run and every tag row says which version produced it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from analytics.sentiment import LanguageRules, SentimentModel

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_SEEDS_DIR = PACKAGE_DIR.parent / "dbt_project" / "seeds"
DEFAULT_MODELS_DIR = PACKAGE_DIR / "models"

TAXONOMY_FILE = "taxonomy.csv"
TOPIC_KEYWORDS_FILE = "topic_keywords.csv"
URGENCY_KEYWORDS_FILE = "urgency_keywords.csv"
TYPE_CUES_FILE = "feedback_type_cues.csv"
LEXICON_FILES = {"en": "sentiment_lexicon_en.csv", "zh": "sentiment_lexicon_zh.csv"}
MODIFIERS_FILE = "sentiment_lexicon_modifiers.csv"
SEED_FILES = (
    TAXONOMY_FILE,
    TOPIC_KEYWORDS_FILE,
    URGENCY_KEYWORDS_FILE,
    TYPE_CUES_FILE,
    *LEXICON_FILES.values(),
    MODIFIERS_FILE,
)
WEIGHTS_FILE = "sentiment_weights.csv"
META_FILE = "sentiment_model.json"
MODEL_FILES = (WEIGHTS_FILE, META_FILE)

LANGUAGES = ("en", "zh")


def _read_csv(path: Path, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    # Explicit schemas: a user typing "1" in a weight column must not turn it into an integer column.
    df = pl.read_csv(path, schema_overrides=schema, comment_prefix=None)
    missing = set(schema) - set(df.columns)
    if missing:
        raise ValueError(f"{path.name}: missing columns {sorted(missing)}")
    return df.select(list(schema))


def load_rules(seeds_dir: Path | None = None) -> dict[str, LanguageRules]:
    """Sentiment lexicon and modifier rules per language from the seeds."""
    seeds = Path(seeds_dir) if seeds_dir else DEFAULT_SEEDS_DIR
    mods = _read_csv(
        seeds / MODIFIERS_FILE,
        {"language": pl.String, "term": pl.String, "kind": pl.String, "factor": pl.Float64},
    ).with_columns(pl.col("term").str.to_lowercase())
    rules = {}
    for lang, fname in LEXICON_FILES.items():
        lex = _read_csv(seeds / fname, {"term": pl.String, "valence": pl.Float64}).with_columns(
            pl.col("term").str.to_lowercase().str.strip_chars()
        )
        m = mods.filter(pl.col("language") == lang)

        def terms(kind: str, m: pl.DataFrame = m) -> tuple[str, ...]:
            return tuple(m.filter(pl.col("kind") == kind)["term"].to_list())

        modifiers = m.filter(pl.col("kind").is_in(["intensifier", "diminisher"]))
        rules[lang] = LanguageRules(
            language=lang,
            lexicon=lex.drop_nulls(),
            negators=terms("negator"),
            negator_exceptions=terms("negator_exception"),
            modifiers=dict(zip(modifiers["term"].to_list(), modifiers["factor"].to_list(), strict=True)),
            contrast_but=terms("contrast_but"),
            contrast_although=terms("contrast_although"),
        )
    return rules


def load_models(rules: dict[str, LanguageRules], models_dir: Path | None = None) -> dict[str, SentimentModel]:
    """The packaged (or a freshly trained) sentiment model per language."""
    mdir = Path(models_dir) if models_dir else DEFAULT_MODELS_DIR
    meta = json.loads((mdir / META_FILE).read_text(encoding="utf-8"))
    weights = pl.read_csv(
        mdir / WEIGHTS_FILE,
        schema={
            "language": pl.String,
            "kind": pl.String,
            "t1": pl.String,
            "t2": pl.String,
            "pol": pl.Float64,
            "subj": pl.Float64,
        },
    )
    models = {}
    for lang in LANGUAGES:
        m = meta["languages"][lang]
        models[lang] = SentimentModel(
            language=lang,
            rules=rules[lang],
            weights=weights.filter(pl.col("language") == lang).drop("language"),
            pol_intercept=float(m["pol_intercept"]),
            subj_intercept=None if m.get("subj_intercept") is None else float(m["subj_intercept"]),
            neutral_band=float(m["neutral_band"]),
        )
    return models


def content_version(paths: list[Path]) -> str:
    """12-hex-digit hash of the files' names and bytes (order-independent of the file system)."""
    digest = hashlib.sha256()
    for p in sorted(paths, key=lambda p: p.name):
        digest.update(p.name.encode())
        digest.update(b"\0")
        digest.update(p.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class TaggingConfig:
    """Everything `tag()` needs; build it with `TaggingConfig.load()`."""

    seeds_dir: Path
    models_dir: Path
    taxonomy: pl.DataFrame  # topic_l1, topic_l2, label_en, label_zh, default_urgency
    topic_keywords: pl.DataFrame  # topic_l2, language, keyword, weight
    urgency_keywords: pl.DataFrame  # urgency, language, keyword
    type_cues: pl.DataFrame  # feedback_type, language, cue, weight
    rules: dict[str, LanguageRules]
    models: dict[str, SentimentModel]
    taxonomy_version: str
    topic_threshold: float = 1.0  # minimum keyword weight sum for a topic to be assigned

    @classmethod
    def load(cls, seeds_dir: Path | None = None, models_dir: Path | None = None) -> TaggingConfig:
        """Read seeds (default dbt_project/seeds beside this package) and the model (analytics/models).

        Cached on the files' paths, sizes and modification times: an edited seed is picked up by the
        next call, an unchanged one is not re-parsed.
        """
        seeds = Path(seeds_dir).resolve() if seeds_dir else DEFAULT_SEEDS_DIR
        mdir = Path(models_dir).resolve() if models_dir else DEFAULT_MODELS_DIR
        files = [seeds / f for f in SEED_FILES] + [mdir / f for f in MODEL_FILES]
        stamp = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
        return _load(seeds, mdir, stamp)


@lru_cache(maxsize=8)
def _load(seeds: Path, mdir: Path, stamp: tuple[tuple[str, int, int], ...]) -> TaggingConfig:
    files = [Path(s[0]) for s in stamp]
    taxonomy = _read_csv(
        seeds / TAXONOMY_FILE,
        {
            "topic_l1": pl.String,
            "topic_l2": pl.String,
            "label_en": pl.String,
            "label_zh": pl.String,
            "default_urgency": pl.String,
        },
    ).with_row_index("topic_order")
    topic_keywords = _read_csv(
        seeds / TOPIC_KEYWORDS_FILE,
        {"topic_l2": pl.String, "language": pl.String, "keyword": pl.String, "weight": pl.Float64},
    )
    unknown = set(topic_keywords["topic_l2"].unique().to_list()) - set(taxonomy["topic_l2"].to_list())
    if unknown:
        raise ValueError(f"{TOPIC_KEYWORDS_FILE}: topic_l2 not in {TAXONOMY_FILE}: {sorted(unknown)}")
    urgency = _read_csv(
        seeds / URGENCY_KEYWORDS_FILE, {"urgency": pl.String, "language": pl.String, "keyword": pl.String}
    )
    cues = _read_csv(
        seeds / TYPE_CUES_FILE,
        {"feedback_type": pl.String, "language": pl.String, "cue": pl.String, "weight": pl.Float64},
    )
    rules = load_rules(seeds)
    models = load_models(rules, mdir)
    return TaggingConfig(
        seeds_dir=seeds,
        models_dir=mdir,
        taxonomy=taxonomy,
        topic_keywords=topic_keywords,
        urgency_keywords=urgency,
        type_cues=cues,
        rules=rules,
        models=models,
        taxonomy_version=content_version(files),
    )
