"""Offers on a person's largest competence gaps come first, with the reason, on a small known
data set: their own gaps (confidential survey), else their library's, else their county's
(anonymous survey), never from a group below the minimum size nor one a subtraction would
reveal. The library's and county's gaps are the same whether computed for the person's groups
as the sums are now or for every group at once and kept for a while (a survey week); kept, they
say when they were computed."""

import random
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from hospitering import selectors
from hospitering.models import Offer
from hospitering.selectors import applicant_gaps, offer_list
from portal.models import RoleAssignment, User
from portal.tests.factories import LibraryFactory, UserFactory, grant
from surveys.models import Survey
from surveys.synthetic import add_responses, full_survey

from .factories import OfferFactory, application_at

pytestmark = pytest.mark.django_db

KEPT = 600  # HOSPITERING_GAPS_FRESHNESS_SECONDS in a survey week (the tests' own is 0: exact)


@pytest.fixture(params=[0, KEPT], ids=["exact", "every-group-kept"])
def gaps_freshness(request, settings):
    """The library's and county's gaps computed both ways: each test holds for both."""
    settings.HOSPITERING_GAPS_FRESHNESS_SECONDS = request.param
    return request.param


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


def answered_by_staff_b(world, values) -> None:
    """staff_b's own answers to a confidential survey of the programme (their own gaps)."""
    survey = full_survey(
        programme=world.programme, areas=world.areas, anonymity=Survey.Anonymity.CONFIDENTIAL
    )
    add_responses(survey, count=1, library=world.library_b, respondent=world.staff_b, values=values)


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
    # Samarbeid: gap 1; Partnerskap: gap 3; Politiske prosesser: no gap.
    answered_by_staff_b(world, pairs((5, 4), (5, 2), (3, 3)))
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


def test_library_gaps_from_an_anonymous_survey(world, offers, gaps_freshness):
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


def test_a_library_below_the_minimum_falls_back_to_the_county(world, offers, gaps_freshness):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=3, library=world.library_b, values=pairs((5, 1), (3, 3), (3, 3)))
    add_responses(
        survey, count=3, library=world.county_library_b, values=pairs((5, 1), (3, 3), (3, 3))
    )
    add_responses(survey, count=5, library=world.library_a, values=pairs((3, 3), (5, 1), (3, 3)))
    gaps = applicant_gaps(user=world.staff_b, programme=world.programme)
    assert [(g.area.code, g.source) for g in gaps] == [("samarbeid", "county")]
    assert gaps[0].reason == "Matches your county's gap in Samarbeid"


def test_no_figure_from_a_group_too_small_anywhere(world, offers, gaps_freshness):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=4, library=world.library_b, values=pairs((5, 1), (3, 3), (3, 3)))
    assert applicant_gaps(user=world.staff_b, programme=world.programme) == []


def test_the_offer_list_page_shows_the_reason_first(world, offers, client_for):
    answered_by_staff_b(world, pairs((3, 3), (5, 2), (3, 3)))
    page = client_for(world.staff_b).get(reverse("hospitering:offer_list")).content.decode()
    assert page.index("Tilbud partnerskap") < page.index("Tilbud none")
    assert "Matches your gap in Partnerskap" in page


def test_a_library_hidden_with_its_small_neighbour_shows_the_county(world, offers, gaps_freshness):
    """Library B's five are enough on their own, but the three of the county library beside it
    are hidden with them (else the county minus library B would show three): staff of library
    B see their county's gaps, not their library's."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=5, library=world.library_b, values=pairs((3, 3), (5, 1), (3, 3)))
    add_responses(
        survey, count=3, library=world.county_library_b, values=pairs((5, 1), (3, 3), (3, 3))
    )
    gaps = applicant_gaps(user=world.staff_b, programme=world.programme)
    assert [(g.area.code, g.source) for g in gaps] == [
        ("partnerskap", "county"),
        ("samarbeid", "county"),
    ]


def shown(gaps):
    return [(g.area.pk, g.gap, g.source) for g in gaps]


@pytest.mark.parametrize("seed", [2011, 7, 42])
def test_every_group_kept_equals_the_exact_gaps_on_random_data(world, settings, seed):
    """Random answers in eight libraries of two counties (some below the minimum group size,
    some hidden with a neighbour): staff of each library get the same gaps both ways."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    rng = random.Random(seed)  # noqa: S311 - test data
    libraries = [world.library_a, world.county_library_a, world.library_b, world.county_library_b]
    libraries += [LibraryFactory(county=county) for county in (world.county_a, world.county_b) * 2]
    people = []
    for number, library in enumerate(libraries):
        count = rng.choice([0, 1, 2, 3, 5, 6, 9])
        if count:
            gaps = {area.pk: rng.uniform(-1, 3) for area in world.areas}
            add_responses(survey, count=count, library=library, seed=seed + number, gaps=gaps)
        person = UserFactory()
        grant(person, RoleAssignment.Role.STAFF, library=library)
        people.append(person)
    settings.HOSPITERING_GAPS_FRESHNESS_SECONDS = KEPT
    kept = [applicant_gaps(user=person, programme=world.programme) for person in people]
    assert all(gap.as_of is None for gaps in kept for gap in gaps)  # the sums as they are now
    settings.HOSPITERING_GAPS_FRESHNESS_SECONDS = 0
    exact = [applicant_gaps(user=person, programme=world.programme) for person in people]
    assert [shown(gaps) for gaps in kept] == [shown(gaps) for gaps in exact]
    assert any(exact)


def test_in_a_survey_week_the_gaps_are_shown_as_they_were_with_their_time(
    world, offers, settings, client_for
):
    """After a submission the gaps computed before are shown, with their time, for up to the
    freshness; then one reader computes them anew (not while another does); at 0, always as
    the sums are now."""
    settings.HOSPITERING_GAPS_FRESHNESS_SECONDS = KEPT
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=5, library=world.library_b, values=pairs((5, 4), (3, 3), (3, 3)))
    before = applicant_gaps(user=world.staff_b, programme=world.programme)
    assert shown(before) == [(world.areas[0].pk, 1.0, "library")]
    assert before[0].as_of is None
    page = client_for(world.staff_b).get(reverse("hospitering:offer_list")).content.decode()
    assert "The gaps are as they were at" not in page

    # Five more, whose gap in Partnerskap is larger than the library's gap in Samarbeid.
    add_responses(survey, count=5, library=world.library_b, values=pairs((5, 4), (5, 1), (3, 3)))
    kept = applicant_gaps(user=world.staff_b, programme=world.programme)
    assert shown(kept) == shown(before) and kept[0].as_of is not None
    page = client_for(world.staff_b).get(reverse("hospitering:offer_list")).content.decode()
    assert "The gaps are as they were at" in page

    later = timezone.now() + timedelta(seconds=KEPT + 1)
    with mock.patch("hospitering.selectors.timezone.now", return_value=later):
        threshold = survey.group_size_threshold
        lock = f"hospitering:gaps:{selectors.GAPS_CACHE_VERSION}:{survey.pk}:{threshold}:computing"
        cache.add(lock, True)  # another reader is computing them: still as they were
        assert applicant_gaps(user=world.staff_b, programme=world.programme)[0].as_of
        cache.delete(lock)
        now = applicant_gaps(user=world.staff_b, programme=world.programme)
    expected = [(world.areas[1].pk, 2.0, "library"), (world.areas[0].pk, 1.0, "library")]
    assert shown(now) == expected and now[0].as_of is None
    assert applicant_gaps(user=world.staff_b, programme=world.programme)[0].as_of is None

    settings.HOSPITERING_GAPS_FRESHNESS_SECONDS = 0
    add_responses(survey, count=10, library=world.library_b, values=pairs((3, 3), (5, 1), (3, 3)))
    exact = applicant_gaps(user=world.staff_b, programme=world.programme)
    samarbeid, partnerskap, _politikk = world.areas
    assert shown(exact) == [(partnerskap.pk, 3.0, "library"), (samarbeid.pk, 0.5, "library")]
    assert exact[0].as_of is None


def test_the_library_read_with_the_roles_is_the_one_the_query_finds(world):
    """The library whose gaps stand for a person's is the one read with their roles when they
    work at one library of the programme (no query), and the first by name as before when they
    work at several; a library outside the programme never counts."""
    counties = selectors.programme_counties(programme=world.programme)
    person = UserFactory()
    outside = LibraryFactory(name="Aaa utenfor")  # first by name, in a county of no programme
    expected = [None, world.library_b, world.library_b]  # Hamar before Sør-Trøndelag
    steps = [
        (RoleAssignment.Role.STAFF, outside),
        (RoleAssignment.Role.STAFF, world.library_b),
        (RoleAssignment.Role.LIBRARY_LEADER, world.county_library_a),
    ]
    for (role, library), found in zip(steps, expected, strict=True):
        grant(person, role, library=library)
        fresh = User.objects.get(pk=person.pk)  # (the roles are read once per person object)
        kept = selectors._home_library(user=fresh, programme=world.programme, counties=counties)
        asked = selectors._home_library(user=fresh, programme=world.programme, counties=None)
        assert kept == asked == found


def test_the_kept_offers_are_each_persons_and_show_every_write(world, offers, client_for):
    """The unfiltered offers are kept as HTML once for everyone who sees the same offers with
    the same gaps first (`hospitering.views._offers_html`): one person's gaps never order
    another's offers, and a new offer or a place taken shows at the next read."""
    answered_by_staff_b(world, pairs((3, 3), (5, 2), (3, 3)))
    url = reverse("hospitering:offer_list")
    for _read in range(2):  # computed, then kept
        with_gaps = client_for(world.staff_b).get(url).content.decode()
        assert "Matches your gap in Partnerskap" in with_gaps
        assert with_gaps.index("Tilbud partnerskap") < with_gaps.index("Tilbud none")
        without = client_for(world.staff_a).get(url).content.decode()
        assert "Matches your" not in without
        assert without.index("Tilbud none") < without.index("Tilbud partnerskap")  # newest first

    OfferFactory(
        programme=world.programme,
        host_library=world.county_library_b,
        competence_areas=[world.areas[1]],
        title="Tilbud nytt",
        periods=[(30, 10, 1)],
    )
    page = client_for(world.staff_a).get(url).content.decode()
    assert "Tilbud nytt" in page and "1 place free" in page
    application_at(
        world, "approved", Offer.objects.get(title="Tilbud nytt"), world.staff_a, world.library_a
    )
    page = client_for(world.staff_a).get(url).content.decode()
    assert "Tilbud nytt" in page and "1 place free" not in page
