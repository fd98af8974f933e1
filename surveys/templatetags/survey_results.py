"""The results overview's long table written in Python: `{% response_rate_rows rows %}`.

The response rate has a row per library (138 in a region); Django's template engine spent more
on those rows than on anything else of the overview. Same markup as the template loop it
replaces; values localised as the template would and escaped by `format_html`.
"""

from django import template
from django.utils.formats import get_format, localize
from django.utils.html import format_html_join

register = template.Library()


@register.simple_tag
def response_rate_rows(rows):
    # The rate is already rounded to one decimal (ResponseRateRow.rate): written as
    # `floatformat:1` writes it, with the language's decimal separator looked up once.
    separator = get_format("DECIMAL_SEPARATOR")
    return format_html_join(
        "\n",
        '<tr><td>{}</td><th scope="row">{}</th><td class="text-end">{}</td>'
        '<td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end">{}</td></tr>',
        (
            (
                row.county,
                row.library,
                localize(row.invited),
                localize(row.completed),
                f"{row.rate:.1f} %".replace(".", separator) if row.rate is not None else "–",
                localize(row.submitted),
            )
            for row in rows
        ),
    )
