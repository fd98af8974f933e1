"""The results' figures are cached per state of the running sums, exactly: whatever was read
before, a read gives what a full recomputation over the answers (the figures and the disclosure
rule's blocks counted again from every answer) gives now, for every scope and filter, after
submissions by every path and after the purge; no scope's figures are served to another."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kombu.exceptions import OperationalError

from portal import freshness
from surveys import tasks
from surveys.answering import services as answering
from surveys.models import Question, Response
from surveys.results import selectors
from surveys.results.disclosure import survey_disclosure
from surveys.results.selectors import (
    ResultFilters,
    ResultScope,
    compute_numbers,
    disclose,
    disclosed_numbers,
    selection,
    submitted_responses,
    survey_numbers,
)
from surveys.results.services import survey_purge_raw_answers
from surveys.results.tests.recomputed import recomputed_disclosure
from surveys.results.tests.test_disclosure_sums import (
    add_batch,
    batch_lists,
    places,  # noqa: F401 - a fixture
)
from surveys.results.tests.test_tallies import _groups
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db


def recomputed_figures(survey, scope, filters, question_ids, *, full=None, disclosure=None):
    """What a page asking these questions must show: every figure counted again from the
    answers, cut by the blocks counted again from the answers. (A caller checking several
    question sets of one group and state passes the group's `full` figures and the state's
    `disclosure`, each counted once.)"""
    if full is None:
        full = compute_numbers(submitted_responses(survey, scope, filters))
    if question_ids is not None:
        wanted = {str(question_id) for question_id in question_ids}
        full = {
            **full,
            "items": {
                key: item for key, item in full["items"].items() if key.split(".")[0] in wanted
            },
            "texts": {key: texts for key, texts in full["texts"].items() if key in wanted},
        }
    if disclosure is None:
        disclosure = recomputed_disclosure(survey)
    return disclose(full, disclosure, selection(scope, filters))


def asked(survey):
    """The parts pages ask for: everything (exports, API), the overview, a question page with
    "other" texts and one with free text."""
    questions = Question.objects.filter(survey=survey).order_by("id")
    one_of_each = {question.kind: question.pk for question in questions}
    kinds = (Question.Kind.SINGLE_CHOICE, Question.Kind.LONG_TEXT)
    return [None, (), *((one_of_each[kind],) for kind in kinds)]


def assert_cached_figures_match_a_recomputation(world, survey):
    """Each group read twice (formed, then from the cache) equals the recomputation."""
    disclosure = recomputed_disclosure(survey)
    groups = [
        (scope, filters, compute_numbers(submitted_responses(survey, scope, filters)))
        for scope, filters in _groups(world)
    ]
    for question_ids in asked(survey):
        for scope, filters, full in groups:
            expected = recomputed_figures(
                survey, scope, filters, question_ids, full=full, disclosure=disclosure
            )
            for _read in range(2):
                figures, from_snapshot = survey_numbers(
                    survey=survey, scope=scope, filters=filters, question_ids=question_ids
                )
                assert not from_snapshot
                assert figures == expected, (scope, filters, question_ids)


batches = batch_lists(max_count=3, max_size=4)


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=batches, min_group_size=st.integers(min_value=2, max_value=5))
def test_cached_figures_equal_a_full_recomputation_after_every_batch_and_the_purge(
    world,
    places,  # noqa: F811 - the fixture imported above
    settings,
    batches,
    min_group_size,
):
    settings.SURVEYS_MIN_GROUP_SIZE_FLOOR = 2  # small thresholds: many blocks from few responses
    survey = full_survey(
        programme=world.programme, areas=world.areas, min_group_size=min_group_size
    )
    add_responses(survey, count=3, library=world.library_a, seed=1)
    for place, role, count, seed, path in batches:
        # The figures of the state before are in the cache now; the batch must not read them.
        assert_cached_figures_match_a_recomputation(world, survey)
        library, county = places[place]
        add_batch(
            survey, path=path, library=library, county=county, role=role, count=count, seed=seed
        )
    assert_cached_figures_match_a_recomputation(world, survey)
    disclosure_before = survey_disclosure(survey)
    assert survey_purge_raw_answers(survey=survey)
    survey.refresh_from_db()
    snapshot = survey.result_snapshot.data["groups"]
    assert survey_numbers(survey=survey, scope=ResultScope(), filters=ResultFilters()) == (
        snapshot["all"],
        True,
    )
    # Asked live after the purge (as with a survey object read before it), the figures are
    # those of no answers at all, not those cached for the state before.
    assert disclosure_before.token != survey_disclosure(survey).token
    for scope, filters in _groups(world):
        live = disclosed_numbers(
            survey=survey, scope=scope, filters=filters, disclosure=survey_disclosure(survey)
        )
        assert live == recomputed_figures(survey, scope, filters, None)
        assert live["suppressed"]


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, seed=1)
    add_responses(survey, count=6, library=world.library_b, seed=2)
    return survey


def read(survey, scope=None, filters=None):
    with CaptureQueriesContext(connection) as queries:
        figures, _from_snapshot = survey_numbers(
            survey=survey,
            scope=scope or ResultScope(),
            filters=filters or ResultFilters(),
            question_ids=(),
        )
    return figures, len(queries)


def test_a_second_read_costs_only_the_token(survey):
    first, cold = read(survey)
    second, warm = read(survey)
    assert second == first and first["n"] == 12
    # Cold: the blocks (token, questions, sums, token again), the figures (sums, token again).
    assert (cold, warm) == (6, 1)


def test_one_scope_is_never_served_anothers_figures(world, survey):
    whole, _queries = read(survey)
    county_a, queries = read(survey, ResultScope(county_ids=frozenset({world.county_a.pk})))
    # Its own figures, formed (the token, the sums, the token again).
    assert (whole["n"], county_a["n"], queries) == (12, 6, 3)
    library, queries = read(
        survey,
        ResultScope(
            county_ids=frozenset({world.county_a.pk}),
            library_ids=frozenset({world.library_a.pk}),
        ),
    )
    assert (library["n"], queries) == (6, 3)
    assert read(survey, filters=ResultFilters(county_id=world.county_b.pk))[0]["n"] == 6


def test_figures_read_while_the_sums_change_are_not_cached(world, survey, monkeypatch):
    """A writer commits between the reader's read of the sums and its storing: the reader's
    figures (of the old sums) are not stored, so the next read sees the new sums."""
    read(survey)  # the blocks cached, the figures too
    add_responses(survey, count=1, library=world.library_b, seed=3, submitted=False)
    submitted_meanwhile = Response.objects.get(survey=survey, submitted_at__isnull=True)
    tallied_numbers = selectors.tallied_numbers

    def sums_then_a_submission(**kwargs):
        numbers = tallied_numbers(**kwargs)
        if submitted_meanwhile.submitted_at is None:
            assert answering.response_submit(response=submitted_meanwhile)
            submitted_meanwhile.submitted_at = True
        return numbers

    monkeypatch.setattr(selectors, "tallied_numbers", sums_then_a_submission)
    during, _queries = read(survey, filters=ResultFilters(role="staff"))
    monkeypatch.undo()
    assert during["n"] == 12  # the sums as that read saw them
    after, _queries = read(survey, filters=ResultFilters(role="staff"))
    assert after["n"] == 13


def test_in_a_survey_week_the_pages_show_one_state_as_it_was_with_its_time(
    world, survey, client_for, settings
):
    """After a submission the results pages show the last state computed, as it was and with
    its time (blocks and figures of that one state), for up to the freshness; a filter never
    read, the exports, and any read after the freshness, are the sums as they are now."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    leader = world.project_leader

    def results(fresh_enough=True, **filters):
        return selectors.survey_results(
            survey=survey,
            user=leader,
            filters=ResultFilters(**filters),
            part=selectors.OVERVIEW,
            fresh_enough=fresh_enough,
        )

    def figures(result):
        return result.n, [(a.area.pk, a.gap, a.suppressed) for a in result.areas]

    before = results()
    assert before.as_of is None and before.n == 12
    add_responses(survey, count=6, library=world.library_a, seed=3)

    shown = results()
    assert shown.as_of is not None and figures(shown) == figures(before)
    page = client_for(leader).get(reverse("surveys:results", args=[survey.pk]))
    assert "These figures are as they were at" in page.content.decode()
    now = results(fresh_enough=False)  # the exports
    assert now.as_of is None and now.n == 18
    assert now.n == recomputed_figures(survey, ResultScope(), ResultFilters(), ())["n"]

    never_read = results(county_id=world.county_b.pk)
    assert never_read.as_of is None and never_read.n == 6

    later = timezone.now() + timedelta(seconds=121)
    with mock.patch("surveys.results.disclosure.timezone.now", return_value=later):
        assert results().as_of is None
    assert results().as_of is None  # the state computed anew is the last state now

    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 0  # always as they are now
    add_responses(survey, count=6, library=world.library_b, seed=4)
    assert results().n == 24 and results().as_of is None


def test_in_a_survey_week_the_response_rates_are_of_the_state_the_figures_are_of(
    world, survey, settings
):
    """The overview's response rates go with its figures: as the sums are now when they are,
    and as they were (submitted, invited and completed of that state) when the figures are shown
    as they were; the whole table as read from the responses and participations now once the
    freshness is over, or without it."""
    from portal.models import RoleAssignment
    from portal.tests.factories import UserFactory, grant
    from surveys.models import Participation

    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    leader = world.project_leader

    def invite(index, completed):
        person = UserFactory()
        grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
        Participation.objects.create(
            survey=survey,
            user=person,
            token_hash=f"{index:064d}",
            completed_at=survey.created_at if completed else None,
        )

    def rates(fresh_enough=True):
        result = selectors.survey_results(
            survey=survey, user=leader, part=selectors.OVERVIEW, fresh_enough=fresh_enough
        )
        return result.as_of, [
            (r.library, r.invited, r.completed, r.submitted) for r in result.response_rates
        ]

    def as_they_are_now():
        return [
            (r.library, r.invited, r.completed, r.submitted)
            for r in selectors.response_rates(survey=survey, scope=ResultScope())
        ]

    invite(0, completed=True)
    as_of, before = rates()
    assert as_of is None and before == as_they_are_now()
    invite(1, completed=False)
    add_responses(survey, count=6, library=world.library_a, seed=3)

    as_of, shown = rates()
    assert as_of is not None and shown == before  # that state's, with the figures' time
    as_of, now = rates(fresh_enough=False)
    assert as_of is None and now == as_they_are_now() != before

    later = timezone.now() + timedelta(seconds=121)
    with mock.patch("surveys.results.disclosure.timezone.now", return_value=later):
        assert rates() == (None, as_they_are_now())
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 0
    invite(2, completed=True)
    assert rates() == (None, as_they_are_now())


def test_the_invited_and_completed_kept_are_read_anew_after_each_kind_of_write(world, survey):
    """The invited and completed per library are kept under the states of the tables they were
    read from: after an invitation, a completion, a library renamed and a role moved to
    another library the overview's rates are those read anew, and a read that finds them kept
    asks the states of those tables only."""
    from portal.models import Library, RoleAssignment
    from portal.tests.factories import UserFactory, grant
    from surveys.models import Participation

    person = UserFactory()
    grant(person, RoleAssignment.Role.STAFF, library=world.library_a)

    def shown():
        result = selectors.survey_results(
            survey=survey, user=world.project_leader, part=selectors.OVERVIEW
        )
        return [(r.library, r.invited, r.completed) for r in result.response_rates]

    def as_they_are_now():
        return [
            (r.library, r.invited, r.completed)
            for r in selectors.response_rates(survey=survey, scope=ResultScope())
        ]

    writes = [
        lambda: Participation.objects.create(survey=survey, user=person, token_hash="1" * 64),
        lambda: Participation.objects.filter(user=person).update(completed_at=timezone.now()),
        lambda: Library.objects.filter(pk=world.library_a.pk).update(name="Ny"),
        lambda: RoleAssignment.objects.filter(user=person).update(library=world.library_b),
    ]
    assert shown() == as_they_are_now()
    for write in writes:
        write()
        assert shown() == as_they_are_now()
    asked = selectors._asked(ResultScope(), ResultFilters(), ())
    with CaptureQueriesContext(connection) as queries:
        selectors._participation_rates_kept(survey, ResultScope(), asked)
    states = [q["sql"] for q in queries if "portal_tableversion" in q["sql"]]
    assert len(states) == 1 and "ANY(" in states[0]  # kept: a few tables' states


def test_a_question_read_before_other_states_shows_its_own_last_state_as_it_was(
    world, survey, client_for, settings
):
    """A question's figures are shown as they were when they were last computed, if that was
    within the freshness, even when other pages have computed newer states since: blocks and
    figures of that one state, with its time on the page."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    leader = world.project_leader
    question = Question.objects.filter(survey=survey, kind=Question.Kind.LIKERT).first()

    def question_n():
        result = selectors.survey_results(
            survey=survey, user=leader, part=question.pk, fresh_enough=True
        )
        return result.questions[0].items[0].n, result.as_of

    n_before, as_of = question_n()
    assert n_before and as_of is None
    add_responses(survey, count=6, library=world.library_a, seed=5)
    # The overview, read as the sums are now, makes the newer state the last one formed.
    selectors.survey_results(survey=survey, user=leader, part=selectors.OVERVIEW)
    add_responses(survey, count=6, library=world.library_b, seed=6)

    n, as_of = question_n()
    assert n == n_before and as_of is not None
    url = reverse("surveys:results_question", args=[survey.pk, question.pk])
    assert "These figures are as they were at" in client_for(leader).get(url).content.decode()

    later = timezone.now() + timedelta(seconds=121)
    with mock.patch("surveys.results.selectors.timezone.now", return_value=later):
        # Past the freshness: still as it was, and the task (run at once here) computes it.
        n_shown, as_of = question_n()
        assert n_shown == n_before and as_of is not None
        n_now, as_of = question_n()
    assert n_now > n_before and as_of is None


REFRESH_DELAY = "surveys.tasks.survey_results_refresh_task.delay"


@contextmanager
def past_the_freshness():
    """121 s from now (past a freshness of 120 s), with the results' refresh tasks kept in a
    list instead of queued: yields the list and that time."""
    queued = []
    later = timezone.now() + timedelta(seconds=121)
    with (
        mock.patch("surveys.results.selectors.timezone.now", return_value=later),
        mock.patch(REFRESH_DELAY, side_effect=lambda **kwargs: queued.append(kwargs)),
    ):
        yield queued, later


def test_a_page_whose_state_of_now_another_page_formed_shows_its_own_figures_as_they_were(
    world, survey, settings
):
    """In a survey week the blocks of the state as it is now are often formed by another page
    (another scope, a question, the API). A page whose own figures of that state are not kept
    shows its own last figures as they were, within the freshness, without reading the sums;
    past it, as they were while a worker computes them."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    leader = world.project_leader
    filters = ResultFilters(county_id=world.county_a.pk)

    def shown():
        result = selectors.survey_results(
            survey=survey, user=leader, filters=filters, part=selectors.OVERVIEW, fresh_enough=True
        )
        return result.as_of, result.n

    assert shown()[0] is None
    n_before = shown()[1]
    add_responses(survey, count=6, library=world.library_a, seed=10)
    # Another page (the whole survey's overview) reads the state as it is now: its blocks kept.
    selectors.survey_results(survey=survey, user=leader, part=selectors.OVERVIEW)
    n_now = recomputed_figures(survey, ResultScope(), filters, ())["n"]
    assert n_now > n_before

    with CaptureQueriesContext(connection) as queries:
        as_of, n = shown()
    assert as_of is not None and n == n_before
    assert not any('surveys_resulttally"' in query["sql"] for query in queries)

    with past_the_freshness() as (queued, _later):
        as_of, n = shown()
        assert as_of is not None and n == n_before
        assert len(queued) == 1
        tasks.survey_results_refresh_task(**queued[0])  # the worker
        assert shown() == (None, n_now)


def test_past_the_freshness_a_worker_computes_the_figures_and_no_reader_waits(
    world, survey, client_for, settings
):
    """The first reader of a results page after the freshness is shown the figures as they
    were and queues one task (others within 30 s queue none); the task, run by a worker,
    computes them for that reader's scope, filters and part, and the next reader gets the state
    as it is now. Without a broker, or when no worker took the task within the grace, a reader
    computes them itself."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    leader = world.project_leader
    url = reverse("surveys:results", args=[survey.pk]) + f"?county={world.county_a.pk}"
    as_they_were = "These figures are as they were at"
    filters = ResultFilters(county_id=world.county_a.pk)

    def page():
        return client_for(leader).get(url).content.decode()

    def shown():
        result = selectors.survey_results(
            survey=survey, user=leader, filters=filters, part=selectors.OVERVIEW, fresh_enough=True
        )
        return result.as_of, result.n

    def n_now():
        return recomputed_figures(survey, ResultScope(), filters, ())["n"]

    assert as_they_were not in page()
    n_before = shown()[1]
    add_responses(survey, count=6, library=world.library_a, seed=7)
    with past_the_freshness() as (queued, later):
        assert as_they_were in page()
        assert as_they_were in page()
        as_of, n = shown()
        assert as_of is not None and n == n_before != n_now()
        assert len(queued) == 1
        assert queued[0]["user_id"] == leader.pk and queued[0]["part"] == selectors.OVERVIEW
        assert queued[0]["filters"][:2] == [world.county_a.pk, None]
        tasks.survey_results_refresh_task(**queued[0])  # the worker
        with mock.patch.object(selectors, "_results", wraps=selectors._results) as formed:
            assert as_they_were not in page()
        assert formed.call_count == 0  # the worker formed the overview's HTML too
        assert shown() == (None, n_now())

    add_responses(survey, count=6, library=world.library_a, seed=8)
    # (The first reader's lock lasts 30 s of real time, which the test does not wait for.)
    asked = selectors._asked(ResultScope(), filters, ())
    lock = f"{selectors._last_figures_key(survey, survey.group_size_threshold, asked)}:computing"
    cache.delete(lock)
    no_broker = OperationalError("no broker")
    even_later = later + timedelta(seconds=121)  # the worker computed them at `later`
    with (
        mock.patch("surveys.results.selectors.timezone.now", return_value=even_later),
        mock.patch(REFRESH_DELAY, side_effect=no_broker),
    ):
        assert as_they_were not in page()
        assert shown() == (None, n_now())

    add_responses(survey, count=6, library=world.library_a, seed=9)
    cache.delete(lock)  # (taken by the reader without a broker)
    no_worker = even_later + timedelta(seconds=121) + freshness.REFRESH_GRACE
    with (
        mock.patch("surveys.results.selectors.timezone.now", return_value=no_worker),
        mock.patch(REFRESH_DELAY) as never_run,
    ):
        assert as_they_were not in page()
        assert shown() == (None, n_now())
    never_run.assert_not_called()


def test_the_workers_refresh_marks_the_state_computed_even_when_its_overview_is_kept(
    world, survey, settings
):
    """The overview's HTML of the state now may outlive that state's figures in the cache (two
    entries, each evicted on its own). Past the freshness the reader is shown the state "as it
    was" and queues a refresh; the worker's refresh finds the HTML kept but computes the
    figures again, so the next reader is shown the state as it is now, without the notice."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    leader = world.project_leader

    def as_of():
        return selectors.survey_results_overview(survey=survey, user=leader).as_of

    assert as_of() is None  # the state now: its figures and its HTML kept
    disclosure = survey_disclosure(survey)
    asked = selectors._asked(ResultScope(), ResultFilters(), ())
    cache.delete(selectors._figures_key(survey, disclosure.token, disclosure.threshold, asked))
    with past_the_freshness() as (queued, _later):
        assert as_of() is not None  # shown as it was while a worker computes it
        assert len(queued) == 1 and queued[0]["part"] == selectors.OVERVIEW
        tasks.survey_results_refresh_task(**queued[0])  # the worker
        assert as_of() is None
