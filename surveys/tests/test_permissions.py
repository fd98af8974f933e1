"""The survey access policy, walked both ways for every role."""

import pytest
from django.urls import reverse

from portal import permissions
from portal.permissions import UnknownAction
from surveys.builder.services import survey_invite_users
from surveys.models import Survey
from surveys.permissions import survey_result_county_ids, survey_result_library_ids
from surveys.tests.factories import QuestionFactory, SurveyFactory, open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def surveys(world):
    programme_wide = SurveyFactory(programme=world.programme, county=None)
    county_a = SurveyFactory(programme=world.programme, county=world.county_a)
    county_b = SurveyFactory(programme=world.programme, county=world.county_b)
    for survey in (programme_wide, county_a, county_b):
        QuestionFactory(page__survey=survey)
    return {"programme": programme_wide, "a": county_a, "b": county_b}


def _visible(user):
    return set(permissions.visible(user, Survey).values_list("id", flat=True))


def test_drafts_are_seen_only_by_those_who_build_them(world, surveys):
    everything = {s.pk for s in surveys.values()}
    assert _visible(world.site_admin) == everything
    assert _visible(world.project_leader) == everything
    assert _visible(world.coordinator_a) == {surveys["a"].pk}
    assert _visible(world.coordinator_b) == {surveys["b"].pk}
    for name in ("library_leader_a", "library_leader_b", "staff_a", "staff_b", "outsider"):
        assert _visible(getattr(world, name)) == set(), name


def test_open_surveys_reach_their_audience(world, surveys):
    for survey in surveys.values():
        survey.status = Survey.Status.OPEN
        survey.save()
    # A coordinator sees programme-wide surveys (for their county's results) but not B's.
    assert _visible(world.coordinator_a) == {surveys["a"].pk, surveys["programme"].pk}
    assert _visible(world.library_leader_a) == {surveys["a"].pk, surveys["programme"].pk}
    assert _visible(world.library_leader_b) == {surveys["b"].pk, surveys["programme"].pk}
    assert _visible(world.staff_a) == set()  # staff see what they are invited to
    survey_invite_users(survey=surveys["a"], users=[world.staff_a])
    assert _visible(world.staff_a) == {surveys["a"].pk}
    assert _visible(world.outsider) == set()


def test_actions_by_role(world, surveys):
    a, b, wide = surveys["a"], surveys["b"], surveys["programme"]
    can = permissions.can
    assert can(world.coordinator_a, "change", a) and can(world.coordinator_a, "manage", a)
    assert not can(world.coordinator_a, "change", b)
    assert not can(world.coordinator_a, "manage", wide)
    # A survey's own managers export its raw responses: its county's coordinator too.
    assert can(world.coordinator_a, "export_responses", a)
    assert not can(world.coordinator_a, "export_responses", b)
    assert not can(world.coordinator_a, "export_responses", wide)
    assert can(world.project_leader, "export_responses", a)
    assert can(world.project_leader, "change", b)
    assert not can(world.staff_a, "view", a)
    open_survey(a)
    a.refresh_from_db()
    # Who may change it stays the same; that an open survey's structure is fixed is the
    # service's rule (see test_services), for site admins too.
    assert can(world.coordinator_a, "change", a)
    assert can(world.coordinator_a, "manage", a)
    assert can(world.library_leader_a, "view_results", a)
    assert not can(world.library_leader_b, "view_results", a)
    assert not can(world.staff_a, "answer", a)
    survey_invite_users(survey=a, users=[world.staff_a])
    assert can(world.staff_a, "answer", a)
    assert not can(world.staff_a, "view_results", a)
    assert not can(world.staff_b, "answer", a)
    with pytest.raises(UnknownAction):
        can(world.coordinator_a, "destroy", a)


def test_result_scope_helpers(world, surveys):
    wide = surveys["programme"]
    open_survey(wide)
    wide.refresh_from_db()
    assert survey_result_county_ids(world.project_leader, wide) is None
    assert survey_result_county_ids(world.coordinator_a, wide) == {world.county_a.pk}
    assert survey_result_county_ids(world.coordinator_b, wide) == {world.county_b.pk}
    assert survey_result_library_ids(world.coordinator_a, wide) is None
    assert survey_result_county_ids(world.library_leader_a, wide) == {world.county_a.pk}
    assert survey_result_library_ids(world.library_leader_a, wide) == {world.library_a.pk}
    assert survey_result_county_ids(world.staff_a, wide) == set()
    assert survey_result_county_ids(world.coordinator_a, surveys["b"]) == set()


@pytest.mark.parametrize(
    ("name", "own", "other"),
    [("coordinator_a", "a", "b"), ("coordinator_b", "b", "a")],
)
def test_builder_pages_of_another_county_are_404(world, surveys, client_for, name, own, other):
    client = client_for(getattr(world, name))
    assert client.get(reverse("surveys:survey_detail", args=[surveys[own].pk])).status_code == 200
    for url_name in ("survey_detail", "survey_update", "page_create"):
        url = reverse(f"surveys:{url_name}", args=[surveys[other].pk])
        assert client.get(url).status_code == 404, url_name
        assert client.post(url, {}).status_code == 404, url_name


def test_staff_cannot_open_the_builder(world, surveys, client_for):
    open_survey(surveys["a"])
    survey_invite_users(survey=surveys["a"], users=[world.staff_a])
    client = client_for(world.staff_a)
    assert client.get(reverse("surveys:survey_update", args=[surveys["a"].pk])).status_code in (
        403,
        404,
    )
    assert client.get(reverse("surveys:survey_list")).status_code == 200


def test_admin_uses_the_policy(world, surveys, client_for):
    admin_client = client_for(world.site_admin)
    assert admin_client.get("/admin/surveys/survey/").status_code == 200
    assert admin_client.get(f"/admin/surveys/survey/{surveys['b'].pk}/change/").status_code == 200
    assert admin_client.get("/admin/surveys/question/").status_code == 200
    coordinator = client_for(world.coordinator_a)
    assert coordinator.get("/admin/surveys/survey/").status_code in (302, 403)


@pytest.mark.parametrize(
    "name", ["library_leader_a", "library_leader_b", "staff_a", "staff_b", "outsider"]
)
def test_drafts_are_404_to_everyone_else(world, surveys, client_for, name):
    client = client_for(getattr(world, name))
    for survey in surveys.values():
        for url_name in ("survey_detail", "survey_update", "survey_preview", "page_create"):
            assert client.get(reverse(f"surveys:{url_name}", args=[survey.pk])).status_code == 404


def test_coordinator_reads_but_does_not_run_a_programme_wide_survey(world, surveys, client_for):
    wide = surveys["programme"]
    open_survey(wide)
    client = client_for(world.coordinator_a)
    assert client.get(reverse("surveys:survey_detail", args=[wide.pk])).status_code == 200
    assert client.post(reverse("surveys:survey_close", args=[wide.pk])).status_code == 403
    assert client.get(reverse("surveys:survey_preview", args=[wide.pk])).status_code == 403
    wide.refresh_from_db()
    assert wide.status == Survey.Status.OPEN
