"""Train the sentiment model from the labelled CSVs in shared/evaldata/ (see MODEL.md).

`train(evaldata_dir, out_dir, seed)` writes analytics/models/sentiment_weights.csv and
sentiment_model.json. It is deterministic: rows and features are sorted, folds come from a seeded
generator, the solver is Newton-CG (no randomness) on one BLAS thread, and weights are rounded to 6
decimals before they are written, so a rerun reproduces the files byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from analytics.config import DEFAULT_MODELS_DIR, LANGUAGES, META_FILE, WEIGHTS_FILE, load_rules
from analytics.sentiment import LanguageRules, SentimentModel, label_expr, training_features

DEFAULT_SEED = 20240601
LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class TrainParams:
    """Hyper-parameters; the values were chosen by out-of-fold macro-F1 (MODEL.md)."""

    c_pol_en: float = 5.0  # inverse L2 strength of the polarity model, English
    # ... Chinese: longer texts, more rows; 1 rather than 2 costs 0.1 point in domain and gains 0.3-0.5
    # on a held-out source or product category (MODEL.md, cross-domain).
    c_pol_zh: float = 1.0
    c_subj: float = 1.0  # inverse L2 strength of the polar-vs-neutral model
    min_df_en: int = 2  # a feature must occur in at least this many training texts
    min_df_zh: int = 3  # Chinese character trigrams are many; 3 keeps the model file a few MB
    prune: float = 0.0  # drop features whose |weight| is below this in both models (smaller file)
    # Each source's rows are weighted by (largest source / this source) ** source_balance, so the small
    # review files are not drowned by the tweets (0 = plain pooling, 1 = every source counts equally).
    source_balance: float = 0.5
    # Naive-Bayes feature scaling (NBSVM-style); None turns it off. +0.5-1 macro-F1 point out of fold.
    # Smoothing 0.5 (was 1) makes up in domain for the stronger Chinese penalty.
    nb_alpha: float | None = 0.5
    nb_alpha_subj: float | None = 1.0
    # Languages whose polarity model has an intercept. Without one, a text with no known evidence scores 0
    # (neutral) instead of leaning to the training mix's prior; on English texts from a source the model
    # never saw that is +1.6 (polar tweets) to +7 (3-class tweets) macro-F1 points. The Chinese intercept
    # stays: removing it cost 0.8-1 point on held-out sources and product categories.
    pol_intercept_languages: tuple[str, ...] = ("zh",)
    inner_folds: int = 3  # folds used inside training to pick the neutral band out of fold
    # Neutral band where no neutral labels exist (Chinese): |score| < 0.15 means the polarity model is
    # within ~8 points of 50/50, i.e. no usable evidence either way.
    default_band: float = 0.15
    seed: int = DEFAULT_SEED


def language_of(file_stem: str) -> str:
    return file_stem.split("_", 1)[0]


def load_evaldata(evaldata_dir: Path) -> pl.DataFrame:
    """All labelled rows: file, language, text, label (files in name order, rows in file order)."""
    frames = []
    for path in sorted(Path(evaldata_dir).glob("*.csv")):
        lang = language_of(path.stem)
        if lang not in LANGUAGES:
            continue
        df = pl.read_csv(path, columns=["text", "label"], schema_overrides={"text": pl.String})
        frames.append(df.select(file=pl.lit(path.stem), language=pl.lit(lang), text="text", label="label"))
    if not frames:
        raise FileNotFoundError(f"no en_*.csv / zh_*.csv files in {evaldata_dir}")
    return pl.concat(frames)


def stratified_folds(strata: pl.Series, k: int, seed: int) -> np.ndarray:
    """Fold id per row, stratified by `strata`, reproducible from `seed` (numpy PCG64)."""
    rng = np.random.default_rng(seed)
    codes = strata.cast(pl.String).to_numpy()
    fold = np.zeros(len(codes), dtype=np.int64)
    for value in sorted(set(codes.tolist())):
        idx = np.flatnonzero(codes == value)
        perm = rng.permutation(len(idx))
        fold[idx[perm]] = np.arange(len(idx)) % k
    return fold


@dataclass(frozen=True)
class LanguageFeatures:
    """Features of every labelled row of one language, computed once and sliced per fold."""

    language: str
    meta: pl.DataFrame  # row, file, label
    long: pl.DataFrame  # row, fid, val
    names: pl.DataFrame  # fid, kind, t1, t2


def featurise(data: pl.DataFrame, rules: LanguageRules) -> LanguageFeatures:
    texts = data.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"), "text")
    long, names = training_features(texts, rules)
    meta = data.select(pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"), "file", "label")
    return LanguageFeatures(language=rules.language, meta=meta, long=long, names=names)


@dataclass(frozen=True)
class FittedLanguage:
    weights: pl.DataFrame  # kind, t1, t2, pol, subj
    pol_intercept: float
    subj_intercept: float | None
    neutral_band: float


def _design(feats: LanguageFeatures, rows: np.ndarray, min_df: int):  # noqa: ANN202 - scipy type

    row_ids = pl.Series("row", rows.astype(np.uint32))
    sub = feats.long.filter(pl.col("row").is_in(row_ids.implode()))
    vocab = sub.group_by("fid").agg(df=pl.len()).filter(pl.col("df") >= min_df).sort("fid").with_row_index("j")
    pos = pl.DataFrame({"row": row_ids, "i": np.arange(len(rows), dtype=np.uint32)})
    m = sub.join(vocab.select("fid", "j"), on="fid").join(pos, on="row")
    return _csr(m, len(rows), vocab.height), vocab


def _csr(m: pl.DataFrame, n_rows: int, n_cols: int):  # noqa: ANN202 - scipy type
    """CSR matrix with canonical entry order: joins may return rows in any order, and a different order
    inside a row changes floating-point sums in the solver, which would break byte-for-byte retraining."""
    import scipy.sparse as sp

    m = m.sort("i", "j")
    x = sp.csr_matrix((m["val"].to_numpy(), (m["i"].to_numpy(), m["j"].to_numpy())), shape=(n_rows, n_cols))
    x.sort_indices()
    return x


def _weights(files: np.ndarray, y: np.ndarray, balance: float) -> np.ndarray:
    """Source-balance weight x class-balance weight (classes weigh the same in total)."""
    w = np.ones(len(y))
    names, counts = np.unique(files, return_counts=True)
    for name, count in zip(names, counts, strict=True):
        w[files == name] = (counts.max() / count) ** balance
    for cls in np.unique(y):
        mask = y == cls
        w[mask] *= w.sum() / (len(np.unique(y)) * w[mask].sum())
    return w / w.mean()


def _nb_ratio(x, y: np.ndarray, alpha: float) -> np.ndarray:  # noqa: ANN001
    """Naive-Bayes log-count ratio per feature (Wang & Manning 2012, NBSVM) on feature presence."""
    present = x.copy()
    present.data = np.ones_like(present.data)
    p = np.asarray(present[y == 1].sum(axis=0)).ravel() + alpha
    q = np.asarray(present[y == 0].sum(axis=0)).ravel() + alpha
    return np.log((p / p.sum()) / (q / q.sum()))


def _logreg(
    x,  # noqa: ANN001 - scipy sparse matrix
    y: np.ndarray,
    w: np.ndarray,
    c: float,
    nb_alpha: float | None,
    intercept: bool = True,
) -> tuple[np.ndarray, float]:
    """L2 logistic regression; with nb_alpha, on NB-scaled features, the scale folded into the weights
    so inference stays a plain weighted sum. Without intercept the returned intercept is 0."""
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    scale = _nb_ratio(x, y, nb_alpha) if nb_alpha is not None else np.ones(x.shape[1])
    clf = LogisticRegression(C=c, solver="newton-cg", tol=1e-6, max_iter=1000, fit_intercept=intercept)
    clf.fit(x @ sp.diags(scale), y, sample_weight=w)
    return clf.coef_[0].astype(np.float64) * scale, float(np.ravel(clf.intercept_)[0])


def _score(x, pol: tuple[np.ndarray, float], subj: tuple[np.ndarray, float] | None) -> np.ndarray:  # noqa: ANN001
    p_pos = 1.0 / (1.0 + np.exp(-(x @ pol[0] + pol[1])))
    p_polar = 1.0 if subj is None else 1.0 / (1.0 + np.exp(-(x @ subj[0] + subj[1])))
    return p_polar * (2.0 * p_pos - 1.0)


def best_band(scores: np.ndarray, labels: np.ndarray) -> float:
    """Neutral band in [0, 0.6] with the highest 3-class macro-F1 (smallest band on ties)."""
    from sklearn.metrics import f1_score

    best = (-1.0, 0.0)
    for band in np.round(np.arange(0.0, 0.6001, 0.01), 2):
        pred = np.where(scores >= band, "positive", np.where(scores <= -band, "negative", "neutral"))
        f1 = f1_score(labels, pred, labels=list(LABELS), average="macro", zero_division=0)
        if f1 > best[0] + 1e-12:
            best = (float(f1), float(band))
    return best[1]


def _fit_models(feats: LanguageFeatures, rows: np.ndarray, params: TrainParams):  # noqa: ANN202
    meta = feats.meta[rows]
    labels = meta["label"].to_numpy()
    files = meta["file"].to_numpy()
    x, vocab = _design(feats, rows, params.min_df_zh if feats.language == "zh" else params.min_df_en)
    polar = labels != "neutral"
    yp = (labels[polar] == "positive").astype(np.int64)
    pol = _logreg(
        x[polar],
        yp,
        _weights(files[polar], yp, params.source_balance),
        params.c_pol_zh if feats.language == "zh" else params.c_pol_en,
        params.nb_alpha,
        feats.language in params.pol_intercept_languages,
    )
    neutral_files = np.unique(files[~polar])
    subj = None
    if len(neutral_files):
        mask = np.isin(files, neutral_files)
        ys = (labels[mask] != "neutral").astype(np.int64)
        subj = _logreg(x[mask], ys, _weights(files[mask], ys, 0.0), params.c_subj, params.nb_alpha_subj)
    return x, vocab, pol, subj


def fit_language(feats: LanguageFeatures, rows: np.ndarray, params: TrainParams) -> FittedLanguage:
    """Fit both models of one language on `rows` (indices into feats.meta) and pick the neutral band."""
    rows = np.sort(rows)
    _, vocab, pol, subj = _fit_models(feats, rows, params)
    meta = feats.meta[rows]
    band = params.default_band
    if subj is not None:
        # The band is chosen on out-of-fold scores of the training rows only, never on evaluated rows.
        three = meta["file"].is_in(meta.filter(pl.col("label") == "neutral")["file"].unique().implode())
        inner = stratified_folds(meta["file"] + meta["label"], params.inner_folds, params.seed + 1)
        oof = np.zeros(len(rows))
        for k in range(params.inner_folds):
            tr, te = rows[inner != k], rows[inner == k]
            _, v_k, pol_k, subj_k = _fit_models(feats, tr, params)
            x_te, _ = _design_with_vocab(feats, te, v_k)
            oof[inner == k] = _score(x_te, pol_k, subj_k)
        mask = three.to_numpy()
        band = best_band(oof[mask], meta["label"].to_numpy()[mask])
    weights = vocab.join(feats.names, on="fid", how="left").select(
        "kind",
        "t1",
        "t2",
        pol=pl.Series(np.round(pol[0], 6)),
        subj=pl.Series(np.round(subj[0], 6) if subj is not None else np.zeros(vocab.height)),
    )
    keep = (pl.col("pol").abs() > params.prune) | (pl.col("subj").abs() > params.prune)
    weights = weights.filter(keep & ((pl.col("pol") != 0) | (pl.col("subj") != 0))).sort("kind", "t1", "t2")
    return FittedLanguage(
        weights=weights,
        pol_intercept=round(pol[1], 6),
        subj_intercept=None if subj is None else round(subj[1], 6),
        neutral_band=band,
    )


def _design_with_vocab(feats: LanguageFeatures, rows: np.ndarray, vocab: pl.DataFrame):  # noqa: ANN202

    row_ids = pl.Series("row", rows.astype(np.uint32))
    pos = pl.DataFrame({"row": row_ids, "i": np.arange(len(rows), dtype=np.uint32)})
    m = feats.long.join(pos, on="row").join(vocab.select("fid", "j"), on="fid")
    return _csr(m, len(rows), vocab.height), vocab


def as_model(fitted: FittedLanguage, rules: LanguageRules) -> SentimentModel:
    """A freshly fitted language model as the production scorer."""
    return SentimentModel(
        language=rules.language,
        rules=rules,
        weights=fitted.weights,
        pol_intercept=fitted.pol_intercept,
        subj_intercept=fitted.subj_intercept,
        neutral_band=fitted.neutral_band,
    )


def predict_scores(fitted: FittedLanguage, texts: pl.DataFrame, rules: LanguageRules) -> pl.DataFrame:
    """Score texts (row, text) with a freshly fitted model, through the production scoring path."""
    return as_model(fitted, rules).score(texts)


def train(
    evaldata_dir: Path,
    out_dir: Path | None = None,
    seed: int = DEFAULT_SEED,
    seeds_dir: Path | None = None,
    params: TrainParams | None = None,
) -> list[Path]:
    """Train on every row of evaldata_dir (pooled per language) and write the model files to out_dir."""
    params = params or TrainParams(seed=seed)
    out = Path(out_dir) if out_dir else DEFAULT_MODELS_DIR
    out.mkdir(parents=True, exist_ok=True)
    data = load_evaldata(Path(evaldata_dir))
    rules = load_rules(seeds_dir)
    frames = []
    meta: dict[str, object] = {"params": asdict(params), "languages": {}, "training_files": {}}
    # One BLAS thread: faster here (small dense ops) and rules out thread-order rounding differences.
    with threadpool_limits(limits=1):
        for lang in LANGUAGES:
            part = data.filter(pl.col("language") == lang)
            feats = featurise(part, rules[lang])
            fitted = fit_language(feats, np.arange(part.height), params)
            frames.append(fitted.weights.with_columns(language=pl.lit(lang)))
            meta["languages"][lang] = {
                "pol_intercept": fitted.pol_intercept,
                "subj_intercept": fitted.subj_intercept,
                "neutral_band": fitted.neutral_band,
                "features": fitted.weights.height,
            }
    for stem, n in data.group_by("file").len().sort("file").iter_rows():
        meta["training_files"][stem] = n
    weights = pl.concat(frames).select("language", "kind", "t1", "t2", "pol", "subj")
    wpath, mpath = out / WEIGHTS_FILE, out / META_FILE
    weights.write_csv(wpath, float_precision=6, line_terminator="\n")
    mpath.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return [wpath, mpath]


__all__ = ["TrainParams", "train", "load_evaldata", "label_expr"]
