"""E-mails to registrants, with the gathering as an iCalendar attachment where it belongs.

Called from courses.tasks inside `translation.override` of the recipient's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
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
    texts = {
        "confirmed": (
            _("Registration confirmed: %(course)s"),
            _("Your seat at this gathering is confirmed. Welcome!"),
        ),
        "waiting": (
            _("On the waiting list: %(course)s"),
            _(
                "The gathering is full, so you are number %(position)s on the waiting list. "
                "If a seat becomes free, it is offered to you by e-mail, and you say yes or no."
            ),
        ),
        "awaiting_approval": (
            _("Registration awaiting approval: %(course)s"),
            _(
                "A seat is kept for you. Your library leader must approve the registration; "
                "we will tell you the answer."
            ),
        ),
        "offered": (
            _("A seat is free for you: %(course)s"),
            _(
                "A seat has become free at this gathering and is held for you until "
                "%(expires)s. Say yes or no by the link below; if we have not heard from you "
                "by then, it goes to the next person on the waiting list."
            ),
        ),
        "offer_expired": (
            _("Seat offer expired: %(course)s"),
            _(
                "We did not hear from you in time, so the seat we offered you has gone to the "
                "next person on the waiting list. You can register again if seats become free."
            ),
        ),
        "offer_declined": (
            _("You said no to the seat: %(course)s"),
            _(
                "Thank you for letting us know. The seat goes to the next person on the "
                "waiting list, and your registration is closed."
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
            _(
                "We are sorry: this gathering has been cancelled. Your registration ends with "
                "it; there is nothing you need to do."
            ),
        ),
        "reminder": (
            _("Reminder: %(course)s"),
            _("A reminder of the gathering you are registered for."),
        ),
    }
    subject, intro = texts[kind]
    expires = registration.offer_expires_at
    values = {
        "course": course,
        "position": registration.waiting_position,
        "expires": formats.date_format(timezone.localtime(expires), "DATETIME_FORMAT")
        if expires
        else "",
    }
    return subject % values, intro % values


# Which messages carry the event, and whether as a cancellation.
_WITH_EVENT = {"confirmed", "approved", "gathering_changed", "reminder"}
_WITH_CANCELLATION = {"cancelled", "declined", "gathering_cancelled"}
# Messages about a registration that has ended: no way to "cancel here" any more.
_ENDED = {"cancelled", "declined", "gathering_cancelled", "offer_expired", "offer_declined"}


def _links(kind: str, registration: Registration) -> list[tuple[str, str]]:
    """The way on from the message, as (label, address), fitting its situation."""
    gathering = registration.gathering
    course_url = absolute_url(reverse("courses:course_detail", args=[gathering.course_id]))
    if kind in _ENDED:
        return [(_("The course and its other gatherings"), course_url)]
    links = [(_("About the course"), course_url)]
    if kind == "offered":
        links.append(
            (
                _("Say yes or no to the seat"),
                absolute_url(reverse("courses:registration_offer", args=[registration.pk])),
            )
        )
        return links
    questions = list(gathering.course.registration_questions.all())
    answered = {answer.question_id for answer in registration.answers.all()}
    if any(q.required and q.pk not in answered for q in questions):
        links.append(
            (
                _("Please answer the registration questions"),
                absolute_url(reverse("courses:registration_answers", args=[registration.pk])),
            )
        )
    my_url = absolute_url(reverse("courses:registration_list"))
    if kind == "waiting":
        links.append((_("Your registrations (leave the waiting list here)"), my_url))
    else:
        links.append((_("Your registrations (cancel here if you cannot come)"), my_url))
    return links


def registration_email_send(*, registration: Registration, kind: str) -> None:
    """One message to the registrant, in the language that is active (the task switches to
    theirs)."""
    gathering = registration.gathering
    subject, intro = _texts(kind, registration)
    registered_by = registration.registered_by
    context = {
        "registration": registration,
        "gathering": gathering,
        "course": gathering.course,
        "intro": intro,
        "reason": registration.decision_reason if kind == "declined" else "",
        "registered_by": (
            registered_by
            if registered_by and registered_by.pk != registration.user_id and kind != "reminder"
            else None
        ),
        "show_details": kind not in ("offer_expired", "offer_declined"),
        "links": _links(kind, registration),
    }
    message = EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string("courses/email/registration.txt", context),
        to=[registration.user.email],
    )
    if kind in _WITH_EVENT and registration.status in Registration.REGISTERED_STATUSES:
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


def approval_deciders(*, registration: Registration):
    """Whoever decides the registration: the leader of the library the person registered from,
    or the course's managers where it has none."""
    return permissions.users_for("decide", registration).order_by("pk")


def approval_request_send(*, registration: Registration, decider) -> None:
    """Ask one decider to approve or decline, in the language that is active (the task switches
    to theirs)."""
    context = {
        "registration": registration,
        "gathering": registration.gathering,
        "course": registration.gathering.course,
        "approvals_url": absolute_url(reverse("courses:approval_list")),
    }
    EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX
        + _("Please approve a course registration: %(person)s")
        % {"person": registration.user.get_full_name()},
        body=render_to_string("courses/email/approval_request.txt", context),
        to=[decider.email],
    ).send()
