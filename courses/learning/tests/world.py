"""The learning arena of the shared test world: material (with an image), a board with hidden and
locked threads, assignments with a rubric, grading scales and submissions in the courses of
courses/tests/world.py."""

from courses.learning.models import (
    Assignment,
    Lesson,
    LessonImage,
    Module,
    Post,
    Submission,
    Thread,
)
from courses.models import Course
from tests.world import pages

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
    for course in Course.objects.filter(programme=world.programme):
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


PAGES = [
    pages(
        Course,
        "learning:course_arena",
        "learning:module_create",
        "learning:lesson_image_upload",
        "learning:board",
        "learning:thread_create",
        "learning:assignment_list",
        "learning:assignment_create",
        "learning:grade_scale",
        "learning:completion",
        "learning:my_progress",
        "learning:online_certificate",
    ),
    pages(
        Module,
        "learning:module_update",
        "learning:module_delete",
        "learning:module_move",
        "learning:lesson_create",
    ),
    pages(
        Lesson,
        "learning:lesson_detail",
        "learning:lesson_update",
        "learning:lesson_delete",
        "learning:lesson_move",
        "learning:lesson_done",
        "learning:lesson_file",
    ),
    pages(LessonImage, "learning:lesson_image"),
    pages(
        Thread,
        "learning:thread_detail",
        "learning:thread_edit",
        "learning:thread_moderate",
        "learning:post_create",
    ),
    pages(Post, "learning:post_edit", "learning:post_moderate"),
    pages(
        Assignment,
        "learning:assignment_detail",
        "learning:assignment_update",
        "learning:submission_create",
    ),
    pages(Submission, "learning:submission_detail", "learning:submission_file"),
]
