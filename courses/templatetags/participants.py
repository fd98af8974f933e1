"""The participant list's rows written in Python: `{% participant_rows registrations gathering %}`.

A gathering's list has a row per registration (115 in the largest of the generated region);
Django's template engine spent two thirds of the page's time on those rows, most of it in
looking up variables, reversing the same URL for every row and formatting dates. Same markup as
the template loop it replaces; every value escaped (`portal.rows.markup`, `format_html`'s
escaping without its cost per call).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.models import User
from portal.rows import markup, markup_join, moment_written, url_by_pk

register = template.Library()


@register.simple_tag(takes_context=True)
def participant_rows(context, registrations, gathering) -> SafeString:
    when = moment_written()
    cancel_url = url_by_pk("courses:registration_cancel")
    decide_url = url_by_pk("courses:registration_decide")
    decline_url = url_by_pk("courses:registration_decline")
    labels = {
        "library": _("Library"),
        "status": _("Status"),
        "answers": _("Answers"),
        "registered": _("Registered"),
    }
    csrf_input = markup(
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', context.get("csrf_token")
    )
    approve, decline, cancel = _("Approve"), _("Decline…"), _("Cancel")

    def status(registration) -> SafeString:
        shown = markup("{}", registration.get_status_display())
        if registration.waiting_position:
            shown += markup(
                " ({})", _("number %(position)s") % {"position": registration.waiting_position}
            )
        if registration.status == "offered":
            shown += markup(
                '<br><span class="small">{}</span>',
                _("until %(when)s") % {"when": when(registration.offer_expires_at)},
            )
        return shown

    def answers(registration) -> SafeString:
        if not registration.shown_answers:
            return SafeString()
        return markup(
            '<ul class="answers">{}</ul>',
            markup_join(
                "",
                "<li>{}: {}</li>",
                ((answer.question.text, answer.value) for answer in registration.shown_answers),
            ),
        )

    def actions(registration, name: str) -> SafeString:
        shown = SafeString()
        if registration.manager_decides:
            shown += markup(
                '<form method="post" action="{}">{}'
                '<input type="hidden" name="back" value="participants">'
                '<button class="btn btn-sm btn-success" type="submit">{}'
                '<span class="visually-hidden">: {}</span></button></form>'
                '<a class="btn btn-sm btn-outline-danger" href="{}?back=participants">{}'
                '<span class="visually-hidden">: {}</span></a>',
                decide_url(registration.pk),
                csrf_input,
                approve,
                name,
                decline_url(registration.pk),
                decline,
                name,
            )
        if (
            registration.is_active
            and registration.status not in ("attended", "absent")
            and not gathering.cancelled_at
        ):
            shown += markup(
                '<a class="btn btn-sm btn-outline-danger" href="{}">{}'
                '<span class="visually-hidden">: {}</span></a>',
                cancel_url(registration.pk),
                cancel,
                name,
            )
        return shown

    def row(registration) -> tuple:
        name = User.name_shown(
            full_name=registration.person_full_name,
            email=registration.person_email,
            erased_at=registration.person_erased_at,
        )
        return (
            name,
            registration.person_email,
            labels["library"],
            registration.library_name or "–",
            labels["status"],
            status(registration),
            labels["answers"],
            answers(registration),
            labels["registered"],
            when(registration.created_at),
            actions(registration, name),
        )

    return markup_join(
        "\n",
        '<tr><td><strong>{}</strong><br><span class="small">{}</span></td>'
        '<td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td>'
        '<td data-label="{}">{}</td>'
        '<td><div class="d-flex flex-wrap gap-2">{}</div></td></tr>',
        (row(registration) for registration in registrations),
    )
