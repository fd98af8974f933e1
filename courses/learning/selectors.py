"""Reads of the learning arena: the material of a course, the board, progress and completion."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from courses.models import Course
from courses.selectors import course_participants
from portal import permissions

from .models import Assignment, Lesson, LessonCompletion, Module, Post, Submission, Thread


def _percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def course_modules(*, course: Course) -> list[Module]:
    """The course's modules in order, each with its lessons (two queries)."""
    return list(
        Module.objects.filter(course=course).prefetch_related(
            Prefetch("lessons", queryset=Lesson.objects.order_by("position", "id"))
        )
    )


def lessons_done_ids(*, course: Course, user) -> set[int]:
    return set(
        LessonCompletion.objects.filter(user=user, lesson__module__course=course).values_list(
            "lesson_id", flat=True
        )
    )


def course_progress(*, course: Course, user) -> dict:
    """A participant's progress: lessons done, assignments approved, and one percentage."""
    lessons = Lesson.objects.filter(module__course=course).aggregate(
        total=Count("id", distinct=True),
        done=Count("completions", filter=Q(completions__user=user)),
    )
    assignments = Assignment.objects.filter(course=course).aggregate(
        total=Count("id", distinct=True),
        approved=Count(
            "submissions",
            filter=Q(submissions__user=user, submissions__status=Submission.Status.APPROVED),
        ),
    )
    done = lessons["done"] + assignments["approved"]
    total = lessons["total"] + assignments["total"]
    return {
        "lessons_done": lessons["done"],
        "lessons_total": lessons["total"],
        "assignments_approved": assignments["approved"],
        "assignments_total": assignments["total"],
        "done": done,
        "total": total,
        "percent": _percent(done, total),
    }


@dataclass(frozen=True)
class CompletionRow:
    user: object
    lessons_done: int
    assignments_approved: int
    percent: int


@dataclass(frozen=True)
class CompletionTable:
    lessons_total: int
    assignments_total: int
    rows: list[CompletionRow]


def _count_subquery(qs: QuerySet) -> Subquery:
    return Coalesce(
        Subquery(
            qs.order_by().values("user_id").annotate(n=Count("id")).values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def course_completion_table(*, course: Course) -> CompletionTable:
    """One row per participant; three queries however many participants and lessons there are."""
    lessons_total = Lesson.objects.filter(module__course=course).count()
    assignments_total = Assignment.objects.filter(course=course).count()
    participants = (
        course_participants(course=course)
        .annotate(
            lessons_done=_count_subquery(
                LessonCompletion.objects.filter(user=OuterRef("pk"), lesson__module__course=course)
            ),
            assignments_approved=_count_subquery(
                Submission.objects.filter(
                    user=OuterRef("pk"),
                    assignment__course=course,
                    status=Submission.Status.APPROVED,
                )
            ),
        )
        .order_by("full_name", "email")
    )
    total = lessons_total + assignments_total
    rows = [
        CompletionRow(
            user=person,
            lessons_done=person.lessons_done,
            assignments_approved=person.assignments_approved,
            percent=_percent(person.lessons_done + person.assignments_approved, total),
        )
        for person in participants
    ]
    return CompletionTable(
        lessons_total=lessons_total, assignments_total=assignments_total, rows=rows
    )


def course_threads(*, course: Course, user) -> QuerySet[Thread]:
    """The board's threads this user may see, newest first, with the replies they may see."""
    visible_posts = permissions.visible(user, Post).filter(thread=OuterRef("pk"))
    return (
        permissions.visible(user, Thread)
        .filter(course=course)
        .select_related("author")
        .annotate(
            reply_count=Coalesce(
                Subquery(
                    visible_posts.order_by()
                    .values("thread_id")
                    .annotate(n=Count("id"))
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
        )
        .order_by("-created_at", "-id")
    )


def thread_posts(*, thread: Thread, user) -> QuerySet[Post]:
    return (
        permissions.visible(user, Post)
        .filter(thread=thread)
        .select_related("author")
        .order_by("created_at", "id")
    )


def course_assignments(*, course: Course, user) -> list[Assignment]:
    """The course's assignments; each carries `my_submission` (this user's, or None)."""
    assignments = list(
        Assignment.objects.filter(course=course)
        .select_related("module")
        .annotate(
            submission_count=Count("submissions", distinct=True),
            waiting_count=Count(
                "submissions",
                filter=Q(submissions__status=Submission.Status.SUBMITTED),
                distinct=True,
            ),
        )
    )
    mine = {
        s.assignment_id: s for s in Submission.objects.filter(user=user, assignment__course=course)
    }
    for assignment in assignments:
        assignment.my_submission = mine.get(assignment.pk)
    return assignments


def assignment_submissions(*, assignment: Assignment, user) -> QuerySet[Submission]:
    return (
        permissions.visible(user, Submission)
        .filter(assignment=assignment)
        .select_related("user", "feedback_by")
        .order_by("user__full_name", "user__email")
    )
