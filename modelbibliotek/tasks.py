"""Celery tasks: thin, take ids, re-fetch, switch to each recipient's language, call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.utils import timezone, translation

from portal import outbox
from portal.models import User

from . import emails, services
from .models import ModelLibrary, ProgressReport, ReportPeriod
from .selectors import reports_due_soon


def _report(report_id: int) -> ProgressReport | None:
    return (
        ProgressReport.objects.filter(pk=report_id)
        .select_related("model_library__library__county", "model_library__programme", "period")
        .first()
    )


@shared_task
def report_notify(report_id: int, event: str) -> int:
    """Queue one e-mail for each person the event concerns (so a worker stopped halfway never
    sends anyone a second copy); returns how many."""
    report = _report(report_id)
    if report is None:
        return 0
    people = list(emails.recipients(report=report, event=event).values_list("pk", flat=True))
    for person_id in people:
        outbox.enqueue(report_email, report_id, event, person_id)
    return len(people)


@shared_task
def report_email(report_id: int, event: str, recipient_id: int) -> None:
    report = _report(report_id)
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if report is None or recipient is None:
        return
    with translation.override(recipient.preferred_language):
        emails.report_email_send(report=report, event=event, recipient=recipient)


@shared_task
def report_reminder_notify(model_library_id: int, period_id: int) -> int:
    model_library = ModelLibrary.objects.filter(pk=model_library_id).first()
    if model_library is None:
        return 0
    people = list(emails.library_recipients(model_library).values_list("pk", flat=True))
    for person_id in people:
        outbox.enqueue(reminder_email, model_library_id, period_id, person_id)
    return len(people)


@shared_task
def reminder_email(model_library_id: int, period_id: int, recipient_id: int) -> None:
    model_library = (
        ModelLibrary.objects.select_related("library").filter(pk=model_library_id).first()
    )
    period = ReportPeriod.objects.filter(pk=period_id).first()
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if model_library is None or period is None or recipient is None:
        return
    with translation.override(recipient.preferred_language):
        emails.reminder_email_send(model_library=model_library, period=period, recipient=recipient)


@shared_task
def report_reminders_send() -> int:
    """Daily (Celery beat): remind each model library of a report due within
    MODELBIBLIOTEK_REMINDER_DAYS days that it has not submitted; once per report (idempotent)."""
    today = timezone.localdate()
    return sum(
        services.report_reminder_queue(model_library_id=ml_id, period_id=period_id)
        for ml_id, period_id in reports_due_soon(
            today=today, days_before=settings.MODELBIBLIOTEK_REMINDER_DAYS
        )
    )
