"""Applications in a table, written in Python: `{% application_rows applications %}` (the
exchange's decide list, a person's applications, an offer's applicants) and
`{% application_status application %}` (its status badge, also on the application's page).

The decide list, which county coordinators read, spent as long in the template engine's include
and variable lookups for its rows as in the query that finds them. Same markup as the template
loop it replaces; every value escaped (`portal.rows.markup`).
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.rows import markup, markup_join, short_day_written, url_by_pk

from ..models import Application

register = template.Library()

Status = Application.Status
_BADGES = {
    Status.APPROVED: "text-bg-success",
    Status.REJECTED: "text-bg-secondary",
    Status.WITHDRAWN: "text-bg-secondary",
    Status.CHANGES_REQUESTED: "text-bg-warning",
}


def _status(application: Application, waiting_for: str) -> SafeString:
    shown = markup(
        '<span class="badge {}">{}</span>',
        _BADGES.get(application.status, "text-bg-info"),
        application.get_status_display(),
    )
    if application.step:
        shown += markup(
            ' <span class="small">({}: {})</span>',
            waiting_for,
            str(application.get_step_display()).lower(),
        )
    return shown


@register.simple_tag
def application_status(application: Application) -> SafeString:
    return _status(application, _("waiting for"))


@register.simple_tag
def application_rows(applications) -> SafeString:
    detail_url = url_by_pk("hospitering:application_detail")
    day = short_day_written()
    waiting_for = _("waiting for")
    return markup_join(
        "",
        "\n          <tr>\n"
        '            <td><a href="{}">{}</a></td>\n'
        "            <td>{}, {}</td>\n"
        "            <td>{} ({})</td>\n"
        "            <td>{}–{}</td>\n"
        "            <td>{}</td>\n"
        "          </tr>\n        ",
        (
            (
                detail_url(application.pk),
                application.applicant.get_full_name(),
                application.home_library,
                application.home_library.county,
                application.offer.title,
                application.offer.host_library,
                day(application.starts_on),
                day(application.ends_on),
                _status(application, waiting_for),
            )
            for application in applications
        ),
    )
