"""Celery tasks: thin, take ids, re-fetch, switch to the recipient's language, call a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone, translation

from . import emails, services
from .models import Registration

REMINDER_DAYS_BEFORE = 3


def _registration(registration_id: int) -> Registration | None:
    return (
        Registration.objects.select_related(
            "user", "library", "gathering__course", "gathering__county"
        )
        .filter(pk=registration_id)
        .first()
    )


@shared_task
def registration_notify(registration_id: int, kind: str) -> None:
    registration = _registration(registration_id)
    if registration is None:
        return
    with translation.override(registration.user.preferred_language):
        emails.registration_email_send(registration=registration, kind=kind)


@shared_task
def gathering_cancelled_notify(gathering_id: int) -> int:
    """Tell everyone registered (confirmed, waiting or awaiting approval) of a cancellation."""
    ids = list(
        Registration.objects.filter(
            gathering_id=gathering_id, status__in=Registration.ACTIVE_STATUSES
        ).values_list("pk", flat=True)
    )
    for registration_id in ids:
        registration_notify(registration_id, "gathering_cancelled")
    return len(ids)


@shared_task
def gathering_reminders_send() -> int:
    """Hourly: remind each confirmed participant once, a few days before their gathering."""
    now = timezone.now()
    due = Registration.objects.filter(
        status=Registration.Status.CONFIRMED,
        reminder_sent_at__isnull=True,
        gathering__cancelled_at__isnull=True,
        gathering__starts_at__gt=now,
        gathering__starts_at__lte=now + timedelta(days=REMINDER_DAYS_BEFORE),
    ).values_list("pk", flat=True)
    sent = 0
    for registration_id in list(due):
        if services.registration_reminder_claim(registration_id=registration_id):
            registration_notify(registration_id, "reminder")
            sent += 1
    return sent
