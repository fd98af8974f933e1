"""The results pages: who may open them, what they show and a query count that does not grow."""

import pytest
from django.urls import reverse

from surveys.models import Participation, Response, Survey
from surveys.results.services import result_tallies_changed
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db

VALUES = {"likert": 4, "pair": {"p0": (5, 1), "p1": (4, 3), "p2": (3, 3)}, "short": "Kurs i plan"}


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, values=VALUES)
    add_responses(survey, count=5, library=world.library_b, values={**VALUES, "likert": 1})
    return survey


def url(survey, question=None, **query):
    from urllib.parse import urlencode

    if question is None:
        path = reverse("surveys:results", args=[survey.pk])
    else:
        path = reverse("surveys:results_question", args=[survey.pk, _question(survey, question).pk])
    return path + ("?" + urlencode(query) if query else "")


def _question(survey, code):
    return survey.questions.get(code=code)


def test_project_leader_sees_figures_charts_and_heatmap(client_for, world, survey):
    response = client_for(world.project_leader).get(url(survey))
    assert response.status_code == 200
    html = response.content.decode()
    assert "11 submitted responses" in html
    assert 'class="results-bar"' in html and "<caption" in html
    assert "Gap per county and area" in html
    assert "style=" not in html  # the CSP forbids style attributes
    results = response.context["results"]
    assert [a.gap for a in results.areas] == [4.0, 1.0, 0.0]
    assert {row.label for row in results.heatmap} == {"Sør-Trøndelag", "Hedmark"}
    # The questions are listed; each one's figures and free text are on its own page.
    assert [q.code for q in results.question_list] == list(
        survey.questions.order_by("position", "id").values_list("code", flat=True)
    )
    assert "Kurs i plan" not in html
    assert url(survey, "short") in html
    html = client_for(world.project_leader).get(url(survey, "short")).content.decode()
    assert "Kurs i plan" in html  # free text of a large enough group
    assert "11 submitted responses" in html


def test_a_question_page_shows_that_question_with_the_same_filters(client_for, world, survey):
    client = client_for(world.project_leader)
    response = client.get(url(survey, "likert", county=world.county_b.pk))
    assert response.status_code == 200
    likert = response.context["question_result"]
    assert likert.question.code == "likert" and likert.items[0].mean == 1.0
    assert [q.question.code for q in response.context["results"].questions] == ["likert"]
    html = response.content.decode()
    assert "style=" not in html
    assert f"county={world.county_b.pk}" in html  # back to the overview and on, same filters
    assert response.context["next"].code != "likert" and response.context["previous"] is None
    other = full_survey(programme=world.programme, areas=world.areas)
    wrong = reverse("surveys:results_question", args=[survey.pk, _question(other, "likert").pk])
    assert client.get(wrong).status_code == 404
    huge = reverse("surveys:results_question", args=[survey.pk, 10**20])
    assert client.get(huge).status_code == 404


def test_the_overview_does_not_grow_with_the_options(client_for, world, survey):
    """The overview lists questions; their options and statements are on the question pages."""
    html = client_for(world.project_leader).get(url(survey)).content.decode()
    assert (
        'class="results-item"' not in html
        and "results-bar" not in html.split("questions-heading")[1]
    )


def test_coordinator_sees_only_their_county(client_for, world, survey):
    response = client_for(world.coordinator_b).get(url(survey))
    assert response.status_code == 200
    results = response.context["results"]
    assert results.n == 5
    assert not results.heatmap
    likert = client_for(world.coordinator_b).get(url(survey, "likert")).context["question_result"]
    assert likert.items[0].mean == 1.0
    html = response.content.decode()
    assert "Trondheim folkebibliotek" not in html


def test_filters_narrow_and_malformed_filters_are_ignored(client_for, world, survey):
    client = client_for(world.project_leader)
    response = client.get(url(survey, county=world.county_a.pk, role="staff"))
    assert response.context["results"].n == 6
    response = client.get(url(survey, library=world.library_b.pk))
    assert response.context["results"].n == 5
    response = client.get(url(survey, county="x'; drop", library="99999999999999", role="nope"))
    assert response.status_code == 200
    assert response.context["results"].n == 11


def test_small_filtered_group_shows_too_few_answers(client_for, world, survey):
    add_responses(survey, count=2, library=world.library_a, role="library_leader")
    response = client_for(world.project_leader).get(url(survey, role="library_leader"))
    html = response.content.decode()
    assert "Too few answers" in html
    assert response.context["results"].n is None
    html = client_for(world.project_leader).get(url(survey, "short", role="library_leader"))
    assert "Kurs i plan" not in html.content.decode()
    assert "Too few answers" in html.content.decode()


def test_library_leader_sees_their_library(client_for, world, survey):
    response = client_for(world.library_leader_a).get(url(survey))
    assert response.status_code == 200
    assert response.context["results"].n == 6


@pytest.mark.parametrize("person", ["staff_a", "outsider"])
def test_staff_and_outsiders_get_no_results(client_for, world, survey, person):
    Participation.objects.create(survey=survey, user=world.staff_a, token_hash="s" * 64)
    response = client_for(getattr(world, person)).get(url(survey))
    assert response.status_code in (403, 404)
    assert "results" not in (response.context or {})


def test_coordinator_of_another_county_cannot_open_a_county_survey(client_for, world):
    county_survey = full_survey(programme=world.programme, areas=world.areas, county=world.county_a)
    add_responses(county_survey, count=5, library=world.library_a)
    assert client_for(world.coordinator_b).get(url(county_survey)).status_code == 404
    assert client_for(world.coordinator_a).get(url(county_survey)).status_code == 200


def test_malformed_survey_id_is_404(client_for, world):
    assert (
        client_for(world.project_leader).get("/undersokelser/999999/resultater/").status_code == 404
    )


def _fresh(user):
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("person", ["project_leader", "coordinator_a", "library_leader_a"])
def test_results_page_query_count_does_not_grow(client, world, person):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=10, library=world.library_a)
    client.force_login(getattr(world, person))
    client.get(url(survey))  # warm up (session, content types)

    def costs() -> list[int]:
        """Cold: the sums have just changed (as after a submission), the disclosure rule's
        blocks and the figures are formed; warm: both are read from the cache. The overview,
        a filtered overview and a question page, each cold and warm."""
        result_tallies_changed(survey_id=survey.pk)
        counts = []
        for page in (url(survey), url(survey, role="staff"), url(survey, "matrix")):
            for _state in ("cold", "warm"):
                with CaptureQueriesContext(connection) as queries:
                    assert client.get(page).status_code == 200
                counts.append(len(queries))
        return counts

    small = costs()
    add_responses(survey, count=25, library=world.library_a, seed=1)
    add_responses(survey, count=25, library=world.library_b, seed=2)
    assert Response.objects.filter(survey=survey).count() == 60
    assert costs() == small
    shown = {"project_leader": 60}.get(person, 35)  # (the overview's HTML is kept: no context)
    assert f"{shown} submitted responses" in client.get(url(survey)).content.decode()
    overview_cold, overview, filtered_cold, filtered, question_cold, question = small
    # Most are the policy's scope. The disclosure rule's blocks cost one query from the cache
    # (the sums' token), four when they are formed (the token, the questions, the sums, the
    # token again); the figures none from the cache, two when formed (the sums, the token
    # again; a question page three: its free texts too). With a filter the blocks are cached
    # already (they do not depend on it), the figures are the filter's own.
    # A coordinator's overview shows the whole programme's gaps beside their county's: those
    # figures are cached (and formed) too. The overview's count and figures are kept as HTML:
    # formed, they cost seven more than read (the tables' states before and after instead of
    # once, the survey, filter choices, structure and areas read again within, the response
    # rates' kept value checked, the sums' token again).
    assert overview_cold - overview == 3 + 2 + 7 + (2 if person == "coordinator_a" else 0)
    assert filtered_cold - filtered == 2 + 7 and filtered == overview
    assert question_cold - question == 3
    assert question_cold <= 22 and overview_cold <= 22
    # Warm, the overview reads neither the participations nor the responses nor the sums: the
    # kept HTML of the state shown, checked by the states of the tables it was formed from.
    assert overview <= {"project_leader": 7, "coordinator_a": 7, "library_leader_a": 10}[person]


def test_results_list_shows_surveys_with_results(client_for, world, survey):
    Survey.objects.create(programme=world.programme, title={"nb": "Kladd"})
    response = client_for(world.coordinator_a).get(reverse("surveys:results_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Kompetansekartlegging 2011" in html and "Kladd" not in html


def test_my_answers_for_a_confidential_survey(client_for, world):
    survey = full_survey(
        programme=world.programme, areas=world.areas, anonymity=Survey.Anonymity.CONFIDENTIAL
    )
    Participation.objects.create(survey=survey, user=world.staff_a, token_hash="m" * 64)
    add_responses(survey, count=1, library=world.library_a, respondent=world.staff_a, values=VALUES)
    response = client_for(world.staff_a).get(reverse("surveys:my_answers", args=[survey.pk]))
    assert response.status_code == 200
    assert "Kurs i plan" in response.content.decode()
    # Another invited colleague sees none of them.
    Participation.objects.create(survey=survey, user=world.staff_b, token_hash="o" * 64)
    response = client_for(world.staff_b).get(reverse("surveys:my_answers", args=[survey.pk]))
    assert response.status_code == 200
    assert "Kurs i plan" not in response.content.decode()
    assert response.context["answers"] is None


def test_my_answers_for_an_anonymous_survey_explains(client_for, world, survey):
    Participation.objects.create(survey=survey, user=world.staff_a, token_hash="n" * 64)
    response = client_for(world.staff_a).get(reverse("surveys:my_answers", args=[survey.pk]))
    assert response.status_code == 200
    assert "anonymous" in response.content.decode()


def _surveys_of_every_kind(world):
    from surveys.builder.services import survey_invite_users
    from surveys.tests.factories import build_survey, open_survey

    programme_wide = open_survey(build_survey(world), user=world.project_leader)
    county_a = open_survey(build_survey(world, county=world.county_a), user=world.coordinator_a)
    county_b = open_survey(build_survey(world, county=world.county_b), user=world.coordinator_b)
    draft = build_survey(world, county=world.county_a)
    survey_invite_users(survey=programme_wide, users=[world.staff_a])
    return [programme_wide, county_a, county_b, draft]


def test_results_queryset_agrees_with_view_results(world):
    from portal import permissions

    surveys = _surveys_of_every_kind(world)
    for name, person in world.people().items():
        readable = permissions.for_action(person, Survey, "view_results")
        listed = set(readable.filter(pk__in=[s.pk for s in surveys]))
        allowed = {s for s in surveys if permissions.can(person, "view_results", s)}
        assert listed == allowed, name


@pytest.mark.parametrize("extra", [0, 6])
def test_results_list_query_count_does_not_grow(
    world, client_for, django_assert_num_queries, extra
):
    from surveys.tests.factories import build_survey, open_survey

    _surveys_of_every_kind(world)
    for _ in range(extra):
        open_survey(build_survey(world), user=world.project_leader)
    client = client_for(world.library_leader_a)
    client.get(reverse("surveys:results_list"))
    with django_assert_num_queries(3):
        response = client.get(reverse("surveys:results_list"))
    # The programme-wide surveys and county A's survey reach Trondheim; county B's does not.
    assert len(response.context["surveys"]) == 2 + extra
