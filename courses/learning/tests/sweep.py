"""The learning arena's pages for the accessibility sweep (tests/sweep.py)."""

from courses.learning.models import Assignment, Lesson, Module, Post, Submission, Thread
from courses.models import Course
from tests.sweep import Page

POST_ONLY = "a form's POST only"
NOT_PAGES = {
    "learning:module_delete": POST_ONLY,
    "learning:module_move": POST_ONLY,
    "learning:lesson_delete": POST_ONLY,
    "learning:lesson_move": POST_ONLY,
    "learning:lesson_done": POST_ONLY,
    "learning:lesson_image_upload": POST_ONLY,
    "learning:thread_create": POST_ONLY,
    "learning:post_create": POST_ONLY,
    "learning:thread_moderate": POST_ONLY,
    "learning:post_moderate": POST_ONLY,
    "learning:submission_create": POST_ONLY,
    "learning:lesson_file": "the lesson's file",
    "learning:lesson_image": "an image file",
    "learning:submission_file": "the answer's file",
    "learning:online_certificate": "a PDF file",
}


def pages(world) -> list[Page]:
    manager, staff = world.project_leader, world.staff_a
    course = Course.objects.get(county=None)
    arena = {"course_pk": course.pk}
    module = Module.objects.filter(course=course).first()
    lesson = Lesson.objects.filter(module=module).first()
    thread = Thread.objects.filter(course=course, is_hidden=False, is_locked=False).first()
    post = Post.objects.filter(thread=thread, author=staff).first()
    assignment = Assignment.objects.filter(course=course).first()
    submission = Submission.objects.filter(assignment=assignment).first()
    return [
        Page("learning:course_arena", manager, arena),
        Page("learning:course_arena", staff, arena, phone=True),
        Page("learning:module_create", manager, arena),
        Page("learning:module_update", manager, {"pk": module.pk}),
        Page("learning:lesson_create", manager, {"module_pk": module.pk}),
        Page("learning:lesson_detail", staff, {"pk": lesson.pk}, phone=True),
        Page("learning:lesson_update", manager, {"pk": lesson.pk}),
        Page("learning:board", staff, arena, phone=True),
        Page("learning:thread_detail", manager, {"pk": thread.pk}),
        Page("learning:thread_detail", staff, {"pk": thread.pk}, phone=True),
        Page("learning:thread_edit", staff, {"pk": thread.pk}),
        Page("learning:post_edit", staff, {"pk": post.pk}),
        Page("learning:assignment_list", staff, arena),
        Page("learning:assignment_create", manager, arena),
        Page("learning:assignment_detail", staff, {"pk": assignment.pk}),
        Page("learning:assignment_detail", manager, {"pk": assignment.pk}),
        Page("learning:assignment_update", manager, {"pk": assignment.pk}),
        Page("learning:submission_detail", manager, {"pk": submission.pk}),
        Page("learning:grade_scale", manager, arena),
        Page("learning:completion", manager, arena),
        Page("learning:my_progress", staff, arena, phone=True),
    ]
