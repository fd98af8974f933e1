"""Each constraint of the surveys, violated through the builder's or the answering forms."""

from django.urls import reverse

from surveys.builder import services
from surveys.models import Participation

from .factories import build_survey, open_survey


def _builder(world, client_for):
    survey = build_survey(world, county=world.county_a)
    return survey, client_for(world.coordinator_a)


def closes_before_it_opens(world, client_for):
    survey, client = _builder(world, client_for)
    data = {
        "title_nb": "Kompetansebehov",
        "anonymity": "anonymous",
        "min_group_size": "5",
        "retention_days": "730",
        "audience": "programme",
        "max_reminders": "2",
        "languages": ["nb"],
        "opens_at": "2031-05-01T12:00",
        "closes_at": "2031-04-01T12:00",
    }
    return client.post(reverse("surveys:survey_update", args=[survey.pk]), data)


def _question(world, client_for, **data):
    survey, client = _builder(world, client_for)
    page = survey.pages.order_by("position").first()
    url = reverse("surveys:question_create", args=[survey.pk, page.pk])
    data = {"text_nb": "Nytt spørsmål", "scale_min": "1", "scale_max": "5", **data}
    return client.post(url, data, follow=True)


def code_taken(world, client_for):
    survey, client = _builder(world, client_for)
    question = survey.questions.get(code="n1")
    url = reverse("surveys:question_update", args=[survey.pk, question.pk])
    data = {"kind": "number", "text_nb": "Timer", "code": "l1", "scale_min": "1", "scale_max": "5"}
    return client.post(url, data)


def scale_upside_down(world, client_for):
    return _question(world, client_for, kind="likert", scale_min="5", scale_max="3")


def same_option_twice(world, client_for):
    # Options get their stored values by position: the same label twice is no clash.
    return _question(world, client_for, kind="single_choice", options_nb="Ja\nJa")


def same_statement_twice(world, client_for):
    # Statements get their codes by position too.
    return _question(world, client_for, kind="matrix", statements_nb="Samme\nSamme")


def answers_twice(world, client_for):
    survey = build_survey(world, county=world.county_a)
    open_survey(survey)
    services.survey_invite_users(survey=survey, users=[world.staff_a])
    participation = Participation.objects.get(survey=survey, user=world.staff_a)
    url = reverse(
        "surveys:answer_token", args=[services.participation_token(participation=participation)]
    )
    client = client_for(world.staff_a)
    client.post(url, {"action": "start"})
    client.post(url, {"action": "start"})
    assert Participation.objects.filter(survey=survey, user=world.staff_a).count() == 1
    return client.get(reverse("surveys:survey_list"))


def submitted_in_the_same_cells(world, client_for):
    # Responses from the same library and role add to the same running sums (an upsert, never a
    # second row); the results say how many there are.
    from surveys.answering.services import response_submit
    from surveys.models import Response
    from surveys.synthetic import add_responses

    survey = open_survey(build_survey(world, county=world.county_a))
    add_responses(survey, count=5, library=world.library_a, submitted=False)
    for response in Response.objects.filter(survey=survey):
        response_submit(response=response)
    return client_for(world.coordinator_a).get(reverse("surveys:results", args=[survey.pk]))


CASES = {
    "survey_closes_after_opening": (closes_before_it_opens, "must close after it opens"),
    "question_code_unique": (code_taken, "Another question already has this code."),
    "question_scale_order": (scale_upside_down, "scale"),
    "option_value_unique": (same_option_twice, "Nytt spørsmål"),
    "statement_code_unique": (same_statement_twice, "Nytt spørsmål"),
    "participation_unique": (answers_twice, "Competence needs"),
    "result_tally_cell_unique": (submitted_in_the_same_cells, "5 submitted responses"),
}
