"""Celery tasks: thin, take ids, re-fetch, switch language, call a service."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import outbox
from .models import Invitation, ScheduledRun
from .services import invitation_issue_token


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


@shared_task
def outbox_deliver(message_id: int) -> bool:
    return outbox.deliver(message_id)


@shared_task
def outbox_relay() -> int:
    """Beat runs this every 30 seconds; its last run is beat's heartbeat on /healthz."""
    ScheduledRun.objects.update_or_create(
        task=outbox_relay.name, defaults={"ran_at": timezone.now()}
    )
    return outbox.relay()


@shared_task
def invitation_send(invitation_id: int) -> None:
    invitation = (
        Invitation.objects.select_related("library", "invited_by")
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return
    token = invitation_issue_token(invitation=invitation)
    language = (
        invitation.invited_by.preferred_language
        if invitation.invited_by
        else settings.LANGUAGE_CODE
    )
    with translation.override(language):
        context = {
            "invitation": invitation,
            "url": absolute_url(reverse("invitation_accept", args=[token])),
        }
        send_mail(
            subject=render_to_string("portal/email/invitation_subject.txt", context).strip(),
            message=render_to_string("portal/email/invitation_body.txt", context),
            from_email=None,
            recipient_list=[invitation.email],
        )
