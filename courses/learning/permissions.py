"""The access policy of the learning arena (see portal.permissions for the whole model).

- authors and moderators: whoever may manage the course (`permissions.can(user, "manage",
  course)`: the coordinator of the course's county, the programme's project leader, site admins);
- readers: the course's registered participants (`course_is_participant`) and its managers.

Anyone else, including participants of another course, gets 404 for the course's material, board
and assignments. A participant sees only their own submissions; managers see all of the course's.
Hidden threads and replies are seen by moderators only.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from courses.models import Course, Registration
from courses.selectors import course_is_participant
from portal import permissions
from portal.permissions import Policy, Scope, get_scope

from .models import Assignment, Lesson, Module, Post, Submission, Thread


def edit_window() -> timedelta:
    return timedelta(minutes=getattr(settings, "LEARNING_EDIT_WINDOW_MINUTES", 30))


def _managed_q(scope: Scope, prefix: str) -> Q:
    """Courses (reached through `prefix`) this user manages, as a filter.

    Must agree with CoursePolicy's "manage": the programme's leader, or the coordinator of the
    course's county (a programme-wide course has no county, so only its leader).
    """
    return scope.county_q(f"{prefix}programme", f"{prefix}county")


def _participant_q(scope: Scope, prefix: str) -> Q:
    participated = Registration.objects.filter(
        user_id=scope.user.pk, status__in=Registration.PARTICIPANT_STATUSES
    ).values("gathering__course_id")
    return Q(**{f"{prefix}id__in": participated})


def _readable_q(scope: Scope, prefix: str) -> Q:
    return _managed_q(scope, prefix) | _participant_q(scope, prefix)


def _cache(scope: Scope) -> dict:
    # One answer per (question, course) per request: a page asks about many objects of one course.
    cache = getattr(scope, "_learning_answers", None)
    if cache is None:
        cache = scope._learning_answers = {}
    return cache


def manages_course(user, course: Course) -> bool:
    scope = get_scope(user)
    key = ("manage", course.pk)
    cache = _cache(scope)
    if key not in cache:
        cache[key] = permissions.can(user, "manage", course)
    return cache[key]


def participates_in_course(user, course: Course) -> bool:
    scope = get_scope(user)
    if not scope.is_authenticated:
        return False
    key = ("participant", course.pk)
    cache = _cache(scope)
    if key not in cache:
        cache[key] = course_is_participant(user=user, course=course)
    return cache[key]


def reads_course(user, course: Course) -> bool:
    return manages_course(user, course) or participates_in_course(user, course)


def managed_courses(user):
    """Courses whose arena this user authors and moderates (for lists and the admin)."""
    scope = get_scope(user)
    qs = Course.objects.all()
    if scope.is_site_admin:
        return qs
    if not scope.is_authenticated:
        return qs.none()
    return qs.filter(_managed_q(scope, ""))


def arena_courses(user):
    """Courses whose arena this user may enter: as a manager or as a registered participant."""
    scope = get_scope(user)
    qs = Course.objects.all()
    if scope.is_site_admin:
        return qs
    if not scope.is_authenticated:
        return qs.none()
    return qs.filter(_readable_q(scope, ""))


def within_edit_window(created_at) -> bool:
    return timezone.now() <= created_at + edit_window()


class _CourseContentPolicy(Policy):
    """Objects that belong to one course, reached through `course_path`."""

    course_path: str

    def course_of(self, obj) -> Course:
        target = obj
        for part in self.course_path.split("__"):
            target = getattr(target, part)
        return target

    def scoped(self, qs, scope):
        return qs.filter(_readable_q(scope, f"{self.course_path}__"))

    def county_of(self, obj):
        return self.course_of(obj).county


@permissions.register
class ModulePolicy(_CourseContentPolicy):
    model = Module
    actions = frozenset({"view", "manage"})
    course_path = "course"

    def allows(self, scope, action, module):
        course = self.course_of(module)
        if action == "manage":
            return manages_course(scope.user, course)
        return reads_course(scope.user, course)


@permissions.register
class LessonPolicy(_CourseContentPolicy):
    model = Lesson
    actions = frozenset({"view", "manage", "complete"})
    course_path = "module__course"

    def allows(self, scope, action, lesson):
        course = self.course_of(lesson)
        if action == "manage":
            return manages_course(scope.user, course)
        if action == "complete":  # progress is kept for participants
            return participates_in_course(scope.user, course)
        return reads_course(scope.user, course)


@permissions.register
class ThreadPolicy(_CourseContentPolicy):
    model = Thread
    actions = frozenset({"view", "reply", "edit", "moderate"})
    course_path = "course"

    def scoped(self, qs, scope):
        return qs.filter(
            _managed_q(scope, "course__") | (_participant_q(scope, "course__") & Q(is_hidden=False))
        )

    def allows(self, scope, action, thread):
        course = self.course_of(thread)
        if manages_course(scope.user, course):
            # Moderators may do everything but edit someone else's words.
            if action == "edit":
                return thread.author_id == scope.user.pk and within_edit_window(thread.created_at)
            return action != "reply" or not thread.is_locked
        if not participates_in_course(scope.user, course) or thread.is_hidden:
            return False
        if action == "view":
            return True
        if action == "reply":
            return not thread.is_locked
        if action == "edit":
            return (
                thread.author_id == scope.user.pk
                and not thread.is_locked
                and within_edit_window(thread.created_at)
            )
        return False  # moderate


@permissions.register
class PostPolicy(_CourseContentPolicy):
    model = Post
    actions = frozenset({"view", "edit", "moderate"})
    course_path = "thread__course"

    def scoped(self, qs, scope):
        return qs.filter(
            _managed_q(scope, "thread__course__")
            | (
                _participant_q(scope, "thread__course__")
                & Q(is_hidden=False, thread__is_hidden=False)
            )
        )

    def allows(self, scope, action, post):
        course = self.course_of(post)
        manages = manages_course(scope.user, course)
        if action == "moderate":
            return manages
        if not manages and (
            post.is_hidden
            or post.thread.is_hidden
            or not participates_in_course(scope.user, course)
        ):
            return False
        if action == "view":
            return True
        return (  # edit: the author, within the window, while the thread is open
            post.author_id == scope.user.pk
            and not post.thread.is_locked
            and within_edit_window(post.created_at)
        )


@permissions.register
class AssignmentPolicy(_CourseContentPolicy):
    model = Assignment
    actions = frozenset({"view", "manage", "submit"})
    course_path = "course"

    def allows(self, scope, action, assignment):
        course = self.course_of(assignment)
        if action == "manage":
            return manages_course(scope.user, course)
        if action == "submit":
            return participates_in_course(scope.user, course)
        return reads_course(scope.user, course)


@permissions.register
class SubmissionPolicy(_CourseContentPolicy):
    model = Submission
    actions = frozenset({"view", "review"})
    course_path = "assignment__course"

    def scoped(self, qs, scope):
        return qs.filter(
            _managed_q(scope, "assignment__course__")
            | (Q(user_id=scope.user.pk) & _participant_q(scope, "assignment__course__"))
        )

    def allows(self, scope, action, submission):
        course = self.course_of(submission)
        if manages_course(scope.user, course):
            return True
        if action == "review":
            return False
        return submission.user_id == scope.user.pk and participates_in_course(scope.user, course)
