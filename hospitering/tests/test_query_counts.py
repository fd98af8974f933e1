"""The offer list, the deciders' list and the calendar cost as many queries with many offers,
applications and placements as with few."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant
from surveys.models import Survey
from surveys.synthetic import add_responses, full_survey

from .factories import OfferFactory, application_at

pytestmark = pytest.mark.django_db

# Answers with a gap in two areas: the library's gaps are shown at every size.
GAPS = {"pair": {"p0": (5, 3), "p1": (4, 3), "p2": (3, 3)}}


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def _grow(world, n, start):
    """n offers in county A, each with an application from county B waiting for the host, and
    one approved (a placement)."""
    for i in range(start, start + n):
        offer = OfferFactory(
            programme=world.programme,
            host_library=world.library_a,
            competence_areas=world.areas[i % 3 : i % 3 + 1],
            periods=[(30, 10, 2), (60, 10, 2)],
        )
        waiting, visitor = UserFactory(), UserFactory()
        for applicant in (waiting, visitor):
            grant(applicant, RoleAssignment.Role.STAFF, library=world.library_b)
        application_at(world, "host", offer, waiting, world.library_b)
        application_at(world, "approved", offer, visitor, world.library_b)


@pytest.mark.parametrize(
    "person, page, params",
    [
        ("staff_b", "hospitering:offer_list", {}),
        ("staff_b", "hospitering:offer_list", {"free_places": "on", "area": "x"}),
        ("library_leader_a", "hospitering:decide_list", {}),
        ("coordinator_a", "hospitering:decide_list", {}),
        ("project_leader", "hospitering:calendar", {}),
    ],
)
def test_pages_do_not_grow_with_the_data(world, client_for, person, page, params):
    survey = full_survey(
        programme=world.programme, areas=world.areas, anonymity=Survey.Anonymity.CONFIDENTIAL
    )
    add_responses(survey, count=1, library=world.library_b, respondent=world.staff_b)
    client = client_for(getattr(world, person))
    url = reverse(page)
    client.get(url, params)
    # Each size read twice: the first read after the writes computes, the second reads what a
    # page keeps while its rows are unchanged (the unfiltered offers' HTML).
    _grow(world, 1, 0)
    small = (_count(client, url, params), _count(client, url, params))
    _grow(world, 6, 1)
    assert (_count(client, url, params), _count(client, url, params)) == small


@pytest.mark.parametrize(
    "freshness, pinned",
    # (warm, after a submission): at 0 the reader forms the new state's blocks and reads the
    # library's sums (five queries more); kept, the gaps computed before are read from the cache.
    [(0, (10, 15)), (600, (10, 10))],
    ids=["exact", "every-group-kept"],
)
def test_offer_list_with_the_library_gaps_does_not_grow_with_the_data(
    world, client_for, settings, freshness, pinned
):
    """Staff without answers of their own: their library's gaps, as the sums are now or kept
    for every group (a survey week: after a submission, shown as they were). Pinned: the
    programme's areas and counties (read for the gaps), the gaps' two (own response, survey:
    the library is read with the person's roles), the sums' token, the states of the offers'
    tables (their HTML is kept: a submission changes none of them) and the offers the person
    manages (staff may publish nowhere: no read of the libraries), whatever the number of
    offers, applications and responses."""
    settings.HOSPITERING_GAPS_FRESHNESS_SECONDS = freshness
    survey = full_survey(programme=world.programme, areas=world.areas)
    client = client_for(world.staff_b)
    url = reverse("hospitering:offer_list")
    counts = []
    for size, start in ((1, 0), (6, 1)):
        _grow(world, size, start)
        add_responses(survey, count=5 * size, library=world.library_b, values=GAPS)
        client.get(url)
        warm = _count(client, url)
        add_responses(survey, count=1, library=world.library_b, values=GAPS)  # a new state
        counts.append((warm, _count(client, url)))
    assert counts == [pinned, pinned]
