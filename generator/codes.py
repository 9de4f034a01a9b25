"""Integer codes the generator works with internally, and their string values."""

from __future__ import annotations

from generator.phrases import TOPIC_L1

LANGS = ("en", "zh", "other")
EN, ZH, OTHER = 0, 1, 2

SENTIMENTS = ("negative", "neutral", "positive")
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2

FEEDBACK_TYPES = ("complaint", "suggestion", "praise", "question")
COMPLAINT, SUGGESTION, PRAISE, QUESTION = 0, 1, 2, 3

URGENCIES = ("normal", "high", "urgent")
NORMAL, HIGH, URGENT = 0, 1, 2

# Text classes: what the author intends. NEG -> negative complaint, POS -> positive praise,
# SUG -> neutral suggestion, Q -> neutral question, RET -> return note (sentiment from the note).
CLASSES = ("neg", "pos", "sug", "q", "ret")
NEG, POS, SUG, Q, RET = 0, 1, 2, 3, 4
CLASS_SENTIMENT = (NEGATIVE, POSITIVE, NEUTRAL, NEUTRAL, NEUTRAL)
CLASS_TYPE = (COMPLAINT, PRAISE, SUGGESTION, QUESTION, COMPLAINT)

TOPICS = tuple(TOPIC_L1)
TOPIC_INDEX = {t: i for i, t in enumerate(TOPICS)}
TOPIC_OTHER = TOPIC_INDEX["other"]
# Topics about the app / connected devices: only products of app-connected categories get them.
DIGITAL_TOPICS = ("ui", "performance", "stability", "compatibility", "login", "features")
SOFT_ONLY_TOPICS = ("sizing",)

SOFT, HARD = 0, 1  # goods kind of a product

FAMILIES = ("survey", "social", "ticket", "return")
SURVEY, SOCIAL, TICKET, RETURN = 0, 1, 2, 3
FAMILY_KEY_PREFIX = ("survey", "social", "ticket", "return")

# (family, system name) in a fixed order; the index is the system code.
SYSTEMS = (
    (SURVEY, "typeform"),
    (SURVEY, "qualtrics"),
    (SURVEY, "csv"),
    (SOCIAL, "reddit"),
    (SOCIAL, "appstore"),
    (TICKET, "zendesk"),
    (TICKET, "export"),
    (RETURN, "shopify"),
    (RETURN, "csv"),
)
TYPEFORM, QUALTRICS, SURVEY_CSV, REDDIT, APPSTORE, ZENDESK, EXPORT, SHOPIFY, RETURN_CSV = range(9)

REASON_CODES = (
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
REASON_INDEX = {r: i for i, r in enumerate(REASON_CODES)}
