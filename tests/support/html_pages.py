"""Reading the dashboard's HTML in tests: an element by its id, its attributes and its text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed (what a person reads)."""
        return re.sub(r"\s+", " ", "".join(self.parts)).strip()


class _Finder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: dict[str, Element] = {}
        self.open: list[tuple[str, Element | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        element = Element(tag, values) if "id" in values else None
        if element is not None:
            self.found.setdefault(values["id"], element)
        if tag not in VOID:
            self.open.append((tag, element))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                return

    def handle_data(self, data: str) -> None:
        for _, element in self.open:
            if element is not None:
                element.parts.append(data)


def elements(html: str) -> dict[str, Element]:
    """Every element with an id, by id."""
    finder = _Finder()
    finder.feed(html)
    finder.close()
    return finder.found


def by_id(html: str, element_id: str) -> Element:
    found = elements(html).get(element_id)
    assert found is not None, f"no element #{element_id} in the page"
    return found
