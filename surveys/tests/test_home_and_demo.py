"""Home-page actions and the demo survey."""

import pytest
from django.utils import translation

from portal.home import providers
from portal.tests.pages import home_waiting
from surveys.builder import services
from surveys.home_actions import demo_survey_load, survey_actions
from surveys.models import Question, Survey
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def labels(user, programme):
    return [a.label for a in survey_actions(user=user, programme=programme)]


def test_staff_see_surveys_to_answer_and_managers_see_surveys(world, client_for):
    assert survey_actions in providers
    assert labels(world.staff_a, world.programme) == []
    assert labels(world.coordinator_a, world.programme) == ["Surveys"]
    assert labels(world.project_leader, world.programme) == ["Surveys"]
    assert labels(world.library_leader_a, world.programme) == []
    survey = open_survey(build_survey(world))
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    assert labels(world.staff_a, world.programme) == ["Surveys to answer"]
    home = client_for(world.staff_a).get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert home_waiting(home.content.decode()) == {"Surveys to answer": 1}


def test_demo_survey(world):
    survey = demo_survey_load(programme=world.programme)
    assert survey.status == Survey.Status.OPEN
    pairs = survey.questions.filter(kind=Question.Kind.COMPETENCE_PAIR)
    assert pairs.count() == len(world.areas)
    kinds = set(survey.questions.values_list("kind", flat=True))
    assert {"likert", "single_choice", "multiple_choice", "long_text"} <= kinds
    assert survey.questions.get(kind="multiple_choice").allow_other
    assert survey.participations.filter(user=world.staff_a).exists()
    assert demo_survey_load(programme=world.programme) == survey  # loading twice is harmless
