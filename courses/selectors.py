"""Reads of the courses app.

Public contract used by other apps:
- `course_is_participant(*, user, course)` and `course_participants(*, course)`: the learning arena
  (courses.learning) lets participants in.
- `course_statistics(*, courses)`: the numbers of a set of courses for dashboards.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from portal import permissions

from .models import Course, Gathering, Registration

Status = Registration.Status


def course_is_participant(*, user, course: Course) -> bool:
    """A confirmed or attended registration in any gathering of the course."""
    if not user or not user.is_authenticated:
        return False
    return Registration.objects.filter(
        user=user,
        gathering__course=course,
        status__in=Registration.PARTICIPANT_STATUSES,
    ).exists()


def course_participants(*, course: Course) -> QuerySet:
    """The people with a confirmed or attended registration in a gathering of the course."""
    return get_user_model().objects.filter(
        id__in=Registration.objects.filter(
            gathering__course=course, status__in=Registration.PARTICIPANT_STATUSES
        ).values("user_id")
    )


def gatherings_with_counts(qs: QuerySet[Gathering] | None = None) -> QuerySet[Gathering]:
    """Gatherings annotated with `seats_taken` and `waiting_count`."""
    qs = Gathering.objects.all() if qs is None else qs
    return qs.select_related("county").annotate(
        seats_taken=Count(
            "registrations", filter=Q(registrations__status__in=Registration.SEAT_STATUSES)
        ),
        waiting_count=Count("registrations", filter=Q(registrations__status=Status.WAITING)),
    )


def _courses_prefetched(qs: QuerySet[Course]) -> QuerySet[Course]:
    return qs.select_related("programme", "county").prefetch_related(
        Prefetch(
            "gatherings",
            queryset=gatherings_with_counts().order_by("starts_at", "id"),
        ),
        "competence_areas",
        "audience_counties",
    )


@dataclass
class CourseOverview:
    """What the course list shows one person."""

    managed: list[Course] = field(default_factory=list)
    open: list[Course] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    statistics: dict = field(default_factory=dict)


def course_overview(*, user) -> CourseOverview:
    """Courses the person manages, courses they may register for, and their registrations.

    A fixed number of queries, however many courses and registrations there are."""
    courses = list(
        _courses_prefetched(permissions.visible(user, Course)).order_by("-created_at", "-id")
    )
    managed = set(permissions.for_action(user, Course, "manage").values_list("pk", flat=True))
    open_to = set(permissions.for_action(user, Course, "register").values_list("pk", flat=True))
    overview = CourseOverview(
        managed=[course for course in courses if course.pk in managed],
        open=[course for course in courses if course.pk in open_to],
    )
    overview.registrations = list(registration_list(user=user))
    if overview.managed:
        overview.statistics = course_statistics(courses=overview.managed)["per_course"]
        for course in overview.managed:
            course.numbers = overview.statistics[course.pk]
    return overview


def registration_list(*, user) -> QuerySet[Registration]:
    """A person's own registrations, the coming gatherings first."""
    return (
        Registration.objects.filter(user=user)
        .select_related("gathering__course", "gathering__county", "library")
        .order_by("-gathering__starts_at", "-id")
    )


def approvals_pending(*, user) -> QuerySet[Registration]:
    """Registrations waiting for this person's decision (as library leader, or as the course's
    manager where the library has no leader)."""
    return (
        permissions.for_action(user, Registration, "decide")
        .filter(status=Status.AWAITING_APPROVAL)
        .select_related("user", "library", "gathering__course", "gathering__county")
        .order_by("gathering__starts_at", "created_at")
    )


def certificate_available(*, registration: Registration) -> bool:
    """A course certificate exists only for a gathering the person attended (not cancelled)."""
    return registration.status == Status.ATTENDED and not registration.gathering.is_cancelled


# Order of the participant list: who comes first, then the waiting list, then the rest.
_STATUS_ORDER = {
    Status.ATTENDED: 0,
    Status.CONFIRMED: 0,
    Status.ABSENT: 0,
    Status.AWAITING_APPROVAL: 1,
    Status.WAITING: 2,
    Status.DECLINED: 3,
    Status.CANCELLED: 4,
}


def participant_list(*, gathering: Gathering) -> list[Registration]:
    """Every registration of a gathering with person and library, in a fixed number of queries."""
    registrations = list(
        gathering.registrations.select_related("user", "library", "library__county").order_by(
            "waiting_position", "user__full_name", "user__email", "id"
        )
    )
    registrations.sort(key=lambda r: _STATUS_ORDER[r.status])
    return registrations


def attendance_list(*, gathering: Gathering) -> list[Registration]:
    """The registrations whose attendance is marked: those holding a confirmed seat."""
    return list(
        gathering.registrations.filter(
            status__in=[Status.CONFIRMED, Status.ATTENDED, Status.ABSENT]
        )
        .select_related("user", "library")
        .order_by("user__full_name", "user__email", "id")
    )


def course_statistics(*, courses: Iterable[Course] | QuerySet[Course]) -> dict:
    """Registered (holding a seat), waiting, attended and libraries reached (libraries of those
    who attended), per course and in total, over gatherings that were not cancelled. Two queries.

    Returns {"registered", "waiting", "attended", "libraries_reached",
             "per_course": {course_id: {same keys}}}."""
    if isinstance(courses, QuerySet):
        course_ids = list(courses.values_list("id", flat=True))
    else:
        course_ids = [c.pk for c in courses]
    # A cancelled gathering's registrations keep their status (history) but count for nothing.
    registrations = Registration.objects.filter(
        gathering__course_id__in=course_ids, gathering__cancelled_at__isnull=True
    )
    counts = {
        "registered": Count("id", filter=Q(status__in=Registration.SEAT_STATUSES)),
        "waiting": Count("id", filter=Q(status=Status.WAITING)),
        "attended": Count("id", filter=Q(status=Status.ATTENDED)),
        "libraries_reached": Count("library", distinct=True, filter=Q(status=Status.ATTENDED)),
    }
    empty = dict.fromkeys(counts, 0)
    per_course = {course_id: dict(empty) for course_id in course_ids}
    for row in registrations.values("gathering__course_id").annotate(**counts).order_by():
        per_course[row.pop("gathering__course_id")] = row
    total = registrations.aggregate(**counts) if course_ids else dict(empty)
    return {**total, "per_course": per_course}


def calendar_gatherings(*, user) -> QuerySet[Gathering]:
    """The gatherings on a person's calendar feed: where they hold a seat."""
    return (
        Gathering.objects.filter(
            registrations__user=user,
            registrations__status__in=Registration.SEAT_STATUSES,
        )
        .select_related("course")
        .distinct()
        .order_by("starts_at")
    )
