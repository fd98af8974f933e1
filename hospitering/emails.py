"""E-mails of the exchange. Called from hospitering.tasks inside the recipient's language.

Who is told of what (`recipients`): the deciders of the step an application waits at (with a
word on why, where they stand in for a missing leader or coordinator), the applicant of every
turn, and on a final outcome everyone who decided on the way.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.ical import absolute_url
from portal.models import User
from portal.permissions import users_for

from .ical import placement_calendar
from .models import Application, Decision
from .permissions import decides_as_stand_in

Step = Application.Step

# The part a recipient plays in a message.
APPLICANT, DECIDER, INVOLVED, HOST = "applicant", "decider", "involved", "host"


def _deciders_before(application: Application):
    return User.objects.filter(
        is_active=True,
        pk__in=Decision.objects.filter(
            application=application,
            outcome__in=[Decision.Outcome.APPROVED, Decision.Outcome.CHANGES],
        ).values("decided_by"),
    ).exclude(pk=application.applicant_id)


def _host_approvers(application: Application):
    approvers = User.objects.filter(
        is_active=True,
        pk__in=Decision.objects.filter(
            application=application, step=Step.HOST, outcome=Decision.Outcome.APPROVED
        ).values("decided_by"),
    )
    if approvers.exists():
        return approvers
    placement = getattr(application, "placement", None)
    return users_for("give_feedback", placement) if placement else User.objects.none()


def recipients(*, application: Application, event: str) -> list[tuple[User, str]]:
    """(person, part) for each person to tell of `event`, each once."""
    people: dict[int, tuple[User, str]] = {}

    def add(users, part):
        for user in users:
            people.setdefault(user.pk, (user, part))

    applicant = application.applicant if application.applicant.is_active else None
    if event in ("submitted", "advanced", "resubmitted"):
        add(users_for("decide", application), DECIDER)
        if event != "resubmitted" and applicant:
            add([applicant], APPLICANT)
    elif event in ("approved", "rejected", "offer_withdrawn"):
        if applicant:
            add([applicant], APPLICANT)
        add(_deciders_before(application), INVOLVED)
    elif event == "withdrawn":
        # Those who would have decided at the step it was withdrawn from are told too.
        last = application.decisions.filter(outcome=Decision.Outcome.WITHDRAWN).last()
        if last is not None:
            application.step = last.step
            add(users_for("decide", application), INVOLVED)
            application.step = None
        add(_deciders_before(application), INVOLVED)
    elif event in ("changes", "placement_changed", "report_reminder") and applicant:
        add([applicant], APPLICANT)
    elif event == "report_submitted":
        add(_deciders_before(application), INVOLVED)
    elif event == "feedback_reminder":
        add(_host_approvers(application), HOST)
    return list(people.values())


def stand_in_reason(application: Application, recipient: User) -> str:
    """Why this person decides at this step, when they stand in for a missing role ("" else)."""
    if not decides_as_stand_in(recipient, application):
        return ""
    if application.step == Step.LIBRARY_LEADER:
        return _(
            "%(library)s has no other library leader in the portal, so you decide instead."
        ) % {"library": application.home_library}
    county = (
        application.home_library.county
        if application.step == Step.HOME_COUNTY
        else application.offer.host_library.county
    )
    return _(
        "%(county)s has no other county coordinator in the programme, so you decide instead."
    ) % {"county": county}


def _texts(event: str, part: str, application: Application) -> tuple[str, str]:
    values = {
        "offer": application.offer.title,
        "person": application.applicant.get_full_name(),
        "host": application.offer.host_library,
        "step": application.get_step_display() if application.step else "",
    }
    if part == DECIDER:
        texts = (
            _("Job shadowing application to decide: %(person)s"),
            _("%(person)s applies for job shadowing at %(host)s. Your decision is needed."),
        )
    elif event == "submitted":
        texts = (
            _("Application received: %(offer)s"),
            _("Your application was received. It now waits for: %(step)s."),
        )
    elif event == "advanced":
        texts = (
            _("Application approved one step further: %(offer)s"),
            _("Your application was approved at one step and now waits for: %(step)s."),
        )
    elif event == "approved":
        texts = (
            _("Job shadowing approved: %(offer)s"),
            _("The application of %(person)s to %(host)s is approved by all three parties."),
        )
    elif event == "rejected":
        texts = (
            _("Job shadowing application rejected: %(offer)s"),
            _("The application of %(person)s to %(host)s was rejected."),
        )
    elif event == "changes":
        texts = (
            _("Changes asked for: %(offer)s"),
            _("Changes to your application are asked for. Change it and send it again."),
        )
    elif event == "withdrawn":
        texts = (
            _("Application withdrawn: %(offer)s"),
            _("%(person)s withdrew the application to %(host)s."),
        )
    elif event == "offer_withdrawn":
        texts = (
            _("Offer withdrawn: %(offer)s"),
            _("%(host)s has withdrawn the offer, so the application of %(person)s has ended."),
        )
    elif event == "placement_changed":
        texts = (
            _("Your placement has changed: %(offer)s"),
            _("The host has changed the days, the contact or the programme of your placement."),
        )
    elif event == "report_submitted":
        texts = (
            _("Report written: %(person)s at %(host)s"),
            _("%(person)s has written the report from the job shadowing at %(host)s."),
        )
    elif event == "report_reminder":
        texts = (
            _("Reminder: your job shadowing report"),
            _("Please write your report from the job shadowing at %(host)s."),
        )
    else:  # feedback_reminder
        texts = (
            _("Reminder: feedback on a job shadowing visit"),
            _("Please give short feedback on the visit of %(person)s to %(host)s."),
        )
    return texts[0] % values, texts[1] % values


def application_email_send(
    *, application: Application, event: str, recipient: User, part: str
) -> None:
    subject, intro = _texts(event, part, application)
    placement = getattr(application, "placement", None)
    last = application.decisions.select_related("decided_by").order_by("-decided_at", "-id").first()
    context = {
        "application": application,
        "recipient": recipient,
        "intro": intro,
        "stand_in": stand_in_reason(application, recipient) if part == DECIDER else "",
        "reason": last.reason
        if last and event in ("rejected", "changes", "offer_withdrawn")
        else "",
        "placement": placement,
        "url": absolute_url(reverse("hospitering:application_detail", args=[application.pk])),
        "decide_url": absolute_url(reverse("hospitering:decide_list")),
        "placement_url": absolute_url(reverse("hospitering:placement_detail", args=[placement.pk]))
        if placement
        else "",
    }
    message = EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject,
        body=render_to_string("hospitering/email/application.txt", context),
        to=[recipient.email],
    )
    if placement is not None and event in (
        "approved",
        "placement_changed",
        "offer_withdrawn",
        "withdrawn",
    ):
        message.attach(
            "hospitering.ics",
            placement_calendar(
                [placement], method="CANCEL" if placement.is_cancelled else "PUBLISH"
            ),
            "text/calendar",
        )
    message.send()
