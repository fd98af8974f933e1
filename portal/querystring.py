"""Values from the query string (filters such as ?fylke=16), checked before they reach the database.

An object chosen in the query string (?programme=3 on a page about that programme) is an id like
those in the path: malformed, it is an object that does not exist (404).

A value that is not what the filter takes ("²" and "١" pass `str.isdigit`; a number past the
ids' range; a NUL byte, which PostgreSQL refuses) is ignored, and the person is told so once per
page, in their language. Never a server error.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import Http404
from django.utils.translation import gettext as _

MAX_ID_DIGITS = 18  # every id fits a PostgreSQL bigint


def is_plain_id(value: str) -> bool:
    """Only ASCII digits, no sign, no decimals ("12.0" is not an id), within the ids' range."""
    return value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS


def id_from_query(request, name: str) -> int | None:
    """The id in `?name=`, or None when there is none or it is malformed (then said)."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if is_plain_id(value):
        return int(value)
    ignored(request)
    return None


def object_id_from_query(request, name: str) -> int | None:
    """The id of the object chosen by `?name=` (not a filter: the page is about it), None when
    none is chosen; a malformed id is an object that does not exist: 404."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if is_plain_id(value):
        return int(value)
    raise Http404


def choice_from_query(request, name: str, choices: Iterable[str]) -> str | None:
    """The value of `?name=` when it is one of `choices`, else None (said when it was given)."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if value in set(choices):
        return value
    ignored(request)
    return None


def text_from_query(request, name: str, *, max_length: int) -> str:
    """Free text from `?name=` (a search), without the characters the database refuses."""
    value = request.GET.get(name, "")
    if "\x00" in value:
        ignored(request)
        value = value.replace("\x00", "")
    return value.strip()[:max_length]


def ignored(request) -> None:
    if getattr(request, "_portal_query_ignored", False):
        return
    request._portal_query_ignored = True
    messages.warning(request, _("Part of the address was not understood and has been ignored."))
