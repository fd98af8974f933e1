"""The open offers' cards written in Python: `{% offer_cards rows %}`.

The list shows every open offer of the programme (40 in the generated region, about 80
periods); Django's template engine spent about half of the page on those cards, most of it in
variable lookups, a URL reversed for every offer and two dates' month names translated for
every period. Same markup as the template loop it replaces; every value escaped
(`portal.rows.markup`).
"""

from __future__ import annotations

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.rows import day_written, markup, markup_join, url_by_pk

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
            markup(
                '<p class="mb-1"><span class="badge text-bg-success">{}</span></p>',
                row.match.reason,
            )
            if row.match
            else SafeString()
        )
        areas = SafeString()
        if row.areas:
            areas = markup(
                '<p class="small mb-1">{}: {}{}</p>',
                themes,
                ", ".join(area.localized_name for area in row.areas),
                f"; {offer.themes}" if offer.themes else "",
            )
        periods = markup_join(
            "",
            "<li>{}–{}: {}</li>",
            (
                (day(period.starts_on), day(period.ends_on), free(period.free))
                for period in row.periods
            ),
        )
        return markup(
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

    return markup(
        '<ul class="list-unstyled">{}</ul>',
        markup_join("", "{}", ((card(row),) for row in rows)),
    )
