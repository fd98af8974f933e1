"""The open offers' cards written in Python: `{% offer_cards rows %}`.

The list shows every open offer of the programme (40 in the generated region, about 80
periods); Django's template engine spent about half of the page on those cards, most of it in
variable lookups, a URL reversed for every offer and two dates' month names translated for
every period. Same markup as the template loop it replaces; every value escaped by
`format_html`.
"""

from __future__ import annotations

from django import template
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.rows import day_written, url_by_pk

register = template.Library()


@register.simple_tag
def offer_cards(rows) -> SafeString:
    detail_url = url_by_pk("hospitering:offer_detail")
    day = day_written()
    themes = _("Themes")

    def free(places: int) -> str:
        return ngettext("%(counter)s place free", "%(counter)s places free", places) % {
            "counter": localize(places)
        }

    def card(row) -> SafeString:
        offer = row.offer
        match = (
            format_html(
                '<p class="mb-1"><span class="badge text-bg-success">{}</span></p>',
                row.match.reason,
            )
            if row.match
            else mark_safe("")  # noqa: S308 - nothing to escape
        )
        areas = mark_safe("")  # noqa: S308 - nothing to escape
        if row.areas:
            areas = format_html(
                '<p class="small mb-1">{}: {}{}</p>',
                themes,
                ", ".join(area.localized_name for area in row.areas),
                f"; {offer.themes}" if offer.themes else "",
            )
        periods = format_html_join(
            "",
            "<li>{}–{}: {}</li>",
            (
                (day(period.starts_on), day(period.ends_on), free(period.free))
                for period in row.periods
            ),
        )
        return format_html(
            '<li class="card mb-3"><div class="card-body">'
            '<h3 class="h5 card-title"><a href="{}">{}</a></h3>'
            '<p class="mb-1">{}, {}</p>{}{}<ul class="mb-0">{}</ul></div></li>',
            detail_url(offer.pk),
            offer.title,
            offer.host_library,
            offer.host_library.county,
            match,
            areas,
            periods,
        )

    return format_html(
        '<ul class="list-unstyled">{}</ul>',
        format_html_join("", "{}", ((card(row),) for row in rows)),
    )
