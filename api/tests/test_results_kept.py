"""The API's survey results kept for each state of the sums shown (`survey_results_kept`): what a
read serves is what a computation with nothing kept gives, for every person, filtered or not,
after every kind of write; no person is served another's; each language its own; in a survey
week a state shown as it was is served kept while submissions come in."""

from __future__ import annotations

from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from surveys import tasks
from surveys.results import selectors
from surveys.results.tests.kept_cases import PEOPLE, every_kind_of_write, survey_with_baseline
from surveys.results.tests.test_figures_cache import past_the_freshness
from surveys.synthetic import add_responses

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world):
    return survey_with_baseline(world)


@pytest.fixture
def baseline(survey):
    return survey.baseline


@pytest.fixture
def served(api_client):
    def served(survey, person, query="", language="nb"):
        response = api_client(person).get(
            f"/api/v1/surveys/{survey.pk}/results/?{query}", HTTP_ACCEPT_LANGUAGE=language
        )
        assert response.status_code == 200
        return response.json()

    return served


@pytest.fixture
def computed(served):
    """What a read gives with nothing kept: every kept value of the results computed anew."""

    def computed(*args, **kwargs):
        with mock.patch.object(selectors, "kept", lambda key, compute, **named: compute()):
            return served(*args, **kwargs)

    return computed


def test_what_is_kept_is_what_is_computed_after_every_kind_of_write(
    world, survey, baseline, served, computed
):
    writes = every_kind_of_write(world, survey, baseline)
    filtered = f"library={world.library_a.pk}"
    for person_name in PEOPLE:
        served(survey, getattr(world, person_name))  # kept before any write
    for write_name, write in writes.items():
        write()
        for person_name in PEOPLE:
            user = getattr(world, person_name)
            assert served(survey, user) == computed(survey, user), (write_name, person_name)
            assert served(survey, user, filtered) == computed(survey, user, filtered)
    leader = served(survey, world.project_leader)
    assert leader["n"] == 18
    assert "Nytt bibliotek" in str(leader["response_rates"])


def test_no_person_is_served_anothers_and_each_language_its_own(world, survey, served, computed):
    for person_name in PEOPLE:
        served(survey, getattr(world, person_name))
    for person_name in PEOPLE:
        user = getattr(world, person_name)
        assert served(survey, user) == computed(survey, user)
    assert served(survey, world.project_leader)["n"] == 12
    assert served(survey, world.coordinator_a)["n"] == 6
    for language in ("nn", "en"):
        leader = world.project_leader
        assert served(survey, leader, "", language) == computed(survey, leader, "", language)


def _formed_while(read) -> tuple[int, object]:
    """How many times `read` formed results (not served kept), and what it read."""
    with mock.patch.object(selectors, "_results", wraps=selectors._results) as formed:
        value = read()
    return formed.call_count, value


def test_in_a_survey_week_a_state_shown_as_it_was_is_served_kept(world, survey, served, settings):
    """Within the freshness the API gives the last state computed, as it was (`as_of`): the
    answer formed for that state while it was the sums' state now is served while submissions
    go on."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    before = served(survey, world.coordinator_a)
    assert before["as_of"] is None
    for seed in (3, 4):
        add_responses(survey, count=6, library=world.library_a, seed=seed)
        formed, body = _formed_while(lambda: served(survey, world.coordinator_a))
        assert formed == 0
        assert body["as_of"] is not None and body["n"] == before["n"] == 6
        assert {**body, "as_of": None} == before


def test_a_state_whose_answer_no_one_formed_is_passed_over_unread(
    world, survey, served, client_for, settings
):
    """A state as it was whose blocks another page formed (the overview), but whose every
    question's figures no one did, is passed over before anything is read for it (part 39 of
    docs/performance.md): the API's reader is served the last state its answer was formed
    for, and forms nothing."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    before = served(survey, world.coordinator_a)
    add_responses(survey, count=6, library=world.library_a, seed=3)
    overview = client_for(world.coordinator_a).get(reverse("surveys:results", args=[survey.pk]))
    assert overview.status_code == 200  # it formed the new state's blocks
    add_responses(survey, count=6, library=world.library_a, seed=4)
    formed, body = _formed_while(lambda: served(survey, world.coordinator_a))
    assert formed == 0
    assert body["as_of"] is not None and {**body, "as_of": None} == before


def test_after_a_deploys_warm_up_and_a_workers_refresh_no_reader_forms_the_answer(
    world, survey, served, settings
):
    """`manage.py results_warm` forms the API's answer for the project leader and each
    coordinator in every language; past the freshness, the refresh a reader queues forms the
    answer of the state as it is now, which the next reader is served."""
    call_command("results_warm", stdout=StringIO())
    for language in ("nb", "nn", "en"):
        for reader in (world.project_leader, world.coordinator_a, world.coordinator_b):
            assert _formed_while(lambda r=reader, c=language: served(survey, r, "", c))[0] == 0

    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    add_responses(survey, count=6, library=world.library_a, seed=3)
    with past_the_freshness() as (queued, _later):
        assert served(survey, world.project_leader)["n"] == 12  # as it was
        assert len(queued) == 1 and queued[0]["part"] == selectors.ALL_QUESTIONS
        tasks.survey_results_refresh_task(**queued[0])  # the worker
        formed, body = _formed_while(lambda: served(survey, world.project_leader))
        assert formed == 0 and body["n"] == 18 and body["as_of"] is None
