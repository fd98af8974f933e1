"""Results selectors: figures computed in the database, suppressed below the minimum group size,
and scoped to what each role may see."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.answering.selectors import answer_structure
from surveys.models import Participation, Response
from surveys.results.selectors import (
    OVERVIEW,
    ResultFilters,
    compute_numbers,
    item_key,
    response_rates,
    result_scope,
    submitted_responses,
    survey_results,
)
from surveys.results.services import result_tallies_changed, result_tallies_rebuild
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db

FIXED = {
    "likert": 4,
    "single": "b",
    "multi": ["x", "z"],
    "matrix": 3,
    "pair": (5, 2),
    "number": 12,
    "short": "Mer om samarbeid",
    "long": '=HYPERLINK("x")',
}


@pytest.fixture
def survey(world):
    return full_survey(programme=world.programme, areas=world.areas)


def _question(results, code):
    return next(q for q in results.questions if q.question.code == code)


def test_distribution_means_and_dont_know(world, survey):
    add_responses(survey, count=4, library=world.library_a, values=FIXED)
    add_responses(survey, count=2, library=world.library_a, values={**FIXED, "likert": "dont_know"})
    results = survey_results(survey=survey, user=world.project_leader)
    assert results.n == 6 and not results.suppressed
    likert = _question(results, "likert").items[0]
    assert likert.n == 6
    assert likert.dont_know == 2
    assert likert.mean == 4.0  # "don't know" is not part of the mean
    assert [(b.value, b.count) for b in likert.bars] == [
        ("1", 0),
        ("2", 0),
        ("3", 0),
        ("4", 4),
        ("5", 0),
    ]
    assert likert.bars[0].label == "Svært lite"
    assert likert.bars[3].percent == 66.7  # of the six respondents, "don't know" included
    assert (likert.dont_know_bar.count, likert.dont_know_bar.percent) == (2, 33.3)
    single = _question(results, "single").items[0]
    assert {b.value: b.count for b in single.bars} == {"a": 0, "b": 6, "c": 0, "other": 0}
    multi = _question(results, "multi").items[0]
    assert {b.value: b.count for b in multi.bars} == {"x": 6, "y": 0, "z": 6}
    assert [b.percent for b in multi.bars] == [100.0, 0.0, 100.0]  # percent of respondents
    matrix = _question(results, "matrix").items
    assert [item.mean for item in matrix] == [3.0, 3.0]
    assert _question(results, "number").items[0].mean == 12.0
    assert _question(results, "short").texts == ["Mer om samarbeid"] * 6


def test_area_gaps_are_ranked(world, survey):
    # Area 0: importance 5, competence 1 (gap 4); area 1: 4/3 (gap 1); area 2: 3/3 (gap 0).
    values = {**FIXED, "pair": {"p0": (5, 1), "p1": (4, 3), "p2": (3, 3)}}
    add_responses(survey, count=5, library=world.library_a, values=values)
    results = survey_results(survey=survey, user=world.project_leader)
    assert [(a.area.code, a.importance, a.competence, a.gap) for a in results.areas] == [
        ("samarbeid", 5.0, 1.0, 4.0),
        ("partnerskap", 4.0, 3.0, 1.0),
        ("politiske-prosesser", 3.0, 3.0, 0.0),
    ]


def test_only_submitted_responses_count(world, survey):
    add_responses(survey, count=5, library=world.library_a, values=FIXED)
    add_responses(survey, count=3, library=world.library_a, values=FIXED, submitted=False)
    assert (
        compute_numbers(submitted_responses(survey, result_scope(world.project_leader, survey)))[
            "n"
        ]
        == 5
    )


def test_below_min_group_size_nothing_is_shown(world, survey):
    add_responses(survey, count=4, library=world.library_a, values=FIXED)
    results = survey_results(survey=survey, user=world.project_leader)
    assert results.suppressed and results.n is None
    assert all(item.suppressed or item.no_answers for q in results.questions for item in q.items)
    assert all(item.n in (None, 0) for q in results.questions for item in q.items)
    assert _question(results, "short").texts == []
    assert _question(results, "short").texts_hidden
    assert results.areas == []


def test_item_below_threshold_is_suppressed_in_a_large_enough_group(world, survey):
    add_responses(survey, count=5, library=world.library_a, values=FIXED)
    # Only 2 respondents answered the number question (e.g. a conditional question).
    from surveys.models import Answer

    Answer.objects.filter(question__code="number").exclude(
        id__in=Answer.objects.filter(question__code="number").order_by("id").values("id")[:2]
    ).delete()
    result_tallies_rebuild(survey=survey)  # the answers changed behind the services' back
    results = survey_results(survey=survey, user=world.project_leader)
    number = _question(results, "number").items[0]
    assert number.suppressed and number.mean is None and number.n is None
    assert _question(results, "likert").items[0].n == 5


def test_filters_by_county_library_and_role(world, survey):
    add_responses(survey, count=5, library=world.library_a, values=FIXED)
    add_responses(survey, count=6, library=world.library_b, values={**FIXED, "likert": 2})
    add_responses(survey, count=5, library=world.library_b, role="library_leader", values=FIXED)
    leader = world.project_leader
    assert survey_results(survey=survey, user=leader).n == 16
    by_county = survey_results(
        survey=survey, user=leader, filters=ResultFilters(county_id=world.county_b.id)
    )
    assert by_county.n == 11
    by_library = survey_results(
        survey=survey, user=leader, filters=ResultFilters(library_id=world.library_a.id)
    )
    assert by_library.n == 5
    by_role = survey_results(
        survey=survey, user=leader, filters=ResultFilters(county_id=world.county_b.id, role="staff")
    )
    assert by_role.n == 6
    assert _question(by_role, "likert").items[0].mean == 2.0


def test_coordinator_sees_only_their_county(world, survey):
    add_responses(survey, count=5, library=world.library_a, values=FIXED)
    add_responses(survey, count=7, library=world.library_b, values={**FIXED, "likert": 1})
    results = survey_results(survey=survey, user=world.coordinator_b)
    assert results.n == 7
    assert _question(results, "likert").items[0].mean == 1.0
    assert [c.id for c in results.counties] == [world.county_b.id]
    assert results.heatmap == []  # the county x area heatmap is the project leader's
    # A filter for another county is ignored, never widening the scope.
    other = survey_results(
        survey=survey, user=world.coordinator_b, filters=ResultFilters(county_id=world.county_a.id)
    )
    assert other.n == 7
    assert {row.county for row in results.response_rates} == {"Hedmark"}


def test_library_leader_sees_their_library_above_threshold_only(world, survey):
    add_responses(survey, count=5, library=world.library_a, values=FIXED)
    add_responses(survey, count=5, library=world.county_library_a, values=FIXED)
    add_responses(survey, count=3, library=world.library_b, values=FIXED)
    results = survey_results(survey=survey, user=world.library_leader_a)
    assert results.n == 5
    assert results.scope.library_ids == {world.library_a.id}
    assert [lib.id for lib in results.libraries] == [world.library_a.id]
    small = survey_results(survey=survey, user=world.library_leader_b)
    assert small.suppressed and small.n is None


def test_staff_see_no_figures(world, survey):
    add_responses(survey, count=5, library=world.library_a, values=FIXED)
    Participation.objects.create(survey=survey, user=world.staff_a, token_hash="x" * 64)
    results = survey_results(survey=survey, user=world.staff_a)
    assert results.scope.sees_nothing
    assert results.suppressed and results.response_rates == []


def test_heatmap_for_project_leader_suppresses_small_cells(world, survey):
    add_responses(survey, count=5, library=world.library_a, values={**FIXED, "pair": (5, 2)})
    add_responses(survey, count=3, library=world.library_b, values=FIXED)
    results = survey_results(survey=survey, user=world.project_leader)
    rows = {row.label: row for row in results.heatmap}
    assert all(cell.suppressed and cell.gap is None for cell in rows["Hedmark"].cells)
    # The programme's figures are shown, so Sør-Trøndelag is hidden with its small neighbour:
    # otherwise the programme minus Sør-Trøndelag would give Hedmark's three.
    assert all(cell.suppressed and cell.gap is None for cell in rows["Sør-Trøndelag"].cells)
    assert all(area.gap is not None for area in results.areas)
    add_responses(survey, count=2, library=world.library_b, values=FIXED)
    results = survey_results(survey=survey, user=world.project_leader)
    rows = {row.label: row for row in results.heatmap}
    assert [cell.gap for cell in rows["Sør-Trøndelag"].cells] == [3.0, 3.0, 3.0]
    assert all(cell.level == "high" for cell in rows["Sør-Trøndelag"].cells)


def test_baseline_comparison_per_area_and_county(world, survey):
    follow_up = full_survey(programme=world.programme, areas=world.areas, baseline=survey)
    add_responses(survey, count=5, library=world.library_a, values={**FIXED, "pair": (5, 1)})
    add_responses(follow_up, count=5, library=world.library_a, values={**FIXED, "pair": (5, 3)})
    results = survey_results(survey=follow_up, user=world.project_leader)
    assert results.baseline == survey
    assert [(a.gap, a.baseline_gap, a.change) for a in results.areas] == [(2.0, 4.0, -2.0)] * 3
    change_row = next(row for row in results.heatmap_changes if row.label == "Sør-Trøndelag")
    assert [cell.gap for cell in change_row.cells] == [-2.0] * 3


def test_response_rate_counts_invited_and_completed(world, survey):
    from portal.tests.factories import UserFactory, grant

    for index in range(4):
        person = UserFactory()
        grant(person, "staff", library=world.library_a)
        Participation.objects.create(
            survey=survey,
            user=person,
            token_hash=f"{index:064d}",
            completed_at=survey.created_at if index < 3 else None,
        )
    add_responses(survey, count=3, library=world.library_a, values=FIXED)
    rows = survey_results(survey=survey, user=world.project_leader).response_rates
    assert [(r.library, r.invited, r.completed, r.submitted, r.rate) for r in rows] == [
        ("Trondheim folkebibliotek", 4, 3, 3, 75.0)
    ]


def test_the_overview_counts_the_responses_per_library_as_the_responses_are(world, survey):
    """The overview takes each library's submitted responses from the disclosure rule's sizes
    (the running sums) and the libraries' names from the filter's choices: for everyone, the
    same rows as read from the responses and participations themselves, including responses
    without a library or county (the open link), of a library outside the programme's counties,
    and drafts (not counted)."""
    from portal.models import RoleAssignment
    from portal.tests.factories import LibraryFactory, UserFactory, grant

    elsewhere = LibraryFactory(name="Bibliotek utenfor")
    for index, (library, completed) in enumerate(
        [
            (world.library_a, True),
            (world.library_a, False),
            (world.library_b, True),
            (elsewhere, True),
        ]
    ):
        person = UserFactory()
        grant(person, RoleAssignment.Role.STAFF, library=library)
        Participation.objects.create(
            survey=survey,
            user=person,
            token_hash=f"{index:064d}",
            completed_at=survey.created_at if completed else None,
        )
    add_responses(survey, count=7, library=world.library_a, values=FIXED)
    add_responses(survey, count=2, library=world.library_a, role="library_leader", seed=1)
    add_responses(survey, count=3, library=world.library_b, seed=2)
    add_responses(survey, count=2, library=world.county_library_b, seed=3)
    add_responses(survey, count=1, library=elsewhere, seed=4)
    add_responses(survey, count=2, role="", seed=5)  # the open link
    add_responses(survey, count=1, county=world.county_a, role="", seed=6)
    add_responses(survey, count=2, library=world.library_b, seed=7, submitted=False)

    def rows(entries):
        return [(r.county, r.library, r.invited, r.completed, r.submitted) for r in entries]

    people = [
        world.project_leader,
        world.coordinator_a,
        world.coordinator_b,
        world.library_leader_a,
        world.staff_a,
    ]
    for person in people:
        shown = survey_results(survey=survey, user=person, part=OVERVIEW)
        read = response_rates(survey=survey, scope=result_scope(person, survey))
        assert rows(shown.response_rates) == rows(read), person
    everything = rows(survey_results(survey=survey, user=world.project_leader).response_rates)
    assert ("Sør-Trøndelag", "Trondheim folkebibliotek", 2, 1, 9) in everything
    assert ("Unknown county", "Unknown library", 0, 0, 2) in everything
    assert sum(row[4] for row in everything) == 18


def test_the_invited_and_completed_kept_are_read_anew_after_each_kind_of_write(world, survey):
    """The overview keeps the participations' counts under the states of the tables they were
    read from: after an invitation, a completion, a person's library changed, a library or a
    county renamed, the rows are those read from the participations now."""
    from portal.models import County, Library, RoleAssignment
    from portal.tests.factories import UserFactory, grant

    add_responses(survey, count=6, library=world.library_a, values=FIXED)
    people = []

    def invite():
        person = UserFactory()
        grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
        people.append(
            Participation.objects.create(
                survey=survey, user=person, token_hash=f"{len(people):064d}"
            )
        )

    def shown_equals_now():
        for person in (world.project_leader, world.coordinator_a):
            shown = survey_results(survey=survey, user=person, part=OVERVIEW).response_rates
            now = response_rates(survey=survey, scope=result_scope(person, survey))
            assert shown == now
        return [(r.library, r.invited, r.completed) for r in shown]

    invite()
    assert shown_equals_now() == [("Trondheim folkebibliotek", 1, 0)]
    invite()
    assert shown_equals_now() == [("Trondheim folkebibliotek", 2, 0)]
    Participation.objects.filter(pk=people[0].pk).update(completed_at=survey.created_at)
    assert shown_equals_now() == [("Trondheim folkebibliotek", 2, 1)]
    RoleAssignment.objects.filter(user=people[1].user).update(library=world.library_b)
    assert shown_equals_now() == [("Trondheim folkebibliotek", 1, 1)]
    Library.objects.filter(pk=world.library_a.pk).update(name="Trondheim bibliotek")
    assert shown_equals_now() == [("Trondheim bibliotek", 1, 1)]
    County.objects.filter(pk=world.county_a.pk).update(name="Trøndelag")
    shown_equals_now()


def _count_queries(survey, user):
    user = type(user).objects.get(pk=user.pk)  # a fresh user: the role scope is read again
    with CaptureQueriesContext(connection) as context:
        survey_results(survey=survey, user=user)
    return len(context)


def test_query_count_does_not_grow_with_responses(world, survey):
    add_responses(survey, count=10, library=world.library_a)
    answer_structure(survey)  # (the questions come from the structure's cache, as on a page)
    # (The invited and completed kept: they change with the participations, not the sums.)
    survey_results(survey=survey, user=world.project_leader)
    result_tallies_changed(survey_id=survey.pk)
    small = _count_queries(survey, world.project_leader)  # cold: the sums have just changed
    small_warm = _count_queries(survey, world.project_leader)  # blocks and figures cached
    add_responses(survey, count=50, library=world.library_b, seed=2)
    assert Response.objects.filter(survey=survey).count() == 60
    assert _count_queries(survey, world.project_leader) == small
    # Warm: the blocks and the figures from the cache (cold: the blocks cost three queries
    # more, the figures three: the sums, the free texts and the token read again).
    assert _count_queries(survey, world.project_leader) == small_warm == small - 6
    assert item_key(1) == "1.0."


def test_statement_without_area_falls_back_to_the_question_area(world):
    from surveys.models import Page
    from surveys.synthetic import add_question, build_survey

    survey = build_survey(programme=world.programme)
    page = Page.objects.create(survey=survey)
    add_question(
        survey,
        page,
        code="pair",
        kind="competence_pair",
        area=world.areas[1],
        statements=[("own", world.areas[0]), ("inherits", None)],
    )
    add_question(survey, page, code="untagged", kind="competence_pair", statements=[("x", None)])
    add_responses(
        survey,
        count=5,
        library=world.library_a,
        values={"pair": {"own": (5, 1), "inherits": (4, 2)}, "untagged": (5, 5)},
    )
    results = survey_results(survey=survey, user=world.project_leader)
    assert [(a.area.code, a.gap) for a in results.areas] == [
        ("samarbeid", 4.0),
        ("partnerskap", 2.0),
    ]


def test_open_link_responses_are_counted_without_invitations(world, survey):
    add_responses(survey, count=5, role="", values=FIXED)
    results = survey_results(survey=survey, user=world.project_leader)
    assert [
        (r.county, r.library, r.invited, r.submitted, r.rate) for r in results.response_rates
    ] == [("Unknown county", "Unknown library", 0, 5, None)]
    open_link = survey_results(
        survey=survey, user=world.project_leader, filters=ResultFilters(role="")
    )
    assert open_link.n == 5
    # A coordinator's county scope never includes responses without a county.
    assert survey_results(survey=survey, user=world.coordinator_a).response_rates == []


def test_a_filter_that_would_reveal_a_small_rest_by_subtraction_is_hidden(world, survey):
    # Hedmark: 6 staff and 2 library leaders. Staff alone is a large enough group, but the
    # county minus its staff is the 2 leaders: showing both would give their answers away.
    add_responses(survey, count=6, library=world.library_b, values=FIXED)
    add_responses(survey, count=2, library=world.library_b, role="library_leader", values=FIXED)
    add_responses(survey, count=5, library=world.library_a, values=FIXED)
    coordinator = world.coordinator_b
    assert survey_results(survey=survey, user=coordinator).n == 8
    staff = survey_results(survey=survey, user=coordinator, filters=ResultFilters(role="staff"))
    assert staff.suppressed and staff.by_difference and staff.n is None
    assert all(item.suppressed or item.no_answers for q in staff.questions for item in q.items)
    # The project leader's scope is larger (13 responses, 11 of them staff): a staff filter
    # still leaves the 2 leaders by subtraction; a filter on Trondheim leaves 8: shown.
    leader = world.project_leader
    assert survey_results(
        survey=survey, user=leader, filters=ResultFilters(role="staff")
    ).by_difference
    library = survey_results(
        survey=survey, user=leader, filters=ResultFilters(library_id=world.library_a.id)
    )
    assert library.n == 5 and not library.by_difference
