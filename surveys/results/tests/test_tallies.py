"""The results' running sums (ResultTally) give exactly the figures a full recomputation over the
answers gives, for every group a results page can ask for, however the responses arrived."""

import random
import threading
from collections import Counter

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.answering import services as answering
from surveys.models import Question, Response, ResultSnapshot, ResultTally
from surveys.results.disclosure import sums_token
from surveys.results.selectors import (
    ResultFilters,
    ResultScope,
    compute_numbers,
    submitted_responses,
    tallied_numbers,
)
from surveys.results.services import (
    _tallies_upsert,
    result_tallies_rebuild,
    survey_purge_raw_answers,
)
from surveys.synthetic import _answers_for, _structure, add_responses, full_survey
from surveys.tests.factories import SurveyFactory

pytestmark = pytest.mark.django_db

ROLES = ["staff", "library_leader", ""]
Kind = Question.Kind


def _groups(world):
    """Every kind of scope and filter the results pages and the dashboard ask for."""
    a, b = world.county_a.pk, world.county_b.pk
    lib_a, lib_b = world.library_a.pk, world.library_b.pk
    scopes = [
        ResultScope(),
        ResultScope(county_ids=frozenset({a})),
        ResultScope(county_ids=frozenset({a}), library_ids=frozenset({lib_a})),
    ]
    filters = [
        ResultFilters(),
        ResultFilters(county_id=b),
        ResultFilters(library_id=lib_b),
        ResultFilters(role="staff"),
        ResultFilters(role=""),
        ResultFilters(county_id=a, role="library_leader"),
        ResultFilters(county_id=a, library_id=lib_a, role="staff"),
    ]
    groups = [(scope, f) for scope in scopes for f in filters]
    return [*groups, (ResultScope(county_ids=frozenset({a, b})), ResultFilters(library_id=lib_a))]


def assert_tallies_match_answers(world, survey):
    sums_token(survey)  # as every reader of the sums asks first: the submissions awaiting counted
    for scope, filters in _groups(world):
        fast = tallied_numbers(survey=survey, scope=scope, filters=filters)
        full = compute_numbers(submitted_responses(survey, scope, filters))
        assert fast == full, (scope, filters)


batches = st.lists(
    st.tuples(
        st.sampled_from(["library_a", "library_b", "county_library_a", None]),
        st.sampled_from(ROLES),
        st.integers(min_value=1, max_value=4),
        st.integers(min_value=0, max_value=2**16),
        st.booleans(),
    ),
    min_size=1,
    max_size=5,
)


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=batches)
def test_tallies_equal_a_full_recomputation_on_random_answers(world, batches):
    survey = full_survey(programme=world.programme, areas=world.areas)
    for library, role, count, seed, submitted in batches:
        add_responses(
            survey,
            count=count,
            library=getattr(world, library) if library else None,
            county=None if library else world.county_b,
            role=role,
            seed=seed,
            submitted=submitted,
        )
    assert_tallies_match_answers(world, survey)


def test_submitting_through_the_service_adds_to_the_tallies(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=3, library=world.library_a, seed=1)
    add_responses(survey, count=4, library=world.library_b, seed=2, submitted=False)
    for response in Response.objects.filter(survey=survey, submitted_at__isnull=True):
        assert answering.response_submit(response=response)
    assert not answering.response_submit(response=response)  # a double click counts once
    assert_tallies_match_answers(world, survey)
    before = sorted(ResultTally.objects.filter(survey=survey).values_list("item", "value", "n"))
    result_tallies_rebuild(survey=survey)
    after = sorted(ResultTally.objects.filter(survey=survey).values_list("item", "value", "n"))
    assert before == after


@pytest.mark.django_db(transaction=True)
def test_parallel_submissions_and_readers_count_each_submission_once(world):
    """Submissions in the same cells at once, each followed by its task's catch-up, and readers
    catching up at the same moment: the catch-ups take turns, none is lost, none counted twice."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, seed=3, submitted=False)
    responses = list(Response.objects.filter(survey=survey))
    barrier = threading.Barrier(len(responses) + 3)
    errors = []

    def in_a_thread(work):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            work()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            thread_connection.close()

    works = [lambda r=r: answering.response_submit(response=r) for r in responses]
    works += [lambda: sums_token(survey)] * 3
    threads = [threading.Thread(target=in_a_thread, args=(work,)) for work in works]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert not Response.objects.filter(awaiting_sums=True).exists()  # the tasks counted them
    numbers = tallied_numbers(survey=survey, scope=ResultScope(), filters=ResultFilters())
    assert numbers["n"] == 6
    assert_tallies_match_answers(world, survey)


def _submit_drafts(survey) -> None:
    for response in Response.objects.filter(survey=survey, submitted_at__isnull=True):
        assert answering.response_submit(response=response)


def _survey_with_submissions_awaiting_the_sums(world):
    """Three responses in the sums, two submitted through the service in this test's
    transaction, which never commits: their task never runs."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=3, library=world.library_a, seed=1)
    add_responses(survey, count=2, library=world.library_b, seed=2, submitted=False)
    _submit_drafts(survey)
    return survey


def test_a_submission_awaits_the_sums_and_the_first_reader_counts_it(world):
    survey = _survey_with_submissions_awaiting_the_sums(world)
    awaiting = Response.objects.filter(survey=survey, awaiting_sums=True)
    assert awaiting.count() == 2
    every = {"survey": survey, "scope": ResultScope(), "filters": ResultFilters()}
    assert tallied_numbers(**every)["n"] == 3  # the sums themselves: not yet added to
    token = sums_token(survey)  # what every reader asks first
    assert not awaiting.exists() and tallied_numbers(**every)["n"] == 5
    assert sums_token(survey) == token  # nothing left awaiting: the same state
    assert_tallies_match_answers(world, survey)


@pytest.mark.django_db(transaction=True)
def test_the_task_queued_by_the_commit_counts_the_submission(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=2, library=world.library_b, seed=2, submitted=False)
    _submit_drafts(survey)
    assert not Response.objects.filter(survey=survey, awaiting_sums=True).exists()
    numbers = tallied_numbers(survey=survey, scope=ResultScope(), filters=ResultFilters())
    assert numbers["n"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_cannot_take_the_task_loses_no_count(world, monkeypatch):
    from surveys import tasks

    def broker_down(**kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(tasks.result_tallies_catch_up_task, "apply_async", broker_down)
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=2, library=world.library_b, seed=2, submitted=False)
    _submit_drafts(survey)  # submitted all the same
    assert Response.objects.filter(survey=survey, awaiting_sums=True).count() == 2
    assert cache.get(tasks._catch_up_key(survey.pk, "queued")) is None  # the next one tries again
    assert_tallies_match_answers(world, survey)  # the first reader counts them


@pytest.mark.django_db(transaction=True)
def test_a_bursts_submissions_are_counted_by_one_catch_up(world, monkeypatch):
    """While a catch-up is queued and has not started, the submissions after it queue none: it
    counts them all. One committed after it started queues the next, spaced from it."""
    from surveys import tasks

    queued = []
    monkeypatch.setattr(
        tasks.result_tallies_catch_up_task,
        "apply_async",
        lambda kwargs, countdown: queued.append((kwargs, countdown)),
    )
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=4, library=world.library_b, seed=2, submitted=False)
    drafts = list(Response.objects.filter(survey=survey))
    for response in drafts[:3]:
        assert answering.response_submit(response=response)
    assert queued == [({"survey_id": survey.pk}, 0.0)]  # at once: none started lately
    tasks.result_tallies_catch_up_task.run(**queued[0][0])  # the worker
    assert not Response.objects.filter(survey=survey, awaiting_sums=True).exists()
    numbers = tallied_numbers(survey=survey, scope=ResultScope(), filters=ResultFilters())
    assert numbers["n"] == 3
    assert answering.response_submit(response=drafts[3])
    # One started a moment ago: the next waits till the spacing is over, with those after it.
    kwargs, wait = queued[1]
    assert kwargs == {"survey_id": survey.pk} and 0 < wait <= tasks.CATCH_UP_SPACING_SECONDS


def test_a_rebuild_counts_the_submissions_awaiting_the_sums_once(world):
    survey = _survey_with_submissions_awaiting_the_sums(world)
    result_tallies_rebuild(survey=survey)
    assert not Response.objects.filter(survey=survey, awaiting_sums=True).exists()
    numbers = tallied_numbers(survey=survey, scope=ResultScope(), filters=ResultFilters())
    assert numbers["n"] == 5
    assert_tallies_match_answers(world, survey)


def test_the_purges_snapshot_counts_the_submissions_awaiting_the_sums(world):
    """The snapshot's blocks are formed from the sums: with the two awaiting counted first, the
    groups it keeps are those of all five responses."""
    survey = _survey_with_submissions_awaiting_the_sums(world)
    assert survey_purge_raw_answers(survey=survey)
    data = ResultSnapshot.objects.get(survey=survey).data
    assert data["groups"]["all"]["n"] == 5
    assert data["groups"][f"library:{world.library_b.pk}"]["n"] is None  # 2: under the minimum


def test_the_purge_removes_the_tallies_with_the_answers(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a)
    assert ResultTally.objects.filter(survey=survey).exists()
    assert survey_purge_raw_answers(survey=survey)
    assert not ResultTally.objects.filter(survey=survey).exists()


def _values(answer) -> dict:
    fields = ("question", "statement", "dimension", "number", "choice", "text", "dont_know")
    return {name: getattr(answer, name) for name in fields}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**16),
    replaced=st.sampled_from(["every question", "some", "none"]),
    number=st.sampled_from(["7", "2.5", "12.345", "-0.125", "0"]),
    other=st.booleans(),
)
def test_a_submission_counts_its_answers_as_stored(world, seed, replaced, number, other):
    """The submission reports its answers from what it wrote and what it kept (not read again),
    as the running sums count them (the thank-you page's gaps are of them): those stored,
    numbers as their column rounds them. The sums they are added to after the commit equal a
    full recomputation and the sums counted again from the answers."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=2, library=world.library_a, seed=seed)
    add_responses(survey, count=3, library=world.library_b, seed=seed + 1, submitted=False)
    questions = _structure(survey)
    chosen = {"every question": questions, "some": questions[::2], "none": []}[replaced]
    fixed = {Kind.NUMBER: number, Kind.SINGLE_CHOICE: ("other", "Annet") if other else None}
    rng = random.Random(seed)  # noqa: S311 - test data
    for response in Response.objects.filter(survey=survey, submitted_at__isnull=True):
        answers = [
            _values(answer)
            for question in chosen
            for answer in _answers_for(question, fixed.get(question.kind), rng)
        ]
        counted = answering.response_submit_answers(
            response=response, questions=chosen, answers=answers
        )
        assert Counter(counted) == Counter(answering.response_answers_counted(response=response))
    assert_tallies_match_answers(world, survey)
    columns = ("by_library", "county_id", "library_id", "role", "item", "value", "n")
    columns = (*columns, "dont_know", "number_sum", "number_count")
    submitted = sorted(ResultTally.objects.filter(survey=survey).values_list(*columns))
    result_tallies_rebuild(survey=survey)
    assert submitted == sorted(ResultTally.objects.filter(survey=survey).values_list(*columns))


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    texts=st.lists(
        # Any text a database holds: no NUL, no lone surrogate (not UTF-8).
        st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), max_size=20),
        min_size=1,
        max_size=6,
    ),
    numbers=st.lists(
        st.decimals(min_value=-(10**6), max_value=10**6, places=2) | st.integers(-99, 99),
        min_size=6,
        max_size=6,
    ),
)
def test_the_sums_upsert_writes_any_text_and_number_as_given(world, texts, numbers):
    """The sums' arrays are written as PostgreSQL array literals (not dumped by psycopg): any
    role, item or value key (quotes, backslashes, braces, commas, spaces, "NULL", the empty
    string) and any sum is stored as given, and added to on a conflict."""
    survey = SurveyFactory(programme=world.programme)
    texts = sorted(set(texts))
    cells = [
        (
            (survey.pk, index % 2 == 0, index, 0, text, text, text),
            [index, 1, numbers[index % len(numbers)], 2],
        )
        for index, text in enumerate(texts)
    ]
    columns = ("by_library", "county_id", "library_id", "role", "item", "value")
    columns = (*columns, "n", "dont_know", "number_sum", "number_count")
    expected = sorted((*key[1:], *sums) for key, sums in cells)
    _tallies_upsert(cells)
    assert sorted(ResultTally.objects.filter(survey=survey).values_list(*columns)) == expected
    _tallies_upsert(cells)
    doubled = sorted((*key[1:], *(2 * value for value in sums)) for key, sums in cells)
    assert sorted(ResultTally.objects.filter(survey=survey).values_list(*columns)) == doubled
