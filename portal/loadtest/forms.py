"""Filling a page's form as a quick person would (for the load test and the rush)."""

from __future__ import annotations

import random
from collections import defaultdict
from html.parser import HTMLParser


class FormParser(HTMLParser):
    """The fields of the first POST form of a page, filled as a quick respondent would."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._radios: dict[str, list[str]] = defaultdict(list)
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "select":
            self._select = name
        elif tag == "option" and self._select and self._select not in self.fields:
            if a.get("value"):
                self.fields[self._select] = a["value"]
        elif tag == "textarea" and name:
            self.fields[name] = "Mer om samarbeid"
        elif tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                self._radios[name].append(a.get("value", "on"))
            elif kind == "hidden":
                self.fields[name] = a.get("value", "")
            elif kind == "text" and not name.endswith("_other"):
                self.fields[name] = "3"  # a number, and a short text

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None

    def filled(self, rng: random.Random) -> dict[str, str]:
        values = dict(self.fields)
        for name, choices in self._radios.items():
            plain = [c for c in choices if c not in ("dk", "other")] or choices
            values[name] = rng.choice(plain)
        return values


def form_of(html: str, rng: random.Random) -> dict[str, str]:
    parser = FormParser()
    parser.feed(html)
    return parser.filled(rng)
