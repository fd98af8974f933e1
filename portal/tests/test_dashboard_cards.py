"""Each county's card: learning-arena completion (counted in the database) and the model
libraries' milestones on time and late, against figures computed by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from courses.learning.models import LessonCompletion, Submission
from courses.learning.tests.factories import (
    AssignmentFactory,
    LessonFactory,
    ModuleFactory,
    SubmissionFactory,
)
from courses.models import Registration
from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from portal.dashboard import dashboard_overview
from portal.tests.factories import UserFactory
from portal.tests.test_dashboard_timeline import build_timeline

pytestmark = pytest.mark.django_db
Status = Registration.Status


def _material(course, lessons: int, assignments: int = 0):
    module = ModuleFactory(course=course)
    return (
        [LessonFactory(module=module) for _ in range(lessons)],
        [AssignmentFactory(course=course) for _ in range(assignments)],
    )


def _done(person, lessons, assignments=(), status=Submission.Status.APPROVED):
    for lesson in lessons:
        LessonCompletion.objects.create(user=person, lesson=lesson)
    for assignment in assignments:
        SubmissionFactory(assignment=assignment, user=person, status=status)


def build_learning(world) -> None:
    """A programme-wide course with two lessons and an assignment (two gatherings), a county
    course with one lesson, and one without online material.

    Sør-Trøndelag (A): on the wide course P1 (two gatherings, counted once) completed, P2 has
    the assignment waiting for approval, P3 did nothing; on the county course P1 completed.
    That is 2 of 4 (50 %). The course without material does not count.
    Hedmark (B): P4 completed; P5 cancelled (not a participant). That is 1 of 1 (100 %)."""
    wide = CourseFactory(programme=world.programme, county=None)
    lessons, assignments = _material(wide, 2, 1)
    first, second = GatheringFactory(course=wide), GatheringFactory(course=wide)
    county_course = CourseFactory(programme=world.programme, county=world.county_a)
    county_lessons, _none = _material(county_course, 1)
    no_material = CourseFactory(programme=world.programme, county=world.county_a)
    p1, p2, p3, p4, p5 = (UserFactory() for _ in range(5))

    def register(person, gathering, library, status=Status.ATTENDED):
        RegistrationFactory(gathering=gathering, user=person, library=library, status=status)

    register(p1, first, world.library_a)
    register(p1, second, world.library_a, Status.CONFIRMED)
    _done(p1, lessons, assignments)
    register(p2, first, world.library_a)
    _done(p2, lessons, assignments, status=Submission.Status.SUBMITTED)
    register(p3, first, world.library_a)
    register(p1, GatheringFactory(course=county_course), world.library_a)
    _done(p1, county_lessons)
    register(UserFactory(), GatheringFactory(course=no_material), world.library_a)
    register(p4, first, world.library_b)
    _done(p4, lessons, assignments)
    register(p5, second, world.library_b, Status.CANCELLED)
    _done(p5, lessons, assignments)


def _card(overview, county) -> dict:
    card = next(c for c in overview.cards if c.county == county)
    figures = {}
    for figure in card.figures:
        if figure.items:
            figures[figure.label] = {item.label: item.value for item in figure.items}
        else:
            figures[figure.label] = figure.value
    return figures


def test_learning_arena_completion_per_county(world):
    build_learning(world)
    overview = dashboard_overview(programme=world.programme, user=world.project_leader)
    assert _card(overview, world.county_a)["Completed the learning arena"] == "50 % (2 of 4)"
    assert _card(overview, world.county_b)["Completed the learning arena"] == "100 % (1 of 1)"
    mine = dashboard_overview(programme=world.programme, user=world.coordinator_b)
    assert [card.county for card in mine.cards] == [world.county_b]


def test_milestones_on_time_late_and_to_come_per_county(world):
    build_timeline(world)
    overview = dashboard_overview(programme=world.programme, user=world.project_leader)
    assert _card(overview, world.county_a)["Model-library milestones"] == {
        "Done on time": "1",
        "Late": "2",  # one done after its due date, one still open after it
        "Still to come": "1",
    }
    assert _card(overview, world.county_b)["Model-library milestones"] == {
        "Done on time": "0",
        "Late": "1",
        "Still to come": "0",
    }


def test_the_cards_and_their_export_show_the_new_figures(client_for, world):
    build_learning(world)
    build_timeline(world)
    client = client_for(world.coordinator_a)
    html = client.get(reverse("programme_dashboard", args=[world.programme.pk])).content.decode()
    cards = html[html.index('id="county-cards-heading"') : html.index('id="loop-heading"')]
    assert "Completed the learning arena" in cards and "50 % (2 of 4)" in cards
    assert "Model-library milestones" in cards and "Late: <strong>2</strong>" in cards
    export = reverse("dashboard_export", args=[world.programme.pk, "csv"]) + "?tabell=key-figures"
    text = client.get(export).content.decode("utf-8-sig")
    assert "Sør-Trøndelag,Completed the learning arena,50 % (2 of 4)" in text
    assert "Sør-Trøndelag,Model-library milestones: Late,2" in text
    assert "Hedmark" not in text
