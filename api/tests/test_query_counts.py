"""Every list endpoint costs as many queries with many objects as with few (pinned at two sizes),
for someone who sees the whole programme and for a member of staff."""

from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.urls import router
from courses.learning.models import LessonCompletion, Submission
from courses.learning.tests.factories import (
    AssignmentFactory,
    LessonFactory,
    ModuleFactory,
    SubmissionFactory,
)
from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from hospitering.models import BudgetLine, Placement
from hospitering.tests.factories import OfferFactory, application_at
from modelbibliotek.tests.factories import model_library, periods, report_at
from portal.models import FundingSource, RoleAssignment
from portal.tests.factories import LibraryFactory, UserFactory, grant
from surveys.models import Participation
from surveys.synthetic import full_survey

pytestmark = pytest.mark.django_db


def _grow(world, n, report_periods):
    funding, _created = FundingSource.objects.get_or_create(
        programme=world.programme, name="Fylket", defaults={"amount": Decimal("1000")}
    )
    for _ in range(n):
        project = model_library(world, LibraryFactory(county=world.county_a), goals=2)
        report_at(project, report_periods[0], "approved")
        report_at(project, report_periods[1], "submitted")
        course = CourseFactory(programme=world.programme, competence_areas=world.areas[:2])
        gathering = GatheringFactory(course=course)
        lesson = LessonFactory(module=ModuleFactory(course=course))
        assignment = AssignmentFactory(course=course)
        for registrant in (world.staff_a, UserFactory()):
            RegistrationFactory(gathering=gathering, user=registrant, library=world.library_a)
            LessonCompletion.objects.create(user=registrant, lesson=lesson)
            SubmissionFactory(
                assignment=assignment, user=registrant, status=Submission.Status.APPROVED
            )
        survey = full_survey(programme=world.programme, areas=world.areas)
        Participation.objects.create(survey=survey, user=world.staff_a, token_hash=uuid4().hex)
        offer = OfferFactory(
            programme=world.programme,
            host_library=world.library_a,
            competence_areas=world.areas[:1],
            periods=[(30, 10, 2), (60, 10, 2)],
        )
        visitor = UserFactory()
        grant(visitor, RoleAssignment.Role.STAFF, library=world.library_b)
        application = application_at(world, "approved", offer, visitor, world.library_b)
        placement = Placement.objects.get(application=application)
        for kind in (BudgetLine.Kind.TRAVEL, BudgetLine.Kind.PER_DIEM):
            BudgetLine.objects.create(
                placement=placement, kind=kind, planned=Decimal(900), funding_source=funding
            )


def _counts(client, urls, person) -> dict[str, int]:
    counts = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        # The project leader sees some of everything (the others what is theirs).
        assert response.json()["count"] > 0 or person != "project_leader", url
        counts[url] = len(queries)
    return counts


@pytest.mark.parametrize("person", ["project_leader", "staff_a", "library_leader_a"])
def test_lists_do_not_grow_with_the_data(world, api_client, person):
    urls = [f"/api/v1/{prefix}/" for prefix, _viewset, _name in router.registry]
    client = api_client(getattr(world, person))
    client.get("/api/v1/counties/")  # the token's first use is recorded (once a minute)
    report_periods = periods(world.programme, count=2)
    _grow(world, 1, report_periods)
    few = _counts(client, urls, person)
    _grow(world, 4, report_periods)
    assert _counts(client, urls, person) == few


def test_a_surveys_structure_costs_the_same_however_many_questions(world, api_client):
    client = api_client(world.project_leader)
    client.get("/api/v1/counties/")  # the token's first use is recorded (once a minute)
    small = full_survey(programme=world.programme, areas=world.areas[:1])
    large = full_survey(programme=world.programme, areas=world.areas)
    counts = []
    for survey in (small, large):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/surveys/{survey.pk}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    pages = response.json()["pages"]
    assert [q["code"] for q in pages[0]["questions"]][:2] == ["likert", "single"]


def _cost(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("person", ["project_leader", "coordinator_a"])
def test_key_figures_and_completion_do_not_grow_with_the_data(world, api_client, person):
    client = api_client(getattr(world, person))
    client.get("/api/v1/counties/")  # the token's first use is recorded (once a minute)
    report_periods = periods(world.programme, count=2)
    _grow(world, 1, report_periods)
    course = CourseFactory(programme=world.programme, county=world.county_a)
    urls = [
        f"/api/v1/programmes/{world.programme.pk}/key-figures/",
        f"/api/v1/learning/completion/{course.pk}/",
        f"/api/v1/learning/completion/{course.pk}/participants/",
    ]

    def grow_course(n):
        gathering = GatheringFactory(course=course)
        lesson = LessonFactory(module=ModuleFactory(course=course))
        for _ in range(n):
            participant = UserFactory()
            RegistrationFactory(gathering=gathering, user=participant, library=world.library_a)
            LessonCompletion.objects.create(user=participant, lesson=lesson)

    grow_course(1)
    few = [_cost(client, url) for url in urls]
    _grow(world, 4, report_periods)
    grow_course(6)
    assert [_cost(client, url) for url in urls] == few
