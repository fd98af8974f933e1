"""Access policies for courses, gatherings and registrations (see portal.permissions).

- A course with a county is managed by that county's coordinator in its programme and by the
  project leader; a programme-wide course (no county) by the project leader only.
- Managers see every course of the programmes they lead or coordinate in; staff see the courses
  whose audience includes a library they work at, and any course they registered for.
- Registrations are seen by the person, the course's managers and the leader of the library the
  person registered from, who approves or declines when the gathering asks for it. Where that
  library has no leader (or the person registered from none), the course's managers decide, so
  no seat is held forever. A library leader may register their staff (several at once) for a
  gathering whose audience reaches their library, and follows their staff's registrations.
- Answers to personal registration questions (diet, accessibility) are seen by the person and by
  those who organise the gathering (the course's managers), never by the library leader.
- The learning arena of a course is for its managers and its participants.

Status rules (a certificate only for an attended gathering, no cancelling once attendance is
recorded) are the services' business.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from portal.models import RoleAssignment
from portal.permissions import Audience, Policy, Scope, get_scope, register, rules

from .models import Course, Gathering, Registration

COURSE_AUDIENCE = Audience(Course)
Role = RoleAssignment.Role


def _active_leaders_of(library_ids) -> set[int]:
    return set(
        RoleAssignment.objects.filter(
            library_id__in=library_ids, role=Role.LIBRARY_LEADER, user__is_active=True
        ).values_list("library_id", flat=True)
    )


def _library_has_leader() -> Exists:
    """Whether the registration's library has an active leader, asked per registration: the
    registrations a rule reads are few (those awaiting approval), and a list of every library
    with a leader read every person of the region first (~1 ms on every home page)."""
    return Exists(
        RoleAssignment.objects.filter(
            library_id=OuterRef("library_id"), role=Role.LIBRARY_LEADER, user__is_active=True
        )
    )


def _registered_course_ids(scope: Scope) -> set[int]:
    if "courses.registered" not in scope.memo:
        scope.memo["courses.registered"] = set(
            Registration.objects.filter(user=scope.user).values_list(
                "gathering__course_id", flat=True
            )
        )
    return scope.memo["courses.registered"]


def _participant_course_ids(scope: Scope) -> set[int]:
    if "courses.participant" not in scope.memo:
        scope.memo["courses.participant"] = set(
            Registration.objects.filter(
                user=scope.user, status__in=Registration.PARTICIPANT_STATUSES
            ).values_list("gathering__course_id", flat=True)
        )
    return scope.memo["courses.participant"]


def course_rules(course: str) -> dict[str, object]:
    """The rules of a course, reached from a policy's model through `course` ("pk" for a
    course itself, "course" from a gathering, "gathering__course" ...)."""
    prefix = "" if course == "pk" else f"{course}__"
    id_path = "pk" if course == "pk" else f"{course}_id"

    def target(obj):
        if course == "pk":
            return obj
        for hop in course.split("__"):
            obj = getattr(obj, hop)
        return obj

    def registered(statuses=None):
        def objects(s):
            registrations = Registration.objects.filter(user=s.user)
            if statuses:
                registrations = registrations.filter(status__in=statuses)
            return Q(**{f"{id_path}__in": registrations.values("gathering__course_id")})

        def holds(s, obj):
            ids = _participant_course_ids(s) if statuses else _registered_course_ids(s)
            return target(obj).pk in ids

        def people(obj):
            registrations = Registration.objects.filter(gathering__course=target(obj))
            if statuses:
                registrations = registrations.filter(status__in=statuses)
            return Q(id__in=registrations.values("user_id"))

        return rules.custom(objects=objects, holds=holds, people=people)

    managers = rules.county_manager(f"{prefix}programme", f"{prefix}county")
    in_programme = rules.programme_leader(f"{prefix}programme") | rules.programme_coordinator(
        f"{prefix}programme"
    )
    audience = COURSE_AUDIENCE.rule(course if course != "pk" else "")
    participants = registered(Registration.PARTICIPANT_STATUSES)
    return {
        "managers": managers,
        "view": in_programme | audience | registered(),
        "register": audience,
        "arena": managers | participants,
        "participants": participants,
    }


_course = course_rules("pk")
_gathering = course_rules("course")


@register
class CoursePolicy(Policy):
    model = Course
    rules = {
        "view": _course["view"],
        "manage": _course["managers"],
        "register": _course["register"],
        "use_arena": _course["arena"],
        # Participants (holding a seat or having attended) learn in the arena; their progress is
        # kept.
        "learn": _course["participants"],
    }


@register
class GatheringPolicy(Policy):
    model = Gathering
    rules = {
        "view": _gathering["view"],
        "manage": _gathering["managers"],
        "register": _gathering["register"],
        # A leader of a library the course reaches registers their staff.
        "register_staff": COURSE_AUDIENCE.rule("course", roles=(Role.LIBRARY_LEADER,)),
    }


_registration_managers = rules.county_manager(
    "gathering__course__programme", "gathering__course__county"
)
_leaderless = rules.custom(
    objects=lambda s: ~Q(_library_has_leader()) | Q(library__isnull=True),
    holds=lambda s, r: r.library_id is None or not _active_leaders_of([r.library_id]),
    people=lambda r: (
        Q(pk__isnull=False)
        if r.library_id is None or not _active_leaders_of([r.library_id])
        else Q(pk__in=[])
    ),
)


@register
class RegistrationPolicy(Policy):
    model = Registration
    county_path = "gathering__county"
    rules = {
        "view": rules.person() | _registration_managers | rules.library_leader(),
        # Who may make this registration: the person, or the leader of the library it is from.
        "register": rules.person() | rules.library_leader(),
        # The library leader follows their staff's registrations.
        "follow": rules.library_leader(),
        # Answer a seat offer and the registration questions: the person themselves.
        "respond": rules.person(),
        "view_personal_answers": rules.person() | _registration_managers,
        "cancel": rules.person() | _registration_managers,
        "decide": rules.library_leader() | (_registration_managers & _leaderless),
        "mark_attendance": _registration_managers,
        "certificate": rules.person() | _registration_managers,
    }


def may_follow_gatherings(user) -> bool:
    """Whether the person holds a role through which gatherings are seen: a role in a programme
    (every such role sees some of its courses). A registration alone does not count, so a
    calendar feed dies with the person's last role."""
    scope = get_scope(user)
    if not scope.is_authenticated:
        return False
    return scope.is_site_admin or bool(scope.managed_programme_ids or scope.member_programme_ids)
