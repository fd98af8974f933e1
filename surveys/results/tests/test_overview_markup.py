"""The overview's lists written in Python (`{% response_rate_rows %}`, `{% question_links %}`)
are the markup of what they replaced, in every language, whatever the names hold."""

import pytest
from django.utils import translation
from django.utils.formats import get_format, localize
from django.utils.html import format_html_join

from surveys.results.selectors import ResponseRateRow
from surveys.templatetags.survey_results import response_rate_rows


def _as_before(rows):
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


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_rows_are_the_markup_they_were(language):
    rows = [
        ResponseRateRow("Sør-Trøndelag", "Trondheim <folke>bibliotek & co", 1234, 567, 600),
        ResponseRateRow("Sør-Trøndelag", 'Bibliotek "A"', 3, 1, 1),
        ResponseRateRow("Hedmark", "Hamar folkebibliotek", 0, 0, 12),
        ResponseRateRow("Unknown county", "Unknown library", 0, 0, 3),
        ResponseRateRow("Hedmark", "Elverum", 3, 1, 1),
        ResponseRateRow("Fylke's", "Bibliotek 1 000", 1000000, 999999, 0),
    ]
    with translation.override(language):
        assert str(response_rate_rows(rows)) == str(_as_before(rows))
        assert str(response_rate_rows([])) == ""


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "county=4&role=staff", 'library=1"<x>'])
def test_the_question_links_are_the_template_loop_they_were(world, query):
    from django.template import engines

    from surveys.answering.selectors import answer_structure
    from surveys.synthetic import full_survey
    from surveys.templatetags.survey_results import question_links

    survey = full_survey(programme=world.programme, areas=world.areas)
    questions = [q for page in answer_structure(survey) for q in page.ordered_questions]
    questions[0].code = "<b>&"
    before = engines["django"].from_string(
        "{% for question in questions %}\n"
        "        <li><a href=\"{% url 'surveys:results_question' survey.pk question.pk %}"
        '{% if query %}?{{ query }}{% endif %}">{{ question.code }}. {{ question.localized_text }}'
        "</a></li>\n"
        "      {% endfor %}"
    )
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            context = {"questions": questions, "survey": survey, "query": query}
            assert str(question_links(questions, survey, query)) == before.render(context)
