"""iCalendar output shared by every app: events in Europe/Oslo time with their VTIMEZONE.

An app turns its objects into `CalendarEvent`s (a course gathering, an exchange placement) and
`calendar_bytes` writes them. The UID of an event stays the same in e-mails, downloads and
feeds, so a calendar replaces the event when it changes (SEQUENCE goes up) or is cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Kompetanseportalen//Kompetanseportalen//NB"


@dataclass
class CalendarEvent:
    uid: str
    summary: str
    start: datetime | date  # a date: an all-day event
    end: datetime | date  # for all-day events the last day (inclusive)
    stamp: datetime
    sequence: int = 0
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _component(event: CalendarEvent) -> Event:
    component = Event()
    component.add("uid", event.uid)
    component.add("sequence", event.sequence)
    component.add("dtstamp", event.stamp)
    if isinstance(event.start, datetime):
        tz = ZoneInfo(settings.TIME_ZONE)
        component.add("dtstart", event.start.astimezone(tz))
        component.add("dtend", event.end.astimezone(tz))
    else:
        # All-day: DTEND is the day after the last day (RFC 5545).
        component.add("dtstart", event.start)
        component.add("dtend", event.end + timedelta(days=1))
    component.add("summary", event.summary)
    if event.location:
        component.add("location", event.location)
    if event.description:
        component.add("description", event.description)
    if event.url:
        component.add("url", event.url)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].strip('> ')}")
    organizer.params["cn"] = vText("Kompetanseportalen")
    component["organizer"] = organizer
    component.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    return component


def calendar_bytes(
    events: Iterable[CalendarEvent], *, name: str = "", method: str | None = None
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_component(event))
    calendar.add_missing_timezones()
    return calendar.to_ical()
