"""One instance of every page, for the accessibility sweep (tests/test_accessibility_sweep.py).

Each app lists its pages in `<app>/tests/sweep.py`:

- `pages(world) -> list[Page]`: one instance of each page (an address of the app answering HTML to
  a GET), in the shared test world (tests/world.py), seen by the person who sees most of it;
  `phone=True` for pages people use on phones (they must reflow at 390 px);
- `NOT_PAGES`: the app's addresses that are not pages, each with the reason (a file, a redirect,
  a form's POST only: its GET answer, the wrong-method page, is swept once).

A URL name the resolver knows that is in neither fails the sweep (it checks this first), so a new
app (or a new page) joins the sweep by registering its pages there.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Django's admin is its own; the accessibility statement names it as not tested to this standard.
OUTSIDE = ("admin:", "admin/")


@dataclass
class Page:
    name: str  # URL name ("courses:attendance")
    viewer: object  # the person who looks (None: not signed in)
    kwargs: dict = field(default_factory=dict)
    query: str = ""
    phone: bool = False  # used on phones: no sideways scrolling at 390 px (WCAG 1.4.10)
    status: int = 200

    @property
    def path(self) -> str:
        path = reverse(self.name, kwargs=self.kwargs)
        return f"{path}?{self.query}" if self.query else path


def _modules():
    for config in apps.get_app_configs():
        try:
            yield importlib.import_module(f"{config.name}.tests.sweep")
        except ModuleNotFoundError as error:
            if error.name not in (f"{config.name}.tests", f"{config.name}.tests.sweep"):
                raise


def all_pages(world) -> list[Page]:
    return [page for module in _modules() for page in module.pages(world)]


def not_pages() -> dict[str, str]:
    found: dict[str, str] = {}
    for module in _modules():
        found.update(module.NOT_PAGES)
    return found


def url_names(patterns=None, namespace: str = "", prefix: str = "") -> set[str]:
    """Every address the resolver knows, by name (the route where a pattern has none)."""
    names = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else prefix + str(pattern.pattern)
            if not name.startswith(OUTSIDE):
                names.add(name)
    return names
