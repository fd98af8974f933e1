"""Reads of the courses app.

Public contract used by other apps:
- `course_is_participant(*, user, course)` and `course_participants(*, course)`: the learning arena
  (courses.learning) lets participants in.
- `course_statistics(*, courses)`: the numbers of a set of courses for dashboards.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from portal import permissions
from portal.expressions import count_of
from portal.models import Library, RoleAssignment
from portal.tokens import token_hash

from .models import (
    CalendarFeed,
    Course,
    Gathering,
    GatheringCost,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)
from .permissions import COURSE_AUDIENCE, may_follow_gatherings

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
    """Gatherings annotated with `seats_taken` (an open seat offer takes one), `waiting_count`
    and `registration_count` (every registration ever: a gathering without any may be
    deleted)."""
    qs = Gathering.objects.all() if qs is None else qs
    # Counted in subqueries on the (gathering, status) index, not by joining and grouping every
    # registration of every gathering listed.
    registrations = Registration.objects.filter(gathering=OuterRef("pk"))
    return qs.select_related("county").annotate(
        seats_taken=count_of(registrations.filter(status__in=Registration.SEAT_STATUSES)),
        waiting_count=count_of(registrations.filter(status=Status.WAITING)),
        registration_count=count_of(registrations),
    )


def gathering_seats_taken(*, gathering: Gathering) -> int:
    """The seats taken now (an open seat offer takes one); under the gathering's lock in the
    services, the seats that may be given."""
    return gathering.registrations.filter(status__in=Registration.SEAT_STATUSES).count()


def gathering_is_full(*, gathering: Gathering) -> bool:
    """Whether every seat is taken: whoever registers now goes on the waiting list."""
    return gathering_seats_taken(gathering=gathering) >= gathering.capacity


@dataclass(frozen=True)
class ComingGatherings:
    """What the course list's cards read of the gatherings' seats: which gatherings end after
    the moment asked (`ids`), and which of them have every seat taken (`full`)."""

    ids: frozenset[int]
    full: frozenset[int]

    def key(self) -> str:
        """A short key naming these: the same exactly when the same gatherings are coming and
        the same of them are full."""
        named = ",".join(f"{pk}{'f' if pk in self.full else ''}" for pk in sorted(self.ids))
        return hashlib.blake2b(named.encode(), digest_size=8).hexdigest()


# Written out, not built with the ORM: the course list asks it on every read, and compiling the
# seat count took longer than running it (~0.4 ms over a region's 10,000 registrations, on the
# (gathering, status) index).
_SEAT_PLACEHOLDERS = ", ".join(["%s"] * len(Registration.SEAT_STATUSES))
_COMING_GATHERINGS_SQL = (
    f"SELECT g.id, g.capacity <= (SELECT count(*) FROM {Registration._meta.db_table} r "  # noqa: S608 - no input
    f"WHERE r.gathering_id = g.id AND r.status IN ({_SEAT_PLACEHOLDERS})) "
    f"FROM {Gathering._meta.db_table} g WHERE g.ends_at > %s"
)


def coming_gatherings(*, now: datetime) -> ComingGatherings:
    """The gatherings ending after `now` and which of them have every seat taken (an open seat
    offer takes one, as `gatherings_with_counts` counts), in one statement."""
    with connection.cursor() as cursor:
        cursor.execute(
            _COMING_GATHERINGS_SQL,
            [*Registration.SEAT_STATUSES, connection.ops.adapt_datetimefield_value(now)],
        )
        rows = cursor.fetchall()
    return ComingGatherings(
        ids=frozenset(pk for pk, _full in rows), full=frozenset(pk for pk, full in rows if full)
    )


def courses_open(*, user, now: datetime) -> list[Course]:
    """The courses this person may register for, newest first, each with its gatherings ending
    after `now` (`coming_gatherings`; the past ones are on the course's page and under "My
    registrations") and its competence areas (`competence_area_list`). Lists, not `.all()`, so
    the cards build no queryset per course. No seat is read here: which gatherings are full is
    `coming_gatherings`' (the cards are kept while the courses are unchanged, however many
    registrations come)."""
    coming = Gathering.objects.filter(ends_at__gt=now).order_by("starts_at", "id")
    return list(
        permissions.for_action(user, Course, "register")
        .prefetch_related(
            Prefetch("gatherings", queryset=coming, to_attr="coming_gatherings"),
            Prefetch("competence_areas", to_attr="competence_area_list"),
        )
        .order_by("-created_at", "-id")
    )


@dataclass
class CourseOverview:
    """What the course list shows one person besides the courses open to them."""

    managed: list[Course] = field(default_factory=list)
    registrations: list[Registration] = field(default_factory=list)
    statistics: dict = field(default_factory=dict)


def course_overview(*, user) -> CourseOverview:
    """The courses the person manages (each with its number of gatherings, `gathering_count`,
    and its figures, `numbers`) and their own registrations.

    A fixed number of queries, however many courses and registrations there are; none for the
    courses managed when the person manages none."""
    managed = (
        permissions.for_action(user, Course, "manage")
        .select_related("county")
        .annotate(gathering_count=count_of(Gathering.objects.filter(course=OuterRef("pk"))))
        .order_by("-created_at", "-id")
    )
    overview = CourseOverview(
        managed=list(managed), registrations=list(registration_list(user=user))
    )
    if overview.managed:
        overview.statistics = course_statistics(courses=overview.managed, totals=False)[
            "per_course"
        ]
        for course in overview.managed:
            course.numbers = overview.statistics[course.pk]
    return overview


def _with_answers(
    qs: QuerySet[Registration], *, to_attr: str | None = None
) -> QuerySet[Registration]:
    return qs.prefetch_related(
        Prefetch(
            "answers",
            queryset=RegistrationAnswer.objects.select_related("question"),
            to_attr=to_attr,
        )
    )


def registration_list(*, user) -> QuerySet[Registration]:
    """A person's own registrations, the coming gatherings first, with their answers and
    whether their course asks questions (`course_has_questions`: then the person may change
    their answers)."""
    # Whether the course asks anything is read with the registrations, not by fetching every
    # question of every course in a query of its own (only their existence is shown).
    asks = RegistrationQuestion.objects.filter(course=OuterRef("gathering__course_id"))
    return _with_answers(
        Registration.objects.filter(user=user)
        .select_related("gathering__course", "gathering__county", "library", "registered_by")
        .annotate(course_has_questions=Exists(asks))
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
    Status.OFFERED: 2,
    Status.WAITING: 3,
    Status.DECLINED: 4,
    Status.OFFER_EXPIRED: 5,
    Status.CANCELLED: 5,
}


def participant_list(
    *, gathering: Gathering, user=None, export: bool = False
) -> list[Registration]:
    """Every registration of a gathering with its person, library and answers, in a fixed
    number of queries: for the page, the columns it shows of them (`person_full_name`,
    `person_email`, `person_erased_at`, `library_name`). Each carries `shown_answers`: the
    answers this user may see (the answers to personal questions only for those who may see
    them), and with `user`, `manager_decides`: whether it awaits this user's decision.

    `export`: for the exports, each person and library themselves, the library with its county
    (their County column), and the user's rules asked of every row, not only of those that show
    them (the personal questions' columns are there when the user may see any row's personal
    answers: `personal_visible`)."""
    # The answers into a list (`answer_list`): `answers.all()` on each row would build a
    # queryset of its own for every registration listed.
    if export:
        registrations = gathering.registrations.select_related("user", "library__county")
        if user is not None:
            registrations = _flagged_registrations(registrations, user)
    else:
        # The page shows four columns of the person and the library: read with the rows, not
        # as a person and a library built for each (docs/performance.md, part 42).
        registrations = gathering.registrations.annotate(
            person_full_name=F("user__full_name"),
            person_email=F("user__email"),
            person_erased_at=F("user__erased_at"),
            library_name=F("library__name"),
        )
    registrations = list(
        _with_answers(registrations, to_attr="answer_list").order_by(
            "waiting_position", "user__full_name", "user__email", "id"
        )
    )
    registrations.sort(key=lambda r: _STATUS_ORDER[r.status])
    if user is not None and not export:
        _flag_where_shown(registrations, user)
    for registration in registrations:
        registration.gathering = gathering  # with its course: not read again for every row
        if user is None:
            registration.personal_visible = registration.may_decide = False
        registration.manager_decides = (
            registration.may_decide and registration.status == Status.AWAITING_APPROVAL
        )
        registration.shown_answers = [
            answer
            for answer in registration.answer_list
            if registration.personal_visible or not answer.question.personal
        ]
    return registrations


def _flagged_registrations(registrations: QuerySet[Registration], user) -> QuerySet:
    """What the user may do to each row, read with the rows (not asked row by row)."""
    return permissions.with_permission_flags(
        registrations, user, personal_visible="view_personal_answers", may_decide="decide"
    )


def _flag_where_shown(registrations: list[Registration], user) -> None:
    """What the user may do to the rows where the page shows it: decide those awaiting
    approval, see the answers to personal questions of those with any. Asked of those rows
    alone, in one query, and none where no row needs it (most lists): the two rules compiled
    into the list's own query were a third of its cost (docs/performance.md, part 39)."""
    asked = [
        registration.pk
        for registration in registrations
        if registration.status == Status.AWAITING_APPROVAL
        or any(answer.question.personal for answer in registration.answer_list)
    ]
    flags = {}
    if asked:
        flags = {
            pk: (personal_visible, may_decide)
            for pk, personal_visible, may_decide in _flagged_registrations(
                Registration.objects.filter(pk__in=asked), user
            ).values_list("pk", "personal_visible", "may_decide")
        }
    for registration in registrations:
        registration.personal_visible, registration.may_decide = flags.get(
            registration.pk, (False, False)
        )


ATTENDANCE_STATUSES = (Status.CONFIRMED, Status.ATTENDED, Status.ABSENT)


def attendance_list(*, gathering: Gathering, search: str = "") -> list[Registration]:
    """The registrations whose attendance is marked (those holding a confirmed seat), with the
    names matching `search` (any part of the name or e-mail, any case)."""
    registrations = gathering.registrations.filter(status__in=ATTENDANCE_STATUSES)
    for word in search.split()[:5]:
        registrations = registrations.filter(
            Q(user__full_name__icontains=word) | Q(user__email__icontains=word)
        )
    return list(
        registrations.select_related("user", "library").order_by(
            "user__full_name", "user__email", "id"
        )
    )


def staff_candidates(*, user, gathering: Gathering) -> list[dict]:
    """The people this library leader may register for the gathering: everyone working at a
    library they lead that the course reaches, with their current registration (or None).
    Three queries, whatever the number of libraries and people."""
    reached = COURSE_AUDIENCE.libraries(gathering.course)
    libraries = [
        library
        for library in permissions.visible(user, Library).filter(id__in=reached.values("id"))
        if permissions.can(user, "register", Registration(gathering=gathering, library=library))
    ]
    current = {
        r.user_id: r
        for r in gathering.registrations.filter(status__in=Registration.ACTIVE_STATUSES)
    }
    rows, seen = [], set()
    for assignment in (
        RoleAssignment.objects.filter(library__in=libraries, user__is_active=True)
        .select_related("user", "library")
        .order_by("library__name", "user__full_name", "user__email")
    ):
        if assignment.user_id in seen:
            continue
        seen.add(assignment.user_id)
        rows.append(
            {
                "key": f"{assignment.user_id}:{assignment.library_id}",
                "user": assignment.user,
                "library": assignment.library,
                "registration": current.get(assignment.user_id),
            }
        )
    return rows


def staff_registrations(*, user) -> list[Gathering]:
    """The gatherings where staff of the libraries this person leads are registered, the coming
    ones first, each with `staff` (those registrations, by name). Two queries."""
    registrations = (
        permissions.for_action(user, Registration, "follow")
        .select_related("user", "library")
        .order_by("user__full_name", "user__email", "id")
    )
    gatherings = list(
        Gathering.objects.filter(id__in=registrations.values("gathering_id"))
        .select_related("course", "county")
        .prefetch_related(Prefetch("registrations", queryset=registrations, to_attr="staff"))
        .order_by("-starts_at", "-id")
    )
    return gatherings


def course_statistics(
    *,
    courses: Iterable[Course] | QuerySet[Course],
    by_county: bool = False,
    totals: bool = True,
) -> dict:
    """Registered (having a seat), waiting (or offered a seat), attended and libraries reached
    (libraries of those who attended), per course and in total, over gatherings that were not
    cancelled. Two queries; with `by_county`, a third for the figures of each course county;
    without `totals`, only "per_course" (and "per_county"), one query less.

    Returns {"registered", "waiting", "attended", "libraries_reached",
             "per_course": {course_id: {same keys}},
             "per_county": {course's county id or None: {same keys}} (with `by_county`)}."""
    if isinstance(courses, QuerySet):
        course_ids = list(courses.values_list("id", flat=True))
    else:
        course_ids = [c.pk for c in courses]
    # A cancelled gathering's registrations keep their status (history) but count for nothing.
    registrations = Registration.objects.filter(
        gathering__course_id__in=course_ids, gathering__cancelled_at__isnull=True
    )
    counts = {
        "registered": Count("id", filter=Q(status__in=Registration.REGISTERED_STATUSES)),
        # On the waiting list, or offered a seat that is not yet taken.
        "waiting": Count("id", filter=Q(status__in=[Status.WAITING, Status.OFFERED])),
        "attended": Count("id", filter=Q(status=Status.ATTENDED)),
        "libraries_reached": Count("library", distinct=True, filter=Q(status=Status.ATTENDED)),
    }
    empty = dict.fromkeys(counts, 0)
    per_course = {course_id: dict(empty) for course_id in course_ids}
    for row in registrations.values("gathering__course_id").annotate(**counts).order_by():
        per_course[row.pop("gathering__course_id")] = row
    total = {}
    if totals:
        total = registrations.aggregate(**counts) if course_ids else dict(empty)
    per_county = {}
    if by_county:
        # A library reached by two courses of a county counts once there: not a sum of courses.
        for row in (
            registrations.values("gathering__course__county_id").annotate(**counts).order_by()
        ):
            per_county[row.pop("gathering__course__county_id")] = row
    return {**total, "per_course": per_course, "per_county": per_county}


def programme_participation(*, programme, county_ids: set[int] | None, period=None) -> dict:
    """For the dashboard's county cards and loop, in three queries, over gatherings not cancelled
    (those starting in `period` when given):

    - "gatherings": {county id: {"held", "planned"}} by the gathering's county (held = started);
    - "people": {county id: {"registered", "attended", "absent", "libraries_reached"}} by the
      participant's library's county, whoever runs the course;
    - "per_area": {(county id, area id): attendances in courses tagged with that area}.
    """
    now = timezone.now()
    gatherings = Gathering.objects.filter(course__programme=programme, cancelled_at__isnull=True)
    if period is not None:
        gatherings = gatherings.filter(
            starts_at__date__gte=period.start, starts_at__date__lte=period.end
        )
    registrations = Registration.objects.filter(gathering__in=gatherings)
    if county_ids is not None:
        gatherings = gatherings.filter(county_id__in=county_ids)
        registrations = registrations.filter(library__county_id__in=county_ids)
    held = {
        row.pop("county_id"): row
        for row in gatherings.values("county_id")
        .annotate(
            held=Count("id", filter=Q(starts_at__lt=now)),
            planned=Count("id", filter=Q(starts_at__gte=now)),
        )
        .order_by()
    }
    people = {
        row.pop("library__county_id"): row
        for row in registrations.values("library__county_id")
        .annotate(
            registered=Count("id", filter=Q(status__in=Registration.REGISTERED_STATUSES)),
            attended=Count("id", filter=Q(status=Status.ATTENDED)),
            absent=Count("id", filter=Q(status=Status.ABSENT)),
            libraries_reached=Count("library", distinct=True, filter=Q(status=Status.ATTENDED)),
        )
        .order_by()
    }
    per_area = {
        (row["library__county_id"], row["gathering__course__competence_areas"]): row["count"]
        for row in registrations.filter(
            status=Status.ATTENDED, gathering__course__competence_areas__isnull=False
        )
        .values("library__county_id", "gathering__course__competence_areas")
        .annotate(count=Count("id", distinct=True))
        .order_by()
    }
    return {"gatherings": held, "people": people, "per_area": per_area}


def gathering_costs(*, programme, county_ids: set[int] | None, period=None) -> dict:
    """What the programme's gatherings cost (NOK), in the gathering's county and per funding
    source: {"counties": {county id: amount}, "funding": {funding source id: amount}}.
    Cancelled gatherings count (a booked venue may still be paid); with a `period`, the
    gatherings starting in it. Two queries."""
    costs = GatheringCost.objects.filter(gathering__course__programme=programme)
    if county_ids is not None:
        costs = costs.filter(gathering__county_id__in=county_ids)
    if period is not None:
        costs = costs.filter(
            gathering__starts_at__date__gte=period.start,
            gathering__starts_at__date__lte=period.end,
        )
    return {
        "counties": dict(
            costs.values_list("gathering__county_id").annotate(Sum("amount")).order_by()
        ),
        "funding": dict(costs.values_list("funding_source_id").annotate(Sum("amount")).order_by()),
    }


def libraries_reached(*, programme, county_ids: set[int], period=None) -> QuerySet[Library]:
    """The libraries of these counties, each with its people with a role (`staff`) and the
    distinct people who attended a gathering of the programme (`participants`), the libraries
    not yet reached first. One query."""
    attended = Q(
        course_registrations__status=Status.ATTENDED,
        course_registrations__gathering__course__programme=programme,
        course_registrations__gathering__cancelled_at__isnull=True,
    )
    if period is not None:
        attended &= Q(
            course_registrations__gathering__starts_at__date__gte=period.start,
            course_registrations__gathering__starts_at__date__lte=period.end,
        )
    return (
        Library.objects.filter(county_id__in=county_ids)
        .select_related("county")
        .annotate(
            staff=Count("role_assignments", distinct=True),
            participants=Count("course_registrations__user", filter=attended, distinct=True),
        )
        .order_by("participants", "county__number", "name")
    )


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The calendar feed with this token, while its person may still follow gatherings."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if feed is None or not may_follow_gatherings(feed.user):
        return None
    return feed


def calendar_gatherings(*, user) -> QuerySet[Gathering]:
    """The gatherings on a person's calendar feed: where they have a seat."""
    return (
        Gathering.objects.filter(
            registrations__user=user,
            registrations__status__in=Registration.REGISTERED_STATUSES,
        )
        .select_related("course")
        .distinct()
        .order_by("starts_at")
    )
