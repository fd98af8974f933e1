"""The learning arena of the shared test world: material (with an image), a board with hidden and
locked threads, assignments with a rubric, grading scales and submissions in the courses of
courses/tests/world.py."""

from courses.models import Course

from .factories import (
    AssignmentFactory,
    CriterionFactory,
    GradeLevelFactory,
    LessonFactory,
    LessonImageFactory,
    ModuleFactory,
    PostFactory,
    SubmissionFactory,
    ThreadFactory,
)


def populate(world) -> None:
    for course in Course.objects.all():
        LessonFactory(module=ModuleFactory(course=course))
        author = world.staff_a if course.county_id != world.county_b.pk else world.staff_b
        thread = ThreadFactory(course=course, author=author)
        PostFactory(thread=thread, author=author)
        PostFactory(thread=thread, author=world.coordinator_a, is_hidden=True)
        ThreadFactory(course=course, author=author, is_hidden=True)
        ThreadFactory(course=course, author=author, is_locked=True)
        assignment = AssignmentFactory(course=course)
        CriterionFactory(assignment=assignment)
        SubmissionFactory(assignment=assignment, user=author)
        LessonImageFactory(course=course)
        GradeLevelFactory(course=course, label="Bestått", passes=True)
