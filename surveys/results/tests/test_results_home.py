import pytest

from surveys.results.home_actions import survey_results_actions
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_programme_survey(world):
    return open_survey(build_survey(world), user=world.project_leader)


@pytest.mark.parametrize(
    ("person", "shown"),
    [
        ("project_leader", True),
        ("coordinator_a", True),
        ("library_leader_a", True),
        ("staff_a", False),
        ("outsider", False),
    ],
)
def test_survey_results_home_action(world, open_programme_survey, person, shown):
    user = getattr(world, person)
    actions = survey_results_actions(user=user, programme=world.programme)
    assert bool(actions) is shown
    if shown:
        assert actions[0].url == "/undersokelser/resultater/"


def test_no_results_action_where_there_are_no_results(world):
    """The home page never promises results that nobody can see yet."""
    for person in ("project_leader", "coordinator_a", "library_leader_a"):
        assert survey_results_actions(user=getattr(world, person), programme=world.programme) == []


def test_home_page_links_to_survey_results(client_for, world, open_programme_survey):
    html = client_for(world.coordinator_a).get("/").content.decode()
    assert 'href="/undersokelser/resultater/"' in html
    html = client_for(world.staff_a).get("/").content.decode()
    assert 'href="/undersokelser/resultater/"' not in html


def test_demo_gives_the_demo_survey_responses_to_show(db, client):
    from django.core.management import call_command

    from portal.models import RoleAssignment
    from surveys.models import Response, Survey

    call_command("load_demo", stdout=None)
    survey = Survey.objects.exclude(status=Survey.Status.DRAFT).first()
    submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False).count()
    assert submitted >= 60
    call_command("load_demo")  # loading again adds nothing
    assert Response.objects.filter(survey=survey).count() == submitted
    leader = RoleAssignment.objects.filter(role="project_leader").first().user
    client.force_login(leader)
    response = client.get(f"/undersokelser/{survey.pk}/resultater/")
    results = response.context["results"]
    assert results.n == submitted and results.areas and results.areas[0].gap > 1
