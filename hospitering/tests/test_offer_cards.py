"""The open offers' cards, written in Python (hospitering/templatetags/offers.py): the same
markup as the template loop they replace, in every language, and days written as the date
filter writes them."""

from datetime import date

import pytest
from django.template import Context, Template
from django.template.defaultfilters import date as date_filter
from django.utils import translation

from hospitering.selectors import Gap, offer_list
from portal.rows import day_written
from portal.tests.factories import CompetenceAreaFactory

from .factories import OfferFactory

pytestmark = pytest.mark.django_db

# The template loop as it was (offer_list.html before the cards were written in Python).
LOOP = Template(
    """{% load i18n %}<ul class="list-unstyled">
        {% for row in rows %}
          <li class="card mb-3">
            <div class="card-body">
              <h3 class="h5 card-title"><a href="{% url 'hospitering:offer_detail' row.offer.pk %}">{{ row.offer.title }}</a></h3>
              <p class="mb-1">{{ row.offer.host_library }}, {{ row.offer.host_library.county }}</p>
              {% if row.match %}<p class="mb-1"><span class="badge text-bg-success">{{ row.match.reason }}</span></p>{% endif %}
              {% if row.areas %}<p class="small mb-1">{% translate "Themes" %}: {% for area in row.areas %}{{ area.localized_name }}{% if not forloop.last %}, {% endif %}{% endfor %}{% if row.offer.themes %}; {{ row.offer.themes }}{% endif %}</p>{% endif %}
              <ul class="mb-0">
                {% for period in row.periods %}
                  <li>{{ period.starts_on|date:"j. F Y" }}–{{ period.ends_on|date:"j. F Y" }}: {% blocktranslate count counter=period.free %}{{ counter }} place free{% plural %}{{ counter }} places free{% endblocktranslate %}</li>
                {% endfor %}
              </ul>
            </div>
          </li>
        {% endfor %}
      </ul>"""  # noqa: E501 - the template as it was
)
CARDS = Template("{% load offers %}{% offer_cards rows %}")


def without_whitespace(html: str) -> str:
    return "".join(html.split())


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_the_cards_are_the_template_loops_markup(world, language):
    samarbeid, partnerskap, _politikk = world.areas
    OfferFactory(
        programme=world.programme,
        host_library=world.library_a,
        competence_areas=[samarbeid, partnerskap],
        title="Formidling & <samarbeid>",
        themes='Lesesirkler, "Språkkafé"',
        periods=[(10, 3, 1), (40, 5, 2), (200, 2, 3)],
    )
    OfferFactory(
        programme=world.programme, host_library=world.county_library_a, competence_areas=[]
    )
    gaps = [Gap(area=partnerskap, gap=1.5, source="library")]
    rows = offer_list(user=world.staff_b, programme=world.programme, gaps=gaps)
    assert len(rows) == 2 and rows[0].match
    with translation.override(language):
        expected = LOOP.render(Context({"rows": rows}))
        shown = CARDS.render(Context({"rows": rows}))
    assert without_whitespace(shown) == without_whitespace(expected)
    assert "&lt;samarbeid&gt;" in shown


def test_the_themes_are_the_offers_areas_in_their_order(world):
    """The offers' themes are drawn from the programme's areas read once by the page, not read
    per offer: the same areas in the areas' own order (position, then name; ties too), and an
    area of another programme (set past the services) is still shown."""
    samarbeid, partnerskap, politikk = world.areas
    tied = [
        CompetenceAreaFactory(programme=world.programme, name=name, position=1)
        for name in ("Øving", "Arkiv", "Zebra")
    ]
    elsewhere = CompetenceAreaFactory(name="Annet program")
    chosen = [
        [politikk, samarbeid],
        [*reversed(tied), partnerskap],
        [elsewhere, samarbeid],
        [],
    ]
    for areas in chosen:
        OfferFactory(
            programme=world.programme, host_library=world.library_a, competence_areas=areas
        )
    rows = offer_list(user=world.staff_b, programme=world.programme, gaps=[])
    assert len(rows) == len(chosen)
    for row in rows:
        assert row.areas == list(row.offer.competence_areas.all())
    assert any(elsewhere in row.areas for row in rows)


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_days_are_written_as_the_date_filter_writes_them(language):
    days = [date(2026, month, day) for month, day in ((1, 1), (5, 17), (12, 31))]
    with translation.override(language):
        written = day_written()
        for day in days:
            assert written(day) == date_filter(day, "j. F Y")
