"""E-mails of the model libraries. Called from modelbibliotek.tasks in the recipient's language.

Who is told (`recipients`): the county's coordinator (whoever the policy names to decide) when a
report is submitted; the library when it is returned or approved, and before a report is due:
the project's contact people who still work there, or else the library's leaders.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from portal.ical import absolute_url
from portal.models import User
from portal.permissions import users_for

from .models import ModelLibrary, ProgressReport, ReportPeriod

TO_COORDINATOR = ("submitted", "resubmitted")
TO_LIBRARY = ("returned", "approved")


def library_recipients(model_library: ModelLibrary):
    """The people who hear for the library: its contact people who may still write its reports,
    or else its leaders."""
    writers = users_for("edit", model_library)
    contacts = writers.filter(pk__in=model_library.contact_people.values("pk"))
    return contacts if contacts.exists() else users_for("lead", model_library)


def recipients(*, report: ProgressReport, event: str):
    if event in TO_COORDINATOR:
        return users_for("decide", report).order_by("pk")
    if event in TO_LIBRARY:
        return library_recipients(report.model_library).order_by("pk")
    raise ValueError(f"No recipients for the event {event!r}")


def _texts(event: str, report: ProgressReport) -> tuple[str, str]:
    values = {"library": report.model_library.library, "period": report.period.title}
    texts = {
        "submitted": (
            _("Model library report to approve: %(library)s, %(period)s"),
            _("%(library)s has submitted its report for %(period)s. Approve it or return it."),
        ),
        "resubmitted": (
            _("Model library report submitted again: %(library)s, %(period)s"),
            _("%(library)s has changed its report for %(period)s and submitted it again."),
        ),
        "returned": (
            _("Your report is returned: %(period)s"),
            _("The coordinator returned the report for %(period)s. Change it and send it again."),
        ),
        "approved": (
            _("Your report is approved: %(period)s"),
            _("The coordinator has approved the report of %(library)s for %(period)s."),
        ),
    }[event]
    return texts[0] % values, texts[1] % values


def _send(subject: str, body: str, recipient: User) -> None:
    EmailMessage(
        subject=settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, body=body, to=[recipient.email]
    ).send()


def report_email_send(*, report: ProgressReport, event: str, recipient: User) -> None:
    subject, intro = _texts(event, report)
    comment = ""
    if event in TO_LIBRARY:
        last = report.comments.filter(kind=event).order_by("-created_at", "-id").first()
        comment = last.text if last else ""
    context = {
        "recipient": recipient,
        "intro": intro,
        "report": report,
        "comment": comment,
        "url": absolute_url(reverse("modelbibliotek:report_detail", args=[report.pk])),
    }
    _send(subject, render_to_string("modelbibliotek/email/report.txt", context), recipient)


def reminder_email_send(
    *, model_library: ModelLibrary, period: ReportPeriod, recipient: User
) -> None:
    values = {
        "period": period.title,
        "library": model_library.library,
        "due": formats.date_format(period.due_on, "DATE_FORMAT"),
    }
    context = {
        "recipient": recipient,
        "intro": _("The report of %(library)s for %(period)s is due on %(due)s.") % values,
        "url": absolute_url(
            reverse("modelbibliotek:model_library_detail", args=[model_library.pk])
        ),
    }
    _send(
        _("Reminder: model library report due %(due)s") % values,
        render_to_string("modelbibliotek/email/reminder.txt", context),
        recipient,
    )
