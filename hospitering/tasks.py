"""Celery tasks: thin, take ids, re-fetch, switch to each recipient's language, call a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from portal import outbox
from portal.models import User

from . import emails, services
from .models import Application, Placement
from .selectors import applications_related

# A second reminder this many days before the report (and the feedback) is due.
SECOND_REMINDER_DAYS_BEFORE = 5


def _application(application_id: int) -> Application | None:
    return applications_related(Application.objects.filter(pk=application_id)).first()


@shared_task
def application_notify(application_id: int, event: str) -> int:
    """Find everyone an event concerns and queue one e-mail each (so a worker stopped halfway
    never sends anyone a second copy); returns how many."""
    application = _application(application_id)
    if application is None:
        return 0
    recipients = emails.recipients(application=application, event=event)
    for recipient, part in recipients:
        outbox.enqueue(application_email, application_id, event, recipient.pk, part)
    return len(recipients)


@shared_task
def application_email(application_id: int, event: str, recipient_id: int, part: str) -> None:
    """One e-mail, in the recipient's own language."""
    application = _application(application_id)
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if application is None or recipient is None:
        return
    with translation.override(recipient.preferred_language):
        emails.application_email_send(
            application=application, event=event, recipient=recipient, part=part
        )


def _due_reminders(kind: str, today) -> list[tuple[int, int]]:
    """(placement id, reminders already sent) of ended placements still missing `kind`."""
    field = f"{kind}_reminders_sent"
    missing = {"report": "report__isnull", "feedback": "feedback__isnull"}[kind]
    placements = Placement.objects.filter(
        cancelled_at__isnull=True, ends_on__lt=today, **{missing: True, f"{field}__lt": 2}
    ).values_list("pk", "ends_on", field)
    due = []
    for pk, ends_on, sent in placements:
        due_on = ends_on + timedelta(days=settings.HOSPITERING_REPORT_DUE_DAYS)
        second = due_on - timedelta(days=SECOND_REMINDER_DAYS_BEFORE)
        if sent == 0 or (sent == 1 and today >= second):
            due.append((pk, sent))
    return due


@shared_task
def placement_reminders_send() -> int:
    """Daily (Celery beat): remind participants of their report and hosts of their feedback,
    once when the placement has ended and once a few days before it is due. Idempotent: each
    reminder is claimed in the database before it is sent, so a rerun or a second worker never
    sends it twice."""
    today = timezone.localdate()
    return sum(
        services.reminder_queue(placement_id=placement_id, kind=kind, already_sent=already)
        for kind in ("report", "feedback")
        for placement_id, already in _due_reminders(kind, today)
    )
