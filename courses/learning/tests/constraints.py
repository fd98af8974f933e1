"""Each constraint of the learning arena, violated through the form a person would use."""

from django.urls import reverse

from courses.learning import services
from courses.learning.models import CriterionFeedback, LessonCompletion
from courses.tests.factories import CourseFactory

from .conftest import enrol
from .factories import AssignmentFactory, CriterionFactory, LessonFactory, SubmissionFactory


def _course(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    enrol(world.staff_a, course)
    return course


def lesson_done_twice(world, client_for):
    lesson = LessonFactory(module__course=_course(world))
    client = client_for(world.staff_a)
    url = reverse("learning:lesson_done", args=[lesson.pk])
    client.post(url, {"done": "1"})
    response = client.post(url, {"done": "1"}, follow=True)
    assert LessonCompletion.objects.filter(lesson=lesson).count() == 1
    return response


def hands_in_twice(world, client_for):
    assignment = AssignmentFactory(course=_course(world))
    client = client_for(world.staff_a)
    url = reverse("learning:submission_create", args=[assignment.pk])
    client.post(url, {"text": "Første svar"})
    return client.post(url, {"text": "Andre svar"})


def hands_in_nothing(world, client_for):
    assignment = AssignmentFactory(course=_course(world))
    return client_for(world.staff_a).post(
        reverse("learning:submission_create", args=[assignment.pk]), {"text": "   "}
    )


def grades_a_criterion_twice(world, client_for):
    course = _course(world)
    assignment = AssignmentFactory(course=course)
    criterion = CriterionFactory(assignment=assignment)
    submission = SubmissionFactory(assignment=assignment, user=world.staff_a)
    client = client_for(world.coordinator_a)
    url = reverse("learning:submission_detail", args=[submission.pk])
    data = {"grade": "approved", "feedback": "Fint", f"c{criterion.pk}_grade": "approved"}
    client.post(url, data)
    response = client.post(url, {**data, f"c{criterion.pk}_grade": "revise"}, follow=True)
    assert CriterionFeedback.objects.get(criterion=criterion).passes is False
    assert services.course_grades(course)[0].key == "approved"
    return response


CASES = {
    "lesson_done_once_per_person": (lesson_done_twice, "The lesson is marked as done."),
    "one_submission_per_participant": (hands_in_twice, "You have already handed in an answer"),
    "submission_has_text_or_file": (hands_in_nothing, "Write an answer or attach a file."),
    "criterion_feedback_once": (grades_a_criterion_twice, "Your feedback was saved"),
}
