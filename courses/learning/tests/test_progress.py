"""Progress of a participant and the course's completion table (fixed number of queries)."""

import pytest
from django.urls import reverse

from courses.learning import services
from courses.learning.selectors import course_completion_table, course_progress
from portal.tests.factories import UserFactory

from .conftest import enrol
from .factories import AssignmentFactory, LessonFactory, SubmissionFactory

pytestmark = pytest.mark.django_db


def _material(course, lessons=3, assignments=1):
    lesson_list = [LessonFactory(module__course=course) for _ in range(lessons)]
    assignment_list = [AssignmentFactory(course=course) for _ in range(assignments)]
    return lesson_list, assignment_list


def test_course_progress_counts_lessons_and_approved_assignments(world, arena):
    lessons, assignments = _material(arena.course_a)
    services.lesson_mark_done(user=world.staff_a, lesson=lessons[0])
    # Someone else's completion and another course's lessons do not count.
    enrol(world.library_leader_a, arena.course_a)
    services.lesson_mark_done(user=world.library_leader_a, lesson=lessons[1])
    LessonFactory(module__course=arena.course_b)
    SubmissionFactory(assignment=assignments[0], user=world.staff_a, status="approved")
    assert course_progress(course=arena.course_a, user=world.staff_a) == {
        "lessons_done": 1,
        "lessons_total": 3,
        "assignments_approved": 1,
        "assignments_total": 1,
        "done": 2,
        "total": 4,
        "percent": 50,
    }


def test_empty_course_is_zero_percent(world, arena):
    assert course_progress(course=arena.course_b, user=world.staff_b)["percent"] == 0


def _participants(course, lessons, assignment, n):
    people = []
    for i in range(n):
        person = UserFactory()
        enrol(person, course)
        for lesson in lessons[: i % (len(lessons) + 1)]:
            services.lesson_mark_done(user=person, lesson=lesson)
        if i % 2:
            SubmissionFactory(assignment=assignment, user=person, status="approved")
        people.append(person)
    return people


def test_completion_table_rows(world, arena):
    lessons, (assignment,) = _material(arena.course_a)
    services.lesson_mark_done(user=world.staff_a, lesson=lessons[0])
    services.lesson_mark_done(user=world.staff_a, lesson=lessons[1])
    SubmissionFactory(assignment=assignment, user=world.staff_a, status="revise")
    table = course_completion_table(course=arena.course_a)
    assert table.lessons_total == 3 and table.assignments_total == 1
    assert [(r.user, r.lessons_done, r.assignments_approved, r.percent) for r in table.rows] == [
        (world.staff_a, 2, 0, 50)
    ]  # the person on the waiting list is not a participant


@pytest.mark.parametrize("n", [3, 20])
def test_completion_table_uses_the_same_queries_for_3_and_20(
    world, arena, n, django_assert_num_queries
):
    lessons, (assignment,) = _material(arena.course_a)
    _participants(arena.course_a, lessons, assignment, n)
    with django_assert_num_queries(3):
        table = course_completion_table(course=arena.course_a)
    assert len(table.rows) == n + 1


@pytest.mark.parametrize("n", [3, 20])
def test_completion_page_queries_do_not_grow(world, arena, n, signed_in, django_assert_num_queries):
    lessons, (assignment,) = _material(arena.course_a)
    _participants(arena.course_a, lessons, assignment, n)
    client = signed_in(world.coordinator_a)
    url = reverse("learning:completion", args=[arena.course_a.pk])
    client.get(url)  # warm up the session
    with django_assert_num_queries(QUERIES_COMPLETION_PAGE):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row">') == n + 1


QUERIES_COMPLETION_PAGE = 7  # user, roles (with counties), course, policy answers, table (3)


def test_new_arena_lists_do_not_grow(world, arena, signed_in):
    """My progress, the assignment with its answers, the graded answer with its rubric and the
    online completion figures: as many queries with 12 lessons, criteria and answers as with 2."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses.learning.selectors import online_completer_counts, online_completers
    from courses.tests.factories import CourseFactory

    from .factories import CriterionFactory, ModuleFactory

    course = arena.course_a
    module = ModuleFactory(course=course)
    assignment = AssignmentFactory(course=course)
    mine = SubmissionFactory(assignment=assignment, user=world.staff_a)
    courses = [course]

    def grow(n, start):
        for i in range(start, start + n):
            LessonFactory(module=module)
            CriterionFactory(assignment=assignment)
            person = UserFactory(email=f"framdrift{i}@example.no")
            enrol(person, course)
            SubmissionFactory(assignment=assignment, user=person)
            courses.append(CourseFactory(programme=world.programme))
        services.submission_review(
            user=world.coordinator_a,
            submission=mine,
            grade="approved",
            feedback="Ok",
            criteria={c.pk: ("approved", "Bra") for c in assignment.criteria.all()},
        )

    def measure():
        counts = []
        for user, url in (
            (world.staff_a, reverse("learning:my_progress", args=[course.pk])),
            (world.staff_a, reverse("learning:submission_detail", args=[mine.pk])),
            (world.coordinator_a, reverse("learning:submission_detail", args=[mine.pk])),
            (world.coordinator_a, reverse("learning:assignment_detail", args=[assignment.pk])),
        ):
            client = signed_in(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        with CaptureQueriesContext(connection) as queries:
            online_completers(course_ids=[c.pk for c in courses])
        with CaptureQueriesContext(connection) as counted:
            online_completer_counts(course_ids=[c.pk for c in courses])
        return [*counts, len(queries), len(counted)]

    grow(2, 0)
    small = measure()
    grow(10, 100)
    assert measure() == small
