"""The promises a coordinator cannot switch off, personal links that can be ended, and counts on
a survey's page that stay inside what the viewer may see."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from surveys import tasks
from surveys.answering import services as answering
from surveys.builder import services
from surveys.models import Participation, Survey
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


# --- the minimum group size floor -----------------------------------------------------------


def test_the_minimum_group_size_cannot_go_below_the_floor(world):
    with pytest.raises(ValidationError) as refused:
        build_survey(world, min_group_size=1)
    assert "min_group_size" in refused.value.message_dict
    assert "cannot be below 5" in refused.value.message_dict["min_group_size"][0]
    assert build_survey(world, min_group_size=8).group_size_threshold == 8


def test_the_form_says_why_and_keeps_the_input(world, client_for):
    from surveys.builder.tests.test_builder_views import survey_form_data

    response = client_for(world.coordinator_a).post(
        reverse("surveys:survey_create"), survey_form_data(world, min_group_size="2")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "cannot be below 5" in page and "Kompetansebehov Trøndelag" in page
    assert not Survey.objects.exists()


def test_a_survey_stored_below_the_floor_is_held_to_it(world, settings):
    survey = build_survey(world)
    Survey.objects.filter(pk=survey.pk).update(min_group_size=1)  # an old row, an import
    survey.refresh_from_db()
    assert survey.group_size_threshold == 5
    settings.SURVEYS_MIN_GROUP_SIZE_FLOOR = 7
    assert survey.group_size_threshold == 7


def test_an_imported_structure_below_the_floor_is_refused(world):
    from surveys.interchange.portal_json import structure_from_dict

    document = {
        "format": "kompetanseportalen.survey",
        "version": 1,
        "survey": {"title": {"nb": "X"}, "min_group_size": 2},
        "pages": [],
    }
    with pytest.raises(Exception) as refused:
        structure_from_dict(document)
    assert "survey.min_group_size" in str(refused.value)


# --- personal links -------------------------------------------------------------------------


@pytest.fixture
def invited(world, django_capture_on_commit_callbacks):
    survey = open_survey(build_survey(world, county=world.county_a))
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_invite_users(survey=survey, users=[world.staff_a])
    return survey, Participation.objects.get(survey=survey)


def link_in(message) -> str:
    return re.search(r"/undersokelser/svar/[^/\s]+/", message.body).group(0)


def test_the_link_says_whose_it_is_before_anyone_answers(client, invited, world):
    url = link_in(mail.outbox[-1])
    page = client.get(url).content.decode()
    assert world.staff_a.get_full_name() in page
    assert "please do not answer" in page or "ikke svar" in page


def test_a_revoked_link_stops_working_and_gets_no_reminders(client, world, invited):
    survey, participation = invited
    url = link_in(mail.outbox[-1])
    assert client.get(url).status_code == 200
    services.participation_link_revoke(
        survey=survey, participation_id=participation.pk, user=world.coordinator_a
    )
    assert client.get(url).status_code == 404
    participation.refresh_from_db()
    assert participation not in services.participations_to_remind(survey)
    mail.outbox.clear()
    tasks.participation_remind(participation.pk, 1)
    assert not mail.outbox  # a reminder would have carried a working link again


def test_a_reissued_link_replaces_every_earlier_one(
    client, world, invited, django_capture_on_commit_callbacks
):
    survey, participation = invited
    old = link_in(mail.outbox[-1])
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_link_reissue(
            survey=survey, participation_id=participation.pk, user=world.coordinator_a
        )
    new = link_in(mail.outbox[-1])
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_managers_revoke_and_reissue_from_the_links_page(client_for, world, invited):
    survey, participation = invited
    client = client_for(world.coordinator_a)
    url = reverse("surveys:survey_links", args=[survey.pk])
    page = client.get(url).content.decode()
    assert world.staff_a.email in page
    client.post(url, {"participation": participation.pk, "action": "revoke"})
    participation.refresh_from_db()
    assert participation.link_revoked_at is not None
    assert "Revoked" in client.get(url).content.decode() or participation.link_revoked_at
    # Others may not.
    assert client_for(world.staff_a).get(url).status_code in (403, 404)
    assert client_for(world.coordinator_b).get(url).status_code == 404


def test_a_link_expires_with_its_survey(client, world, invited):
    survey, _participation = invited
    url = link_in(mail.outbox[-1])
    services.survey_close(survey=survey, user=None)
    closed = client.get(url)
    assert closed.status_code == 410
    assert world.staff_a.get_full_name() not in closed.content.decode()
    assert client.post(url, {"action": "start"}).status_code == 410
    services.survey_archive(survey=Survey.objects.get(pk=survey.pk), user=None)
    assert client.get(url).status_code == 404


# --- scoped counts --------------------------------------------------------------------------


def test_a_library_leaders_survey_page_counts_their_library_only(client_for, world):
    survey = open_survey(build_survey(world))
    services.survey_invite_users(
        survey=survey, users=[world.staff_a, world.staff_b, world.library_leader_b]
    )
    for participation in Participation.objects.filter(user__in=[world.staff_b]):
        response = answering.response_start(survey=survey, participation=participation)
        answering.response_submit(response=response, participation=participation)
    page = (
        client_for(world.library_leader_a)
        .get(reverse("surveys:survey_detail", args=[survey.pk]))
        .content.decode()
    )
    assert re.search(r"<dd[^>]*>\s*1 / 0\s*</dd>", page)  # staff_a invited, nobody answered
    whole = (
        client_for(world.project_leader)
        .get(reverse("surveys:survey_detail", args=[survey.pk]))
        .content.decode()
    )
    assert re.search(r"<dd[^>]*>\s*3 / 1\s*</dd>", whole)


def test_the_survey_list_counts_a_library_leaders_library_only(client_for, world):
    survey = open_survey(build_survey(world))
    services.survey_invite_users(
        survey=survey, users=[world.staff_a, world.staff_b, world.library_leader_b]
    )
    page = client_for(world.library_leader_a).get(reverse("surveys:survey_list")).content.decode()
    row = page[page.index(survey.localized_title) :].split("</tr>")[0]
    assert re.search(r"<td>1</td>\s*<td>0</td>", row)
