"""The dashboard's key figures per county through the API: every figure of the county cards (from
whichever panel, under a key that does not change with the language), in the dashboard's scope
(a coordinator their own county, the project leader all), with what the minimum group size holds
back held back here too."""

import csv
import io

import pytest

from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from portal.dashboard import dashboard_overview
from portal.models import User
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db


def _url(world) -> str:
    return f"/api/v1/programmes/{world.programme.pk}/key-figures/"


@pytest.fixture
def activity(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    gathering = GatheringFactory(course=course)
    RegistrationFactory(gathering=gathering, user=world.staff_a, library=world.library_a)
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, values={"likert": 4})
    add_responses(survey, count=2, library=world.library_b, values={"likert": 2})
    return survey


def test_the_project_leader_gets_every_countys_card(world, api_client, activity):
    body = api_client(world.project_leader).get(_url(world)).json()
    assert [c["county"] for c in body] == [world.county_b.pk, world.county_a.pk]  # by number
    cards = dashboard_overview(programme=world.programme, user=world.project_leader).cards
    for county, card in zip(body, cards, strict=True):
        # Every figure the panels put on the card, whichever panel it comes from.
        assert [(f["key"], f["label"], f["value"]) for f in county["figures"]] == [
            (f.key, f.label, f.value) for f in card.figures
        ]
        keys = [f["key"] for f in county["figures"]]
        assert len(keys) == len(set(keys)) and all(keys)
    figures = {f["key"]: f for f in body[1]["figures"]}
    assert figures["people"]["value"] == "4"  # a leader and staff, two at the county library
    assert figures["course-registrations"]["value"] == "1"
    assert figures["attendance-rate"]["share"] is None
    assert figures["learning-arena-completed"]["value"] == "–"  # the course has no material


def test_a_group_below_the_minimum_size_shows_no_figure(world, api_client, activity):
    client = api_client(world.project_leader)

    def largest_gaps():
        body = client.get(_url(world)).json()
        return {
            c["county"]: next(f for f in c["figures"] if f["key"] == "largest-gaps") for c in body
        }

    # Two answered in county B; county A's six would give them away by subtraction.
    for figure in largest_gaps().values():
        assert figure["value"] == "too few answers" and figure["items"] == []
    add_responses(activity, count=3, library=world.library_b, values={"likert": 2})
    gaps = largest_gaps()
    assert all(figure["items"] for figure in gaps.values())
    assert gaps[world.county_a.pk]["items"][0]["key"] == "largest-gaps.1"


def test_the_keys_are_the_same_in_every_language(world, api_client, activity):
    client = api_client(world.project_leader)
    answers = {}
    for language in ("en", "nb"):  # a token's answers are in its owner's language
        User.objects.filter(pk=world.project_leader.pk).update(preferred_language=language)
        answers[language] = client.get(_url(world)).json()
    english, bokmal = answers["en"], answers["nb"]
    assert [f["key"] for f in english[0]["figures"]] == [f["key"] for f in bokmal[0]["figures"]]
    assert [f["label"] for f in english[0]["figures"]] != [f["label"] for f in bokmal[0]["figures"]]


def test_the_dashboards_scope_and_refusals(world, api_client, activity):
    body = api_client(world.coordinator_b).get(_url(world)).json()
    assert [c["county"] for c in body] == [world.county_b.pk]
    assert api_client(world.staff_a).get(_url(world)).status_code == 403
    assert api_client(world.outsider).get(_url(world)).status_code == 404
    missing = api_client(world.project_leader).get("/api/v1/programmes/999999/key-figures/")
    assert missing.status_code == 404


def test_as_csv_one_row_per_figure_and_item(world, api_client, activity):
    add_responses(activity, count=3, library=world.library_b, values={"likert": 2})
    client = api_client(world.project_leader)
    body = client.get(_url(world)).json()
    response = client.get(_url(world), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    expected = sum(1 + len(f["items"]) for c in body for f in c["figures"])
    assert len(rows) == expected
    assert set(rows[0]) == {
        "county",
        "county_number",
        "county_name",
        "key",
        "label",
        "value",
        "share",
    }
    item = next(r for r in rows if r["key"] == "largest-gaps.1")
    assert item["label"].startswith("Largest competence gaps: ")
