"""The results overview's long lists written in Python: `{% response_rate_rows rows %}` and
`{% question_links questions survey query %}`.

The response rate has a row per library (138 in a region) and the questions a link each (40);
Django's template engine spent more on those rows than on anything else of the overview. Same
markup as the template loops they replace; values localised as the template would and escaped
as the template (or `format_html`) escapes them.
"""

from django import template
from django.urls import reverse
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def response_rate_rows(rows):
    # The counts and counties repeat from row to row (a region's 138 rows have a few dozen
    # distinct counts and five counties): each is localised and escaped once per table.
    written: dict[object, str] = {}

    def number(value: int) -> str:
        if value not in written:
            written[value] = conditional_escape(localize(value))
        return written[value]

    def text(value: str) -> str:
        key = ("text", value)
        if key not in written:
            written[key] = conditional_escape(value)
        return written[key]

    # The rate is already rounded to one decimal (ResponseRateRow.rate): written as
    # `floatformat:1` writes it, with the language's decimal separator looked up once.
    separator = get_format("DECIMAL_SEPARATOR")
    return mark_safe(  # noqa: S308 - every value is escaped above
        "\n".join(
            f'<tr><td>{text(row.county)}</td><th scope="row">{conditional_escape(row.library)}</th>'
            f'<td class="text-end">{number(row.invited)}</td>'
            f'<td class="text-end">{number(row.completed)}</td>'
            '<td class="text-end">'
            + (
                conditional_escape(f"{row.rate:.1f} %".replace(".", separator))
                if row.rate is not None
                else "–"
            )
            + f'</td><td class="text-end">{number(row.submitted)}</td></tr>'
            for row in rows
        )
    )


# A question id no survey has, reversed once and replaced by each question's id.
_QUESTION_ID = 987654321


@register.simple_tag
def question_links(questions, survey, query):
    """The overview's numbered list of links to each question's page, with the filters chosen
    (`query`): the `{% for %}` loop's markup, whitespace included, with the URL reversed once."""
    prefix, suffix = reverse("surveys:results_question", args=[survey.pk, _QUESTION_ID]).split(
        str(_QUESTION_ID)
    )
    prefix, suffix = conditional_escape(prefix), conditional_escape(suffix)
    if query:
        suffix = f"{suffix}?{conditional_escape(query)}"
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'\n        <li><a href="{prefix}{question.pk}{suffix}">'
            f"{conditional_escape(question.code)}. {conditional_escape(question.localized_text)}"
            "</a></li>\n      "
            for question in questions
        )
    )
