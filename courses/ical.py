"""iCalendar output: one event per gathering, in Europe/Oslo time with its VTIMEZONE.

The event UID is the gathering's, the same in e-mails, downloads and the personal feed, so a
calendar replaces the event when it changes (SEQUENCE goes up) or is cancelled."""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Gathering

PRODID = "-//Kompetanseportalen//Kurs//NB"


def gathering_uid(gathering: Gathering) -> str:
    return f"gathering-{gathering.pk}@kompetanseportalen"


def gathering_location(gathering: Gathering) -> str:
    return ", ".join(
        part
        for part in (gathering.venue_name, gathering.venue_address, gathering.municipality)
        if part
    )


def gathering_event(gathering: Gathering, *, cancelled: bool = False) -> Event:
    tz = ZoneInfo(settings.TIME_ZONE)
    event = Event()
    event.add("uid", gathering_uid(gathering))
    event.add("sequence", gathering.sequence)
    event.add("dtstamp", gathering.updated_at)
    event.add("dtstart", gathering.starts_at.astimezone(tz))
    event.add("dtend", gathering.ends_at.astimezone(tz))
    title = gathering.course.title
    if gathering.title:
        title = f"{title}: {gathering.title}"
    event.add("summary", title)
    event.add("location", gathering_location(gathering))
    description = [gathering.course.description.strip()]
    for note in (gathering.fee_note, gathering.travel_note):
        if note:
            description.append(note)
    url = settings.PORTAL_BASE_URL.rstrip("/") + reverse(
        "courses:course_detail", args=[gathering.course_id]
    )
    description.append(url)
    event.add("description", "\n\n".join(d for d in description if d))
    event.add("url", url)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].strip('> ')}")
    organizer.params["cn"] = vText("Kompetanseportalen")
    event["organizer"] = organizer
    if cancelled or gathering.is_cancelled:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    return event


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
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for gathering in gatherings:
        calendar.add_component(gathering_event(gathering, cancelled=gathering.pk in cancelled_ids))
    calendar.add_missing_timezones()
    return calendar.to_ical()
