"""Fixtures for the report tests: hand-made publications and a parser for the numbers the page shows."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.report.publication import create_empty_publication, create_publication, create_thin_publication


@pytest.fixture(scope="session")
def demo_publication(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return create_publication(tmp_path_factory.mktemp("published") / "feedback.duckdb")


@pytest.fixture
def thin_publication(tmp_path: Path) -> Path:
    return create_thin_publication(tmp_path / "thin" / "feedback.duckdb")


@pytest.fixture
def empty_publication(tmp_path: Path) -> Path:
    return create_empty_publication(tmp_path / "empty" / "feedback.duckdb")


class Page(HTMLParser):
    """Every element with a data-* attribute, with its attributes and its text; plus the page's text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.text_parts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, **{k: v for k, v in attrs}, "text": ""}
        if tag not in ("br", "meta", "img", "input", "hr", "link"):
            self._open.append(element)
        if any(k.startswith("data-") for k, _ in attrs):
            self.elements.append(element)

    def handle_endtag(self, tag):
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        if self._open and self._open[-1]["tag"] in ("script", "style"):
            return
        self.text_parts.append(data)
        for element in self._open:
            element["text"] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def find(self, attr: str, value: str | None = None) -> list[dict]:
        return [e for e in self.elements if attr in e and (value is None or e[attr] == value)]

    def one(self, attr: str, value: str) -> dict:
        found = self.find(attr, value)
        assert len(found) == 1, f"{attr}={value!r}: {len(found)} elements"
        return found[0]

    def metric(self, name: str) -> dict:
        return self.one("data-metric", name)


def shown(value: float, decimals: int, signed: bool = False) -> str:
    """A number as the report prints it (thousands separator, real minus sign)."""
    if round(value, decimals) == 0:
        value = 0.0
    text = f"{value:{'+' if signed and value != 0 else ''},.{decimals}f}"
    return text.replace("-", "−")
