"""Celery tasks: thin, take ids, re-fetch, switch to the recipient's language, call a service."""

from datetime import date
from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import dashboard, outbox, permissions, privacy, services, table_versions
from .models import (
    FunderReport,
    Invitation,
    PersonalDataExport,
    Programme,
    RoleAssignment,
    ScheduledRun,
    User,
)
from .services import invitation_issue_token


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def mail_send(*, template: str, context: dict, to: list[str]) -> None:
    """Render `<template>_subject.txt` and `<template>_body.txt` in the active language and send."""
    send_mail(
        subject=render_to_string(f"{template}_subject.txt", context).strip(),
        message=render_to_string(f"{template}_body.txt", context),
        from_email=None,
        recipient_list=to,
    )


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
    # The invited person has no account yet: the inviter chose the language of the invitation.
    with translation.override(invitation.language):
        mail_send(
            template="portal/email/invitation",
            context={
                "invitation": invitation,
                "url": absolute_url(reverse("invitation_accept", args=[token])),
            },
            to=[invitation.email],
        )


@shared_task
def role_granted_notify(assignment_id: int) -> None:
    """Tell a person who already has an account that they were given a role at a library."""
    assignment = (
        RoleAssignment.objects.select_related("user", "library")
        .filter(pk=assignment_id, user__is_active=True)
        .first()
    )
    if assignment is None:
        return
    with translation.override(assignment.user.preferred_language):
        mail_send(
            template="portal/email/role_granted",
            context={
                "assignment": assignment,
                "url": absolute_url(reverse("library_detail", args=[assignment.library_id])),
            },
            to=[assignment.user.email],
        )


@shared_task
def personal_data_export_build(export_id: int) -> None:
    export = (
        PersonalDataExport.objects.select_related("user")
        .filter(pk=export_id, status=PersonalDataExport.Status.PENDING)
        .first()
    )
    if export is None:
        return
    with translation.override(export.user.preferred_language):
        privacy.personal_data_export_build(export=export)
        mail_send(
            template="portal/email/data_export_ready",
            context={"export": export, "url": absolute_url(reverse("profile_data"))},
            to=[export.user.email],
        )


@shared_task
def sessions_clear_expired() -> None:
    """Delete expired sessions: a session row names a person and when it last changed, so it is
    kept no longer than it works (the survey's anonymity promise relies on it too)."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@shared_task
def table_versions_compact() -> int:
    """Fold the table states' rows of database connections that are gone (portal.table_versions):
    each connection that ever wrote a table leaves a row, read by every cached dashboard."""
    return table_versions.table_versions_compact()


@shared_task
def personal_data_retention_purge() -> dict[str, int]:
    return privacy.personal_data_retention_purge()


@shared_task
def accessibility_report_notify(
    admin_id: int, *, page_url: str, description: str, email: str, reporter_id: int | None
) -> None:
    """One site admin's copy of a reported accessibility problem, in their language."""
    admin = permissions.site_admins().filter(pk=admin_id).first()
    if admin is None:
        return
    reporter = User.objects.filter(pk=reporter_id).first() if reporter_id else None
    with translation.override(admin.preferred_language):
        mail_send(
            template="portal/email/accessibility_report",
            context={
                "page_url": page_url,
                "description": description,
                "email": email,
                "reporter": reporter,
            },
            to=[admin.email],
        )


@shared_task
def funder_report_generate(report_id: int) -> None:
    """Make a report to the funder, in the language chosen for it (not its maker's)."""
    report = FunderReport.objects.select_related("created_by").filter(pk=report_id).first()
    if report is None:
        return
    with translation.override(report.language):
        services.funder_report_generate(report=report)


@shared_task
def dashboards_warm() -> None:
    """Every five minutes: the programmes' dashboards computed before anyone asks."""
    dashboard.dashboards_warm()


@shared_task
def dashboard_panels_refresh_task(
    *, programme_id: int, user_id: int, period: tuple[str, str] | None, names: list[str], language
) -> None:
    """Compute dashboard panels past their freshness anew, for the counties of the person whose
    reading queued it, in the language of that page (panels are cached per language)."""
    programme = (
        Programme.objects.prefetch_related("counties", "competence_areas")
        .filter(pk=programme_id)
        .first()
    )
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if programme is None or user is None:
        return
    span = None if period is None else dashboard.Period(*map(date.fromisoformat, period))
    with translation.override(language):
        dashboard.dashboard_panels_refresh(programme=programme, user=user, period=span, names=names)
