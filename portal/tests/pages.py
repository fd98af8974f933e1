"""Reading what a person sees on a page, for tests."""

from __future__ import annotations

import re

WAITING_ITEM = re.compile(
    r'<li><a href="(?P<url>[^"]+)">(?P<label>[^<]+)</a> '
    r'<span class="badge[^"]*">(?P<count>\d+)</span>'
)


def home_waiting(html: str) -> dict[str, int]:
    """The home page's "Waiting for you" items: {label: count} (every programme together)."""
    counts: dict[str, int] = {}
    for block in re.findall(r'<ul class="list-unstyled home-waiting">(.*?)</ul>', html, re.S):
        for match in WAITING_ITEM.finditer(block):
            label = match["label"].replace("&#x27;", "'")
            counts[label] = counts.get(label, 0) + int(match["count"])
    return counts
