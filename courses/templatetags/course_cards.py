"""The course list's cards written in Python: `{% course_cards courses full %}` (`full`: the ids of
the gatherings with every seat taken, `courses.selectors.coming_gatherings`).

The list shows a card for each course a person may register for (20 for a staff member of the
generated region), each with its competence areas and coming gatherings; Django's template
engine spent about a fifth of the page on them, most of it looking up variables, reversing the
course's address and translating the month's name for every gathering. Same markup as the
template loop it replaces (its whitespace too); every value escaped (`portal.rows.markup`).
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from portal.rows import day_written, escaped, markup, url_by_pk

register = template.Library()


@register.simple_tag
def course_cards(courses, full_ids: frozenset[int]) -> SafeString:
    detail_url = url_by_pk("courses:course_detail")
    day = day_written()
    areas_label = escaped(_("Competence areas"))
    cancelled = markup(" – <strong>{}</strong>", _("cancelled"))
    full = markup(" – {}", _("full (waiting list)"))
    none_coming = markup(
        "\n                <li>{}</li>\n              ", _("No coming gatherings.")
    )

    def areas(course) -> str:
        if not course.competence_area_list:
            return ""
        names = ", ".join(escaped(a.localized_name) for a in course.competence_area_list)
        return f'<p class="small mb-1">{areas_label}: {names}</p>'

    def gathering_line(gathering) -> str:
        if gathering.cancelled_at:
            state = cancelled
        elif gathering.pk in full_ids:
            state = full
        else:
            state = ""
        return markup(
            "\n                <li>{}, {}{}</li>\n              ",
            day(timezone.localtime(gathering.starts_at)),
            gathering.municipality or gathering.venue_name,
            state,
        )

    def card(course) -> str:
        gatherings = "".join(gathering_line(g) for g in course.coming_gatherings) or none_coming
        return (
            '\n        <li class="card mb-3">\n          <div class="card-body">\n'
            + markup(
                '            <h3 class="h5 card-title"><a href="{}">{}</a></h3>\n',
                detail_url(course.pk),
                course.title,
            )
            + f"            {areas(course)}\n"
            + f'            <ul class="mb-0">\n              {gatherings}\n            </ul>\n'
            + "          </div>\n        </li>\n      "
        )

    return SafeString("".join(card(course) for course in courses))  # every value escaped above
