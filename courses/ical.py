"""iCalendar output of gatherings: one event per gathering (written by portal.ical).

The event UID is the gathering's, the same in e-mails, downloads and the personal feed, so a
calendar replaces the event when it changes (SEQUENCE goes up) or is cancelled."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from portal import ical

from .models import Gathering


def gathering_uid(gathering: Gathering) -> str:
    return f"gathering-{gathering.pk}@kompetanseportalen"


def gathering_location(gathering: Gathering) -> str:
    return ", ".join(
        part
        for part in (gathering.venue_name, gathering.venue_address, gathering.municipality)
        if part
    )


def gathering_event(gathering: Gathering, *, cancelled: bool = False) -> ical.CalendarEvent:
    title = gathering.course.title
    if gathering.title:
        title = f"{title}: {gathering.title}"
    url = ical.absolute_url(reverse("courses:course_detail", args=[gathering.course_id]))
    description = [gathering.course.description.strip(), gathering.fee_note, gathering.travel_note]
    description.append(url)
    return ical.CalendarEvent(
        uid=gathering_uid(gathering),
        summary=title,
        start=gathering.starts_at,
        end=gathering.ends_at,
        stamp=gathering.updated_at,
        sequence=gathering.sequence,
        location=gathering_location(gathering),
        description="\n\n".join(d for d in description if d),
        url=url,
        cancelled=cancelled or gathering.is_cancelled,
    )


def calendar_bytes(
    gatherings: Iterable[Gathering],
    *,
    name: str = "",
    method: str | None = None,
    cancelled_ids: Iterable[int] = (),
) -> bytes:
    """A calendar with one event per gathering. `cancelled_ids`: gatherings the person no
    longer attends (their event is sent as cancelled)."""
    cancelled_ids = set(cancelled_ids)
    return ical.calendar_bytes(
        (gathering_event(g, cancelled=g.pk in cancelled_ids) for g in gatherings),
        name=name,
        method=method,
    )
