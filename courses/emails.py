"""E-mails to registrants, with the gathering as an iCalendar attachment where it belongs.

Called from courses.tasks inside `translation.override` of the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portal import permissions

from .ical import calendar_bytes
from .models import Registration

Status = Registration.Status


def absolute_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _texts(kind: str, registration: Registration) -> tuple[str, str]:
    """Subject and opening sentence for each kind of message."""
    course = registration.gathering.course.title
    if kind == "promoted" and registration.status == Status.AWAITING_APPROVAL:
        kind = "promoted_awaiting_approval"
    texts = {
        "confirmed": (
            _("Registration confirmed: %(course)s"),
            _("Your seat at this gathering is confirmed. Welcome!"),
        ),
        "waiting": (
            _("On the waiting list: %(course)s"),
            _(
                "The gathering is full, so you are number %(position)s on the waiting list. "
                "If a seat becomes free, it is yours at once and we will tell you by e-mail."
            ),
        ),
        "awaiting_approval": (
            _("Registration awaiting approval: %(course)s"),
            _(
                "A seat is kept for you. Your library leader must approve the registration; "
                "we will tell you the answer."
            ),
        ),
        "promoted": (
            _("A seat is free for you: %(course)s"),
            _("A seat became free and it is yours: your registration is now confirmed."),
        ),
        "promoted_awaiting_approval": (
            _("A seat is free for you: %(course)s"),
            _(
                "A seat became free and is kept for you. Your library leader must approve the "
                "registration; we will tell you the answer."
            ),
        ),
        "approved": (
            _("Registration approved: %(course)s"),
            _("Your library leader approved your registration. Your seat is confirmed."),
        ),
        "declined": (
            _("Registration not approved: %(course)s"),
            _("Your library leader did not approve your registration, so it has been removed."),
        ),
        "cancelled": (
            _("Registration cancelled: %(course)s"),
            _("Your registration for this gathering has been cancelled."),
        ),
        "gathering_changed": (
            _("Changed gathering: %(course)s"),
            _("The time or place of this gathering has changed. Here are the new details."),
        ),
        "gathering_cancelled": (
            _("Gathering cancelled: %(course)s"),
            _("We are sorry: this gathering has been cancelled."),
        ),
        "reminder": (
            _("Reminder: %(course)s"),
            _("A reminder of the gathering you are registered for."),
        ),
    }
    subject, intro = texts[kind]
    values = {"course": course, "position": registration.waiting_position}
    return subject % values, intro % values


# Which messages carry the event, and whether as a cancellation.
_WITH_EVENT = {"confirmed", "promoted", "approved", "gathering_changed", "reminder"}
_WITH_CANCELLATION = {"cancelled", "declined", "gathering_cancelled"}


def registration_email_send(*, registration: Registration, kind: str) -> None:
    gathering = registration.gathering
    subject, intro = _texts(kind, registration)
    context = {
        "registration": registration,
        "gathering": gathering,
        "course": gathering.course,
        "intro": intro,
        "course_url": absolute_url(reverse("courses:course_detail", args=[gathering.course_id])),
        "my_url": absolute_url(reverse("courses:registration_list")),
    }
    message = EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string("courses/email/registration.txt", context),
        to=[registration.user.email],
    )
    attach = kind in _WITH_EVENT or (kind == "promoted" and registration.holds_seat)
    if attach and registration.status == Status.CONFIRMED or kind == "reminder":
        message.attach(
            "samling.ics", calendar_bytes([gathering], method="PUBLISH"), "text/calendar"
        )
    elif kind in _WITH_CANCELLATION:
        message.attach(
            "samling.ics",
            calendar_bytes([gathering], method="CANCEL", cancelled_ids=[gathering.pk]),
            "text/calendar",
        )
    message.send()


def approval_request_send(*, registration: Registration) -> None:
    """Ask whoever decides the registration (the leader of the library the person registered
    from; the course's managers where it has none) to approve or decline, each in their own
    language."""
    context = {
        "registration": registration,
        "gathering": registration.gathering,
        "course": registration.gathering.course,
        "approvals_url": absolute_url(reverse("courses:approval_list")),
    }
    for decider in permissions.users_for("decide", registration).order_by("pk"):
        with translation.override(decider.preferred_language):
            EmailMessage(
                subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
                + _("Please approve a course registration: %(person)s")
                % {"person": registration.user.get_full_name()},
                body=render_to_string("courses/email/approval_request.txt", context),
                to=[decider.email],
            ).send()
