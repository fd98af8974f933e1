"""The access policy of the learning arena (see portal.permissions for the whole model).

- authors and moderators: the course's managers (the coordinator of the course's county, the
  programme's project leader, site admins);
- readers: the course's registered participants and its managers.

Anyone else, including participants of another course, gets 404 for the course's material, board
and assignments. A participant sees only their own submissions; managers see all of the course's.
Hidden threads and replies are seen by moderators only. Only authors edit their own words.

When something may be done (the edit window, a locked thread) is the services' business.
"""

from __future__ import annotations

from django.db.models import Q

from courses.permissions import course_rules
from portal.permissions import Policy, register, rules

from .models import Assignment, Lesson, LessonImage, Module, Post, Submission, Thread

_module = _thread = _assignment = course_rules("course")
_lesson = course_rules("module__course")
_image = course_rules("course")
_post = course_rules("thread__course")
_submission = course_rules("assignment__course")


class _CourseContentPolicy(Policy):
    county_path = "course__county"


@register
class ModulePolicy(_CourseContentPolicy):
    model = Module
    rules = {"view": _module["arena"], "manage": _module["managers"]}


@register
class LessonPolicy(_CourseContentPolicy):
    model = Lesson
    county_path = "module__course__county"
    rules = {
        "view": _lesson["arena"],
        "manage": _lesson["managers"],
        "complete": _lesson["participants"],  # progress is kept for participants
    }


@register
class LessonImagePolicy(_CourseContentPolicy):
    """Images in lessons are seen by whoever may enter the course's arena."""

    model = LessonImage
    rules = {"view": _image["arena"], "manage": _image["managers"]}


_thread_readers = _thread["managers"] | (
    _thread["participants"] & rules.where(Q(is_hidden=False), lambda t: not t.is_hidden)
)


@register
class ThreadPolicy(_CourseContentPolicy):
    model = Thread
    rules = {
        "view": _thread_readers,
        "reply": _thread_readers,
        "edit": rules.person("author") & _thread_readers,
        "moderate": _thread["managers"],
    }


_post_readers = _post["managers"] | (
    _post["participants"]
    & rules.where(
        Q(is_hidden=False, thread__is_hidden=False),
        lambda p: not p.is_hidden and not p.thread.is_hidden,
    )
)


@register
class PostPolicy(_CourseContentPolicy):
    model = Post
    county_path = "thread__course__county"
    rules = {
        "view": _post_readers,
        "edit": rules.person("author") & _post_readers,
        "moderate": _post["managers"],
    }


@register
class AssignmentPolicy(_CourseContentPolicy):
    model = Assignment
    rules = {
        "view": _assignment["arena"],
        "manage": _assignment["managers"],
        "submit": _assignment["participants"],
    }


@register
class SubmissionPolicy(_CourseContentPolicy):
    model = Submission
    county_path = "assignment__course__county"
    rules = {
        "view": _submission["managers"] | (rules.person() & _submission["participants"]),
        "review": _submission["managers"],
    }
