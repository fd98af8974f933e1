"""The retention purge: aggregates kept in a snapshot, raw answers deleted, pages still work."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLogEntry
from surveys.models import Answer, Response, Survey
from surveys.results.selectors import ResultFilters, survey_results
from surveys.results.services import surveys_due_for_purge, surveys_purge_expired
from surveys.synthetic import add_responses, full_survey
from surveys.tasks import survey_retention_purge

pytestmark = pytest.mark.django_db

VALUES = {"likert": 4, "pair": {"p0": (5, 1), "p1": (4, 3), "p2": (3, 3)}, "short": "Hemmelig"}


@pytest.fixture
def expired(world):
    now = timezone.now()
    survey = full_survey(
        programme=world.programme,
        areas=world.areas,
        status=Survey.Status.CLOSED,
        opens_at=now - timedelta(days=60),
        closes_at=now - timedelta(days=31),
        retention_days=30,
    )
    add_responses(survey, count=6, library=world.library_a, values=VALUES)
    add_responses(survey, count=5, library=world.library_b, values={**VALUES, "likert": 2})
    add_responses(survey, count=2, library=world.library_b, role="library_leader", values=VALUES)
    return survey


def test_only_surveys_past_their_retention_are_due(world, expired):
    now = timezone.now()
    full_survey(  # closed, but the retention period runs for another day
        programme=world.programme,
        areas=world.areas,
        status=Survey.Status.CLOSED,
        closes_at=now - timedelta(days=29),
        retention_days=30,
    )
    full_survey(programme=world.programme, areas=world.areas)  # open, no close date
    assert surveys_due_for_purge(now) == [expired]


def test_purge_keeps_aggregates_and_deletes_raw_answers(world, expired):
    before = survey_results(survey=expired, user=world.project_leader)
    assert surveys_purge_expired() == 1
    expired.refresh_from_db()
    assert expired.raw_answers_purged_at is not None
    assert not Response.objects.filter(survey=expired).exists()
    assert not Answer.objects.filter(question__survey=expired).exists()
    entry = AuditLogEntry.objects.get(action="surveys.survey.raw_answers_purged")
    assert entry.object_id == str(expired.pk)
    assert entry.data["responses_deleted"] == 13
    # Results now come from the snapshot and match the live figures.
    expired = Survey.objects.select_related("result_snapshot").get(pk=expired.pk)
    after = survey_results(survey=expired, user=world.project_leader)
    assert after.from_snapshot and after.n == before.n == 13
    assert [(a.area.code, a.gap) for a in after.areas] == [
        (a.area.code, a.gap) for a in before.areas
    ]
    likert_before, likert_after = before.questions[0].items[0], after.questions[0].items[0]
    assert likert_after.mean == likert_before.mean
    assert [b.count for b in likert_after.bars] == [b.count for b in likert_before.bars]
    assert after.heatmap and [r.label for r in after.heatmap] == [r.label for r in before.heatmap]
    # Free text is raw data: it is not kept.
    short = next(q for q in after.questions if q.question.code == "short")
    assert short.texts == [] and short.texts_hidden
    assert "Hemmelig" not in str(expired.result_snapshot.data)
    # Running again purges nothing.
    assert survey_retention_purge() == 0


def test_snapshot_keeps_scoped_groups_and_suppression(world, expired):
    surveys_purge_expired()
    expired = Survey.objects.select_related("result_snapshot").get(pk=expired.pk)
    coordinator = survey_results(survey=expired, user=world.coordinator_b)
    assert coordinator.n == 7 and coordinator.from_snapshot
    # Hedmark's 5 staff would be shown, but subtracting them from the county's 7 would reveal
    # the 2 library leaders' answers: the group is hidden.
    staff_only = survey_results(
        survey=expired, user=world.coordinator_b, filters=ResultFilters(role="staff")
    )
    assert staff_only.n is None and staff_only.by_difference
    staff_a = survey_results(
        survey=expired,
        user=world.project_leader,
        filters=ResultFilters(county_id=world.county_a.id, role="staff"),
    )
    assert staff_a.n == 6
    assert staff_a.questions[0].items[0].mean == 4.0
    leaders = survey_results(
        survey=expired, user=world.coordinator_b, filters=ResultFilters(role="library_leader")
    )
    assert leaders.suppressed and leaders.n is None
    library = survey_results(survey=expired, user=world.library_leader_a)
    assert library.n == 6
    # A combination the snapshot did not keep is reported as unavailable, not guessed.
    combined = survey_results(
        survey=expired,
        user=world.project_leader,
        filters=ResultFilters(library_id=world.library_a.id, role="staff"),
    )
    assert combined.unavailable and combined.n is None
    assert {r.library for r in coordinator.response_rates} == {"Hamar folkebibliotek"}


def test_results_page_and_raw_export_after_purge(client_for, world, expired):
    surveys_purge_expired()
    client = client_for(world.project_leader)
    page = client.get(reverse("surveys:results", args=[expired.pk]))
    assert page.status_code == 200
    assert "were deleted" in page.content.decode()
    raw = client.get(reverse("surveys:results_export", args=[expired.pk, "responses-wide.csv"]))
    assert raw.status_code == 410
    aggregated = client.get(reverse("surveys:results_export", args=[expired.pk, "results.csv"]))
    assert aggregated.status_code == 200


def test_follow_up_compares_with_a_purged_baseline(world, expired):
    surveys_purge_expired()
    follow_up = full_survey(programme=world.programme, areas=world.areas, baseline=expired)
    add_responses(follow_up, count=5, library=world.library_a, values={**VALUES, "pair": (5, 4)})
    follow_up = Survey.objects.select_related("baseline__result_snapshot").get(pk=follow_up.pk)
    results = survey_results(survey=follow_up, user=world.project_leader)
    changes = {a.area.code: a.change for a in results.areas}
    assert changes == {"samarbeid": -3.0, "partnerskap": 0.0, "politiske-prosesser": 1.0}


def test_a_library_of_another_county_is_never_read_from_the_snapshot(world, expired):
    surveys_purge_expired()
    expired = Survey.objects.select_related("result_snapshot").get(pk=expired.pk)
    other = survey_results(
        survey=expired,
        user=world.coordinator_b,
        filters=ResultFilters(library_id=world.library_a.id),
    )
    # The filter is dropped: the coordinator sees their own county, never Trondheim's figures.
    assert other.filters.library_id is None
    assert other.n == 7
    from surveys.results.selectors import result_scope, survey_numbers

    numbers, _snapshot = survey_numbers(
        survey=expired,
        scope=result_scope(world.coordinator_b, expired),
        filters=ResultFilters(library_id=world.library_a.id),
    )
    assert numbers is None
