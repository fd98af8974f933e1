"""Placements as calendar events (written by the shared portal.ical): all-day events over the
placement's days, the same UID in e-mails and downloads."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from portal import ical

from .models import Placement


def placement_event(placement: Placement) -> ical.CalendarEvent:
    application = placement.application
    offer = application.offer
    url = ical.absolute_url(reverse("hospitering:placement_detail", args=[placement.pk]))
    return ical.CalendarEvent(
        uid=f"placement-{placement.pk}@kompetanseportalen",
        summary=f"Hospitering: {application.applicant.get_full_name()} – {offer.host_library}",
        start=placement.starts_on,
        end=placement.ends_on,
        stamp=placement.updated_at,
        sequence=placement.sequence,
        location=offer.address,
        description="\n\n".join(
            part
            for part in (offer.title, placement.host_contact, placement.day_programme, url)
            if part
        ),
        url=url,
        cancelled=placement.is_cancelled,
    )


def placement_calendar(placements: Iterable[Placement], *, name: str = "", method=None) -> bytes:
    return ical.calendar_bytes((placement_event(p) for p in placements), name=name, method=method)
