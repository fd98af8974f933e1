"""Reads of the learning arena: the material of a course, the board, progress and completion."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.models import Course, Registration
from courses.selectors import course_participants
from portal import permissions
from portal.expressions import count_of

from .models import (
    Assignment,
    Criterion,
    CriterionFeedback,
    Lesson,
    LessonCompletion,
    Module,
    Post,
    Submission,
    Thread,
)


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


def online_part_completed_on(*, course: Course, user) -> date | None:
    """The day this participant completed the course's online part (every lesson done, every
    assignment approved), or None if they have not (or the course has no online material)."""
    progress = course_progress(course=course, user=user)
    if not progress["total"] or progress["done"] < progress["total"]:
        return None
    last_lesson = LessonCompletion.objects.filter(
        user=user, lesson__module__course=course
    ).aggregate(last=Max("done_at"))["last"]
    last_approval = Submission.objects.filter(
        user=user, assignment__course=course, status=Submission.Status.APPROVED
    ).aggregate(last=Max("feedback_at"))["last"]
    last = max(moment for moment in (last_lesson, last_approval) if moment is not None)
    return timezone.localdate(last)


def _online_material(course) -> Q:
    """The course (an expression of its id) has online material: a lesson or an assignment."""
    return Q(Exists(Lesson.objects.filter(module__course_id=course))) | Q(
        Exists(Assignment.objects.filter(course_id=course))
    )


def _online_part_completed(course, user) -> Q:
    """The person (an expression of their id) left no lesson of the course undone and no
    assignment of it unapproved. Asked as "nothing left" rather than by comparing counts, each
    lesson and assignment is one lookup in the unique (lesson, person) and (assignment, person)
    indexes, and a person stops at the first thing left: at a region's size (10,000
    registrations) a tenth to a twentieth of the time that counting each person's lessons done
    per registration took (docs/performance.md, part 22)."""
    lessons_left = Lesson.objects.filter(module__course_id=course).exclude(
        Exists(LessonCompletion.objects.filter(lesson_id=OuterRef("pk"), user_id=OuterRef(user)))
    )
    assignments_left = Assignment.objects.filter(course_id=course).exclude(
        Exists(
            Submission.objects.filter(
                assignment_id=OuterRef("pk"),
                user_id=OuterRef(user),
                status=Submission.Status.APPROVED,
            )
        )
    )
    return ~Q(Exists(lessons_left)) & ~Q(Exists(assignments_left))


def online_completions(*, course_ids: Iterable[int]) -> QuerySet:
    """The participants who completed a course's online part (every lesson done and every
    assignment approved; a course without online material has none), as a queryset of
    registrations, decided in the database: a person and course may appear more than once
    (one row per gathering they take part in), so count distinct `user_id`."""
    course = OuterRef("gathering__course_id")
    return Registration.objects.filter(
        _online_material(course),
        _online_part_completed(course, OuterRef("user_id")),
        gathering__course_id__in=list(course_ids),
        status__in=Registration.PARTICIPANT_STATUSES,
    )


def online_completers(*, course_ids: Iterable[int]) -> dict[int, set[int]]:
    """Per course, the people who completed its online part (see `online_completions`)."""
    completers: dict[int, set[int]] = {course_id: set() for course_id in course_ids}
    for course_id, user_id in online_completions(course_ids=completers).values_list(
        "gathering__course_id", "user_id"
    ):
        completers[course_id].add(user_id)
    return completers


def learning_completion_by_county(*, programme, county_ids=None, period=None) -> dict:
    """Per participants' county (the library they registered from): of the participants of
    the programme's courses with online material, how many completed it (see
    `online_completions`), as {county id: (participants, completed)}; a person counts once per
    course. One query, counted in the database: a row per county and course, whatever the
    number of participants."""
    registrations = Registration.objects.filter(
        gathering__course__programme=programme,
        status__in=Registration.PARTICIPANT_STATUSES,
        library__isnull=False,
    )
    if county_ids is not None:
        registrations = registrations.filter(library__county_id__in=county_ids)
    if period is not None:
        registrations = registrations.filter(
            gathering__starts_at__date__gte=period.start,
            gathering__starts_at__date__lte=period.end,
        )
    course = OuterRef("gathering__course_id")
    rows = (
        registrations.filter(_online_material(course))
        .values("library__county_id", "gathering__course_id")
        .annotate(
            participants=Count("user_id", distinct=True),
            completed=Count(
                "user_id",
                distinct=True,
                filter=_online_part_completed(course, OuterRef("user_id")),
            ),
        )
        .order_by()
    )
    figures: dict[int, tuple[int, int]] = {}
    for row in rows:
        participants, completed = figures.get(row["library__county_id"], (0, 0))
        figures[row["library__county_id"]] = (
            participants + row["participants"],
            completed + row["completed"],
        )
    return figures


def online_completer_counts(*, course_ids: Iterable[int]) -> dict[int, int]:
    """Per course, how many people completed its online part: one query, counted in the
    database (the dashboard's and the course page's figure)."""
    course_ids = list(course_ids)
    counts = dict.fromkeys(course_ids, 0)
    counts.update(
        online_completions(course_ids=course_ids)
        .values("gathering__course_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
        .values_list("gathering__course_id", "n")
    )
    return counts


def courses_with_online_totals(courses: QuerySet[Course]) -> QuerySet[Course]:
    """The courses annotated with the size of their online part (`module_count`,
    `lesson_count`, `assignment_count`) and their `participant_count` (people holding a seat or
    having attended, each once): subqueries of one query, however many courses. How many
    completed it: `online_completer_counts`."""
    course = OuterRef("pk")
    participants = Registration.objects.filter(
        gathering__course_id=OuterRef(course), status__in=Registration.PARTICIPANT_STATUSES
    )
    return courses.annotate(
        module_count=count_of(Module.objects.filter(course_id=course)),
        lesson_count=count_of(Lesson.objects.filter(module__course_id=course)),
        assignment_count=count_of(Assignment.objects.filter(course_id=course)),
        participant_count=count_of(
            get_user_model().objects.filter(pk__in=participants.values("user_id"))
        ),
    )


def my_progress(*, course: Course, user) -> dict:
    """A participant's progress page: each module's lessons (done or not) and each assignment
    with their answer and grade. Four queries."""
    modules = course_modules(course=course)
    done = lessons_done_ids(course=course, user=user)
    for module in modules:
        for lesson in module.lessons.all():
            lesson.is_done = lesson.pk in done
    return {"modules": modules, "assignments": course_assignments(course=course, user=user)}


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


def submission_rubric(*, submission: Submission) -> list[tuple[Criterion, CriterionFeedback]]:
    """The assignment's criteria, each with the feedback given on this answer (or None)."""
    given = {
        feedback.criterion_id: feedback
        for feedback in CriterionFeedback.objects.filter(submission=submission)
    }
    return [
        (criterion, given.get(criterion.pk))
        for criterion in Criterion.objects.filter(assignment_id=submission.assignment_id)
    ]
