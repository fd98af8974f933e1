"""Dates written the way the reader's language writes them (the active language's formats)."""

from django import template
from django.utils import formats, timezone

register = template.Library()


def _day(value) -> str:
    return f"{formats.date_format(value, 'l')} {formats.date_format(value, 'DATE_FORMAT')}"


@register.filter
def period(starts_at, ends_at) -> str:
    """“Tuesday 3 May 2011 10:00–15:00”, or with the end day when it ends on another day."""
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    start_text = f"{_day(start)} {formats.time_format(start, 'TIME_FORMAT')}"
    if start.date() == end.date():
        return f"{start_text}–{formats.time_format(end, 'TIME_FORMAT')}"
    return f"{start_text} – {_day(end)} {formats.time_format(end, 'TIME_FORMAT')}"
