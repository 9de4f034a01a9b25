"""The report's labels and sentences in English and Chinese (`en.yml`, `zh.yml` beside this file)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

LANGUAGES = ("en", "zh")


@cache
def _catalog(lang: str) -> dict:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r}; use one of {', '.join(LANGUAGES)}")
    return yaml.safe_load(resources.files(__package__).joinpath(f"{lang}.yml").read_text(encoding="utf-8"))


class Labels:
    """`t('key', n=3)` formats a sentence; `code('channels', 'zendesk')` names a data code (or returns the
    code itself when the catalogue does not know it)."""

    def __init__(self, lang: str):
        self.lang = lang
        self._catalog = _catalog(lang)

    def t(self, key: str, **fields: object) -> str:
        text = self._catalog.get(key, key)
        return text.format(**fields) if fields and isinstance(text, str) else text

    def code(self, group: str, value: object) -> str:
        if value is None:
            return "–"
        return str(self._catalog.get(group, {}).get(str(value), value))

    def topic(self, l1: object, l2: object = None) -> str:
        """'Service › Delivery' (L1 › L2); L2 alone when it names the L1 too ('Other')."""
        first = self.code("topics_l1", l1)
        if l2 is None or l2 == l1:
            return first
        return f"{first} › {self.code('topics_l2', l2)}"
