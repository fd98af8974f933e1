"""The learning arena of the shared test world: material, a board with hidden and locked threads,
assignments and submissions in the courses of courses/tests/world.py."""

from courses.models import Course

from .factories import (
    AssignmentFactory,
    LessonFactory,
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
        SubmissionFactory(assignment=AssignmentFactory(course=course), user=author)
