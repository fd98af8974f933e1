"""Celery tasks: thin, take ids, re-fetch, switch to the recipient's language, call a service."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.utils import timezone, translation

from portal import outbox
from portal.models import User

from . import emails, services
from .models import Registration

REMINDER_DAYS_BEFORE = 3


def _registration(registration_id: int) -> Registration | None:
    return (
        Registration.objects.select_related(
            "user", "library", "registered_by", "gathering__course", "gathering__county"
        )
        .prefetch_related("answers", "gathering__course__registration_questions")
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
    if registration.status == Registration.Status.AWAITING_APPROVAL and kind == "awaiting_approval":
        # Its own message: a failure to reach the leaders never sends the registrant a second copy.
        outbox.enqueue(registration_approval_request, registration_id)


@shared_task
def registration_approval_request(registration_id: int) -> int:
    """Queue one e-mail to each person who decides the registration, if it is still undecided
    (one message each: a failure to reach one decider never sends another a second copy)."""
    registration = _registration(registration_id)
    if registration is None or registration.status != Registration.Status.AWAITING_APPROVAL:
        return 0
    deciders = emails.approval_deciders(registration=registration)
    decider_ids = list(deciders.values_list("pk", flat=True))
    for decider_id in decider_ids:
        outbox.enqueue(registration_approval_request_email, registration_id, decider_id)
    return len(decider_ids)


@shared_task
def registration_approval_request_email(registration_id: int, decider_id: int) -> None:
    """Ask one decider, in their own language, if the registration is still undecided."""
    registration = _registration(registration_id)
    decider = User.objects.filter(pk=decider_id, is_active=True).first()
    if decider is None or registration is None:
        return
    if registration.status != Registration.Status.AWAITING_APPROVAL:
        return
    with translation.override(decider.preferred_language):
        emails.approval_request_send(registration=registration, decider=decider)


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
    return sum(
        services.registration_reminder_queue(registration_id=registration_id)
        for registration_id in list(due)
    )


@shared_task
def registration_offers_expire() -> int:
    """Every few minutes: pass on the seat offers nobody answered in time (idempotent)."""
    return services.registration_offers_expire()


@shared_task
def registration_personal_answers_purge() -> int:
    """A few times a day: delete the personal answers (diet, accessibility ...) of gatherings
    that are over or cancelled (idempotent)."""
    return sum(
        services.gathering_personal_answers_delete(gathering=gathering)
        for gathering in services.personal_answers_due()
    )
