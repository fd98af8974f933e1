"""Survey results through the API: the figures of the results page, under the same disclosure
rule (surveys/results): only the person's counties and libraries, nothing about a group smaller
than the minimum group size nor one revealed by subtraction, never a raw answer or free text."""

import csv
import io
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import Participation, Question
from surveys.results.selectors import ResultFilters, survey_results
from surveys.results.services import result_tallies_changed
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db

VALUES = {"likert": 4, "short": "Hemmelig svar", "long": "Fritekst om skranken", "number": 7}


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, values=VALUES)
    add_responses(survey, count=5, library=world.library_b, values=VALUES)
    return survey


def _results(client, survey, **query):
    return client.get(f"/api/v1/surveys/{survey.pk}/results/", query)


def test_the_project_leader_gets_the_pages_figures_and_never_an_answer(world, api_client, survey):
    response = _results(api_client(world.project_leader), survey)
    assert response.status_code == 200
    body = response.json()
    assert body["n"] == 11 and not body["suppressed"] and body["min_group_size"] == 5
    likert = next(q for q in body["questions"] if q["code"] == "likert")
    bar = next(b for b in likert["items"][0]["bars"] if b["value"] == "4")
    assert bar["count"] == 11 and likert["items"][0]["mean"] == 4
    page = survey_results(survey=survey, user=world.project_leader)
    assert [a["gap"] for a in body["areas"]] == [a.gap for a in page.areas]
    assert {row["county"] for row in body["gap_heatmap"]} == {world.county_a.pk, world.county_b.pk}
    text = response.content.decode()
    assert "Hemmelig svar" not in text and "Fritekst" not in text
    assert '"respondent"' not in text


def test_a_coordinator_gets_their_county_only(world, api_client, survey):
    client = api_client(world.coordinator_b)
    body = _results(client, survey).json()
    assert body["n"] == 5 and body["gap_heatmap"] == []
    assert [r["library"] for r in body["response_rates"]] in ([], [world.library_b.name])
    refused = _results(client, survey, county=world.county_a.pk)
    assert refused.status_code == 400
    assert refused.json()["county"] == ["You see no figures for this county in this survey."]


def test_a_group_below_the_minimum_size_shows_no_figure(world, api_client, survey):
    body = _results(api_client(world.project_leader), survey, role="library_leader").json()
    assert body["suppressed"] and body["n"] is None and body["questions"] == []
    assert all(area["gap"] is None for area in body["areas"])


def test_a_group_revealed_by_subtraction_shows_no_figure(world, api_client):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, values=VALUES)
    add_responses(survey, count=2, library=world.county_library_a, values=VALUES)
    client = api_client(world.project_leader)
    whole = _results(client, survey).json()
    assert whole["n"] == 8
    # Trondheim alone (6) is above the threshold, but the county (8) minus it would be 2.
    body = _results(client, survey, library=world.library_a.pk).json()
    page = survey_results(
        survey=survey,
        user=world.project_leader,
        filters=ResultFilters(library_id=world.library_a.pk),
    )
    assert body["by_difference"] == page.by_difference
    assert body["suppressed"] and body["n"] is None and body["questions"] == []


def test_someone_invited_sees_the_survey_but_not_its_results(world, api_client, survey):
    Participation.objects.create(survey=survey, user=world.staff_a, token_hash=uuid4().hex)
    client = api_client(world.staff_a)
    assert client.get(f"/api/v1/surveys/{survey.pk}/").status_code == 200
    assert _results(client, survey).status_code == 403
    assert _results(api_client(world.outsider), survey).status_code == 404
    assert client.get("/api/v1/surveys/4611686018427387904/results/").status_code == 404


@pytest.mark.parametrize(
    ("query", "parameter"),
    [("county=abc", "county"), ("library=-1", "library"), ("role=janitor", "role")],
)
def test_bad_result_filters_answer_400(world, api_client, survey, query, parameter):
    response = api_client(world.project_leader).get(f"/api/v1/surveys/{survey.pk}/results/?{query}")
    assert response.status_code == 400 and parameter in response.json()


def test_results_cost_the_same_with_few_or_many_responses(world, api_client, survey):
    client = api_client(world.project_leader)
    _results(client, survey)  # the token's first use is recorded
    counts = []
    for more in (0, 40):
        add_responses(survey, count=more, library=world.library_b, values=VALUES, seed=more)
        # Cold (the sums have just changed: the disclosure rule's blocks, the figures and the
        # answer are formed), then warm (the answer kept for that state: the API token, the
        # person's roles, the survey, the filter choices, the sums' token and the states of the
        # tables the answer was formed from).
        result_tallies_changed(survey_id=survey.pk)
        for _state in ("cold", "warm"):
            with CaptureQueriesContext(connection) as queries:
                assert _results(client, survey).status_code == 200
            counts.append(len(queries))
    assert counts[0] == counts[2] and counts[1] == counts[3] == 6


def _csv(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))


def test_the_results_as_csv_have_the_figures_of_the_json_one_a_row(world, api_client, survey):
    labels = ["=cmd|' /C calc'!A0", "Lite", "Middels", "Mye", "Svært mye"]
    Question.objects.filter(survey=survey, code="likert").update(
        scale_labels={language: labels for language in ("nb", "nn", "en")}
    )
    client = api_client(world.project_leader)
    body = _results(client, survey).json()
    rows = _csv(client.get(f"/api/v1/surveys/{survey.pk}/results/", {"format": "csv"}))
    assert rows[0]["section"] == "survey" and rows[0]["value"] == "11"
    likert = [r for r in rows if r["section"] == "question" and r["code"] == "likert"]
    counts = {r["option"]: r["value"] for r in likert if r["measure"] == "count"}
    assert counts["4"] == "11"
    first = next(r for r in likert if r["option"] == "1")
    assert first["option_label"].startswith("'=")  # a spreadsheet shows it, never runs it
    areas = [r for r in rows if r["section"] == "area" and r["measure"] == "gap"]
    assert [float(r["value"]) for r in areas] == [a["gap"] for a in body["areas"]]
    heat = {r["county"] for r in rows if r["section"] == "gap_heatmap"}
    assert heat == {str(world.county_a.pk), str(world.county_b.pk)}
    text = "".join(",".join(r.values()) for r in rows)
    assert "Hemmelig svar" not in text and "Fritekst" not in text


def test_a_suppressed_figure_is_empty_in_the_csv(world, api_client, survey):
    client = api_client(world.project_leader)
    query = {"format": "csv", "role": "library_leader"}
    rows = _csv(client.get(f"/api/v1/surveys/{survey.pk}/results/", query))
    assert rows[0]["section"] == "survey" and rows[0]["suppressed"] == "True"
    assert rows[0]["value"] == ""
    assert not [r for r in rows if r["section"] == "question"]
    assert all(r["value"] == "" for r in rows if r["section"] == "area")


def test_while_responses_come_in_the_results_say_when_their_figures_were(
    world, api_client, survey, settings
):
    """As on the results page: the figures last computed, as they were, for up to the freshness,
    with `as_of`; null when they are as the answers are now."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    client = api_client(world.project_leader)
    first = _results(client, survey).json()
    assert first["n"] == 11 and first["as_of"] is None
    add_responses(survey, count=5, library=world.library_b, values=VALUES)
    shown = _results(client, survey).json()
    assert shown["n"] == 11 and shown["as_of"] is not None
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 0  # always as they are now
    now = _results(client, survey).json()
    assert now["n"] == 16 and now["as_of"] is None
