"""Many respondents submitting at the same moment, some twice (PostgreSQL, one thread each):
every answer stored once, none lost, none doubled. The HTTP version with 500 respondents is
`make loadtest-rush`."""

import pytest
from django.db import connection

from courses.tests.test_concurrency import run_at_once
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant
from surveys.answering import services
from surveys.builder.services import survey_invite_users
from surveys.models import Answer, Participation, Question, Response
from surveys.results.disclosure import sums_token
from surveys.results.selectors import ResultFilters, ResultScope, tallied_numbers

from .factories import build_survey, open_survey

RESPONDENTS = 6


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_submissions_stores_every_answer_once(world):
    assert connection.vendor == "postgresql"
    survey = open_survey(build_survey(world))
    people = [UserFactory(email=f"svar{i}@example.no") for i in range(RESPONDENTS)]
    for person in people:
        grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
    survey_invite_users(survey=survey, users=people)
    likert = Question.objects.get(survey=survey, code="l1")
    number = Question.objects.get(survey=survey, code="n1")
    jobs = []
    for index, participation in enumerate(Participation.objects.filter(survey=survey)):
        response = services.response_start(survey=survey, participation=participation)
        answers = [
            {"question": likert, "number": 1 + index % 5},
            {"question": number, "number": 10 + index},
        ]

        def submit(response=response, participation=participation, answers=answers):
            return services.response_submit(
                response=response,
                participation=participation,
                questions=[likert, number],
                answers=answers,
            )

        jobs += [submit, submit]  # everyone clicks twice
    assert run_at_once(jobs) == []
    assert Response.objects.filter(survey=survey, submitted_at__isnull=False).count() == RESPONDENTS
    stored = Answer.objects.filter(response__survey=survey)
    assert stored.count() == 2 * RESPONDENTS
    assert sorted(stored.filter(question=number).values_list("number", flat=True)) == list(
        range(10, 10 + RESPONDENTS)
    )
    assert Participation.objects.filter(survey=survey, completed_at__isnull=False).count() == 6
    sums_token(survey)  # as a results reader does first
    every = {"scope": ResultScope(), "filters": ResultFilters()}
    assert tallied_numbers(survey=survey, **every)["n"] == RESPONDENTS  # each counted once
