"""Offers on a person's largest competence gaps come first, with the reason, on a small known
data set: their own gaps (confidential survey), else their library's, else their county's
(anonymous survey), never from a group below the minimum size."""

import pytest
from django.urls import reverse

from hospitering.selectors import applicant_gaps, offer_list
from surveys.models import Survey
from surveys.synthetic import add_responses, full_survey

from .factories import OfferFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def offers(world):
    samarbeid, partnerskap, politikk = world.areas
    made = {}
    for key, areas in (
        ("samarbeid", [samarbeid]),
        ("partnerskap", [partnerskap]),
        ("politikk", [politikk]),
        ("none", []),
    ):
        made[key] = OfferFactory(
            programme=world.programme,
            host_library=world.county_library_b,
            competence_areas=areas,
            title=f"Tilbud {key}",
        )
    return made


def pairs(samarbeid, partnerskap, politikk):
    return {"pair": {"p0": samarbeid, "p1": partnerskap, "p2": politikk}}


def titles(rows):
    return [(row.offer.title, row.match.reason if row.match else None) for row in rows]


def test_without_a_survey_the_newest_offers_come_first(world, offers):
    rows = offer_list(user=world.staff_b, programme=world.programme, gaps=[])
    assert titles(rows) == [
        ("Tilbud none", None),
        ("Tilbud politikk", None),
        ("Tilbud partnerskap", None),
        ("Tilbud samarbeid", None),
    ]


def test_own_gaps_from_a_confidential_survey_order_the_offers(world, offers):
    survey = full_survey(
        programme=world.programme, areas=world.areas, anonymity=Survey.Anonymity.CONFIDENTIAL
    )
    # Samarbeid: gap 1; Partnerskap: gap 3; Politiske prosesser: no gap.
    add_responses(
        survey,
        count=1,
        library=world.library_b,
        respondent=world.staff_b,
        values=pairs((5, 4), (5, 2), (3, 3)),
    )
    gaps = applicant_gaps(user=world.staff_b, programme=world.programme)
    assert [(g.area.code, g.gap, g.source) for g in gaps] == [
        ("partnerskap", 3.0, "own"),
        ("samarbeid", 1.0, "own"),
    ]
    rows = offer_list(user=world.staff_b, programme=world.programme, gaps=gaps)
    assert titles(rows) == [
        ("Tilbud partnerskap", "Matches your gap in Partnerskap"),
        ("Tilbud samarbeid", "Matches your gap in Samarbeid"),
        ("Tilbud none", None),
        ("Tilbud politikk", None),
    ]
    # Someone else's answers say nothing about staff_a.
    assert applicant_gaps(user=world.staff_a, programme=world.programme) == []


def test_library_gaps_from_an_anonymous_survey(world, offers):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=5, library=world.library_b, values=pairs((3, 3), (4, 3), (5, 2)))
    add_responses(survey, count=5, library=world.library_a, values=pairs((5, 1), (3, 3), (3, 3)))
    gaps = applicant_gaps(user=world.staff_b, programme=world.programme)
    assert [(g.area.code, g.source) for g in gaps] == [
        ("politiske-prosesser", "library"),
        ("partnerskap", "library"),
    ]
    rows = offer_list(user=world.staff_b, programme=world.programme, gaps=gaps)
    assert titles(rows)[:2] == [
        ("Tilbud politikk", "Matches your library's gap in Politiske prosesser"),
        ("Tilbud partnerskap", "Matches your library's gap in Partnerskap"),
    ]


def test_a_library_below_the_minimum_falls_back_to_the_county(world, offers):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=3, library=world.library_b, values=pairs((5, 1), (3, 3), (3, 3)))
    add_responses(
        survey, count=3, library=world.county_library_b, values=pairs((5, 1), (3, 3), (3, 3))
    )
    add_responses(survey, count=5, library=world.library_a, values=pairs((3, 3), (5, 1), (3, 3)))
    gaps = applicant_gaps(user=world.staff_b, programme=world.programme)
    assert [(g.area.code, g.source) for g in gaps] == [("samarbeid", "county")]
    assert gaps[0].reason == "Matches your county's gap in Samarbeid"


def test_no_figure_from_a_group_too_small_anywhere(world, offers):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=4, library=world.library_b, values=pairs((5, 1), (3, 3), (3, 3)))
    assert applicant_gaps(user=world.staff_b, programme=world.programme) == []


def test_the_offer_list_page_shows_the_reason_first(world, offers, client_for):
    survey = full_survey(
        programme=world.programme, areas=world.areas, anonymity=Survey.Anonymity.CONFIDENTIAL
    )
    add_responses(
        survey,
        count=1,
        library=world.library_b,
        respondent=world.staff_b,
        values=pairs((3, 3), (5, 2), (3, 3)),
    )
    page = client_for(world.staff_b).get(reverse("hospitering:offer_list")).content.decode()
    assert page.index("Tilbud partnerskap") < page.index("Tilbud none")
    assert "Matches your gap in Partnerskap" in page
