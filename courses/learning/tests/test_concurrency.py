"""One answer (and one "done") per participant, also when the same person clicks in many tabs."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from courses.learning import services
from courses.learning.models import LessonCompletion, Submission

from .conftest import enrol
from .factories import AssignmentFactory, LessonFactory


@pytest.mark.django_db(transaction=True)
def test_parallel_hand_ins_make_one_submission(world):
    from courses.tests.factories import CourseFactory

    course = CourseFactory(programme=world.programme, county=world.county_a)
    enrol(world.staff_a, course)
    assignment = AssignmentFactory(course=course)
    lesson = LessonFactory(module__course=course)
    barrier = threading.Barrier(6)
    outcomes = []

    def hand_in(n):
        try:
            barrier.wait()
            services.lesson_mark_done(user=world.staff_a, lesson=lesson)
            services.submission_create(user=world.staff_a, assignment=assignment, text=f"svar {n}")
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=hand_in, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["refused"] * 5
    assert Submission.objects.filter(assignment=assignment).count() == 1
    assert LessonCompletion.objects.filter(lesson=lesson).count() == 1
