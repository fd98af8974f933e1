import pytest

from portal.permissions import get_scope
from surveys.results_home import survey_results_actions

pytestmark = pytest.mark.django_db


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
def test_survey_results_home_action(world, person, shown):
    user = getattr(world, person)
    actions = survey_results_actions(user=user, programme=world.programme, scope=get_scope(user))
    assert bool(actions) is shown
    if shown:
        assert actions[0].url == "/undersokelser/resultater/"


def test_home_page_links_to_survey_results(client_for, world):
    html = client_for(world.coordinator_a).get("/").content.decode()
    assert 'href="/undersokelser/resultater/"' in html
    html = client_for(world.staff_a).get("/").content.decode()
    assert 'href="/undersokelser/resultater/"' not in html
