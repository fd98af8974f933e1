"""Answering: each page of the survey, its answers, the submission and the thank-you page use as
many queries with 30 responses in as with 2."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.answering.selectors import answer_structure
from surveys.builder import services
from surveys.builder.services import survey_structure_changed
from surveys.models import Survey
from surveys.synthetic import add_responses
from surveys.tests.factories import build_survey, open_survey

from .test_answering import link_for, page1_data, page2_data, q

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world):
    survey = build_survey(world, county=world.county_a)
    open_survey(survey)
    services.survey_invite_users(survey=survey, users=[world.staff_a, world.library_leader_a])
    return Survey.objects.get(pk=survey.pk)


def _queries(client, method, url, data=None, status=200):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url) if method == "get" else client.post(url, data)
    assert response.status_code == status
    return len(queries)


def _answer_everything(client, survey, url) -> list[int]:
    """The queries of each page shown and each page answered, to the thank-you page."""
    assert client.post(url, {"action": "start"}).status_code == 302
    last = {
        "page": str(survey.pages.order_by("position")[2].pk),
        "action": "submit",
        f"q{q(survey, 't2').pk}": "Travelt",
    }
    counts = []
    for data in (page1_data(survey), page2_data(survey), last):
        counts.append(_queries(client, "get", url))
        counts.append(_queries(client, "post", url, data, status=302))
    counts.append(_queries(client, "get", url))  # the thank-you page
    return counts


def test_answering_constant(client, world, survey):
    """With the survey's structure in the cache (as it is after the first respondent)."""
    add_responses(survey, count=2, library=world.library_a)
    answer_structure(survey)
    small = _answer_everything(client, survey, link_for(survey, world.staff_a))
    add_responses(survey, count=28, library=world.library_a, seed=1)
    client.logout()
    large = _answer_everything(client, survey, link_for(survey, world.library_leader_a))
    # Each page shown, then answered: the last answer submits (the running sums are written
    # after the commit, by the task it queues), and the thank-you page follows.
    assert small == large == [4, 10, 4, 10, 4, 11, 4]


def test_the_structure_is_read_once_per_change(client, world, survey):
    """The first page shown after a change of the structure reads it (five queries more: four
    reads and the token again); every page after that, by anyone, from the cache."""
    url = link_for(survey, world.staff_a)
    assert client.post(url, {"action": "start"}).status_code == 302
    survey_structure_changed(survey_id=survey.pk)
    cold = _queries(client, "get", url)
    warm = _queries(client, "get", url)
    assert cold - warm == 5
