"""The survey list's counts: for the surveys a person does not run, the invited and answered
inside what they may see, computed for all surveys at once and equal to the per-survey count
the list made before (kept here as the reference)."""

import pytest
from django.urls import reverse

from surveys.answering import services as answering
from surveys.builder import services
from surveys.models import Participation, Survey
from surveys.results.selectors import (
    ResultScope,
    result_scope,
    submitted_responses,
    surveys_counts,
)
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


def reference_counts(survey: Survey, scope: ResultScope) -> tuple[int, int]:
    """The per-survey count the list and the survey's page made before (two queries each)."""
    if scope.sees_nothing:
        return 0, 0
    invited = Participation.objects.filter(survey=survey)
    if scope.county_ids is not None:
        invited = invited.filter(user__roles__library__county_id__in=scope.county_ids)
    if scope.library_ids is not None:
        invited = invited.filter(user__roles__library_id__in=scope.library_ids)
    if not scope.is_whole_survey:
        invited = invited.distinct()
    return invited.count(), submitted_responses(survey, scope).count()


def _answered(survey, people, submit):
    services.survey_invite_users(survey=survey, users=people)
    for participation in Participation.objects.filter(survey=survey, user__in=submit):
        response = answering.response_start(survey=survey, participation=participation)
        answering.response_submit(response=response, participation=participation)
    return survey


@pytest.fixture
def surveys(world):
    """Programme-wide and county surveys, one addressed to chosen libraries, a draft and a
    closed one, with people of both counties (some with roles in both) invited and answering."""
    everyone = [
        world.staff_a,
        world.staff_b,
        world.library_leader_a,
        world.library_leader_b,
        world.coordinator_a,
        world.project_leader,
    ]
    wide = _answered(
        open_survey(build_survey(world)),
        everyone,
        [world.staff_a, world.staff_b, world.project_leader],
    )
    chosen = build_survey(
        world, audience=Survey.Audience.LIBRARIES, audience_libraries=[world.library_a]
    )
    chosen = _answered(open_survey(chosen), everyone, [world.staff_b, world.library_leader_a])
    county_a = _answered(
        open_survey(build_survey(world, county=world.county_a)),
        [world.staff_a, world.library_leader_a, world.coordinator_a],
        [world.staff_a],
    )
    county_b = _answered(
        open_survey(build_survey(world, county=world.county_b, user=world.coordinator_b)),
        [world.staff_b, world.library_leader_b],
        [world.staff_b, world.library_leader_b],
    )
    closed = _answered(open_survey(build_survey(world)), everyone, [world.library_leader_b])
    services.survey_close(survey=closed, user=None)
    draft = build_survey(world)
    return [wide, chosen, county_a, county_b, closed, draft]


@pytest.mark.parametrize(
    "person",
    [
        "project_leader",
        "coordinator_a",
        "coordinator_b",
        "library_leader_a",
        "library_leader_b",
        "staff_a",
        "staff_b",
    ],
)
def test_the_list_counts_as_the_survey_by_survey_count_did(world, client_for, surveys, person):
    user = getattr(world, person)
    rows = client_for(user).get(reverse("surveys:survey_list")).context["rows"]
    assert rows
    for row in rows:
        survey = row["survey"]
        scope = ResultScope() if row["may_build"] else result_scope(user, survey)
        assert (survey.invited, survey.submitted) == reference_counts(survey, scope), (
            person,
            survey.pk,
        )


def test_the_counts_of_many_scopes_at_once_are_each_surveys_own(world, surveys):
    a, b = world.county_a.pk, world.county_b.pk
    scopes = [
        ResultScope(),
        ResultScope(county_ids=frozenset({a})),
        ResultScope(county_ids=frozenset({b})),
        ResultScope(county_ids=frozenset({a, b})),
        ResultScope(county_ids=frozenset({a}), library_ids=frozenset({world.library_a.pk})),
        ResultScope(
            county_ids=frozenset({a, b}),
            library_ids=frozenset({world.library_a.pk, world.library_b.pk}),
        ),
        ResultScope(county_ids=frozenset({b}), library_ids=frozenset({world.library_a.pk})),
        ResultScope(county_ids=frozenset({-1})),
        ResultScope(sees_nothing=True),
    ]
    compared = 0
    for shift in range(len(scopes)):  # every survey under every scope, beside the others
        given = {survey.pk: scopes[(i + shift) % len(scopes)] for i, survey in enumerate(surveys)}
        counted = surveys_counts(scopes=given)
        for survey in surveys:
            assert counted[survey.pk] == reference_counts(survey, given[survey.pk])
            compared += counted[survey.pk] != (0, 0)
    assert compared > len(scopes)  # not only empty counts


def _survey_list_queries(world, client, count, django_assert_num_queries, queries):
    for _i in range(count):
        _answered(
            open_survey(build_survey(world)),
            [world.staff_a, world.staff_b, world.library_leader_a],
            [world.staff_a],
        )
    with django_assert_num_queries(queries):
        page = client.get(reverse("surveys:survey_list"))
    assert sum(not row["may_build"] for row in page.context["rows"]) >= count


@pytest.mark.parametrize("count", [2, 5])
def test_a_coordinators_survey_list_costs_the_same_for_more_surveys(
    world, client_for, django_assert_num_queries, count
):
    """The person and their roles, the surveys, the two counts of those they do not run, the
    programmes they may create in, the surveys they are invited to answer."""
    open_survey(build_survey(world, county=world.county_a))  # one they run
    client = client_for(world.coordinator_a)
    client.get(reverse("surveys:survey_list"))
    _survey_list_queries(world, client, count, django_assert_num_queries, 7)


@pytest.mark.parametrize("count", [1, 3])
def test_a_library_leaders_survey_list_costs_the_same_for_more_surveys(
    world, client_for, django_assert_num_queries, count
):
    """What a library leader sees of each survey (their libraries the audience reaches) is
    decided from the surveys' audiences read with the list (three prefetches), not survey by
    survey: the same queries for one survey of each audience as for three."""
    client = client_for(world.library_leader_a)
    client.get(reverse("surveys:survey_list"))
    people = [world.staff_a, world.library_leader_a]
    for _i in range(count):
        _answered(open_survey(build_survey(world)), people, [world.staff_a])
        _answered(open_survey(build_survey(world, county=world.county_a)), people, [world.staff_a])
        chosen = build_survey(
            world, audience=Survey.Audience.LIBRARIES, audience_libraries=[world.library_a]
        )
        _answered(open_survey(chosen), people, [world.staff_a])
        counties = build_survey(
            world, audience=Survey.Audience.COUNTIES, audience_counties=[world.county_a]
        )
        _answered(open_survey(counties), people, [world.staff_a])
    with django_assert_num_queries(9):
        page = client.get(reverse("surveys:survey_list"))
    counted = [row["survey"] for row in page.context["rows"] if not row["may_build"]]
    assert len(counted) == 4 * count
    assert {(survey.invited, survey.submitted) for survey in counted} == {(2, 1)}
