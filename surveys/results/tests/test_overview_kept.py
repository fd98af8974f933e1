"""The results overview's count and figures kept as HTML for each state of the sums shown
(`survey_results_overview`): what a read serves is what a computation with nothing kept shows,
for every person, after every kind of write; in a survey week a state shown as it was is served
kept while the submissions go on."""

from __future__ import annotations

import threading
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language

from portal.table_versions import templates_fingerprint
from portal.tests.factories import UserFactory
from surveys import tasks
from surveys.models import Participation
from surveys.results import selectors
from surveys.results.disclosure import sums_token, survey_disclosure
from surveys.results.selectors import ResultFilters, ResultScope, survey_results_overview
from surveys.results.tests.kept_cases import PEOPLE, every_kind_of_write, survey_with_baseline
from surveys.synthetic import add_responses

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world):
    return survey_with_baseline(world)


@pytest.fixture
def baseline(survey):
    return survey.baseline


def _computed(key, template_names, context, **named):
    values = context()
    return [render_to_string(name, values) for name in template_names]


def shown(survey, user, filters=None) -> tuple[str, str]:
    overview = survey_results_overview(survey=survey, user=user, filters=filters)
    return overview.summary_html, overview.figures_html


def computed(survey, user, filters=None) -> tuple[str, str]:
    with mock.patch.object(selectors, "kept_html", _computed):
        return shown(survey, user, filters)


def test_what_is_kept_is_what_is_computed_after_every_kind_of_write(world, survey, baseline):
    writes = every_kind_of_write(world, survey, baseline)
    filtered = ResultFilters(library_id=world.library_a.pk)
    for person_name in PEOPLE:
        shown(survey, getattr(world, person_name))  # kept before any write
    for write_name, write in writes.items():
        write()
        for person_name in PEOPLE:
            user = getattr(world, person_name)
            assert shown(survey, user) == computed(survey, user), (write_name, person_name)
            assert shown(survey, user, filtered) == computed(survey, user, filtered)
    leader = shown(survey, world.project_leader)
    assert "Nytt bibliotek" in leader[1] and "Nytt område" in leader[1]
    assert "18 submitted responses" in leader[0]


def test_one_person_is_never_served_anothers_overview(world, survey):
    for person_name in PEOPLE:
        shown(survey, getattr(world, person_name))
    for person_name in PEOPLE:
        user = getattr(world, person_name)
        assert shown(survey, user) == computed(survey, user)
    whole, county = shown(survey, world.project_leader), shown(survey, world.coordinator_a)
    assert whole != county


def _summary(page: str) -> str:
    return page[page.index('<p id="results-summary">') :].split("</p>")[0]


def test_in_a_survey_week_a_state_shown_as_it_was_is_served_kept(
    world, survey, client_for, settings
):
    """Within the freshness, the overview shows the last state computed as it was, and says
    when: the HTML formed for that state is served while submissions and completions go on."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    respondents = [UserFactory() for _seed in range(2)]
    client = client_for(world.coordinator_a)
    page = reverse("surveys:results", args=[survey.pk])
    before = client.get(page).content.decode()
    assert "These figures are as they were at" not in before
    for seed, respondent in enumerate(respondents, start=3):
        add_responses(survey, count=6, library=world.library_a, seed=seed)
        Participation.objects.create(  # (the respondent's participation completed with it)
            survey=survey, user=respondent, token_hash=f"{seed:064d}", completed_at=timezone.now()
        )
        with mock.patch.object(selectors, "_results", wraps=selectors._results) as formed:
            html = client.get(page).content.decode()
        assert "These figures are as they were at" in html
        assert _summary(html) == _summary(before) and "6 submitted responses" in html
        assert html.count("<tr>") == before.count("<tr>") > 5
        assert formed.call_count == 0  # the state as it was: its HTML kept


@pytest.mark.django_db(transaction=True)
def test_a_submission_committed_while_the_overview_is_formed_keeps_nothing(world, survey):
    """Another worker commits a submission while this one forms the overview of the state it
    read: what it formed may hold rows of the next state, so nothing is kept under the first."""
    leader = world.project_leader
    before = survey_disclosure(survey)
    key = selectors.overview_key(
        survey,
        before,
        sums_token(survey.baseline),
        selectors._asked(ResultScope(), ResultFilters(), ()),
    )
    formed, submitted = selectors._results, []

    def another_worker_submits():
        add_responses(survey, count=6, library=world.library_b, seed=9)
        connection.close()

    def formed_while_another_submits(*args):
        if not submitted:
            submitted.append(True)
            worker = threading.Thread(target=another_worker_submits)
            worker.start()
            worker.join()
        return formed(*args)

    with mock.patch.object(selectors, "_results", formed_while_another_submits):
        shown(survey, leader)
    assert submitted and sums_token(survey) != before.token
    assert cache.get(f"html:{templates_fingerprint()}:{get_language()}:{key}") is None
    assert "18 submitted responses" in shown(survey, leader)[0]


def _formed_while(read) -> int:
    """How many times `read` formed an overview's figures (not served from kept HTML)."""
    with mock.patch.object(selectors, "_results", wraps=selectors._results) as formed:
        read()
    return sum(call.args[6] == selectors.OVERVIEW for call in formed.call_args_list)


def test_after_a_deploys_warm_up_no_reader_of_a_county_or_more_forms_the_overview(
    world, survey, settings
):
    """`manage.py results_warm` (a deploy step; beat repeats it) forms the overview the project
    leader and each coordinator would be served, in every language: their first read is served
    kept. A library leader's is formed at their first read. Beat's next run forms nothing again
    while nothing changed, and the next state after a submission."""
    out = StringIO()
    call_command("results_warm", stdout=out)
    # The survey and its baseline, each for the project leader and the two coordinators.
    assert out.getvalue().strip() == "6 results scopes formed or already kept."
    readers = (world.project_leader, world.coordinator_a, world.coordinator_b)
    for code, _name in django_settings.LANGUAGES:
        with translation.override(code):
            for reader in readers:
                assert _formed_while(lambda reader=reader: shown(survey, reader)) == 0, code
    assert _formed_while(lambda: shown(survey, world.library_leader_a)) == 1

    assert _formed_while(tasks.surveys_results_warm_task) == 0  # all kept: nothing formed
    schedule = settings.CELERY_BEAT_SCHEDULE["survey-results-warm"]
    assert schedule == {"task": tasks.surveys_results_warm_task.name, "schedule": 60 * 5}

    add_responses(survey, count=6, library=world.library_a, seed=3)
    assert _formed_while(tasks.surveys_results_warm_task) == len(readers) * 3
    assert _formed_while(lambda: shown(survey, world.coordinator_a)) == 0
    assert shown(survey, world.coordinator_a) == computed(survey, world.coordinator_a)
