"""Access policies for courses, gatherings and registrations (see portal.permissions).

- A course with a county is managed by that county's coordinator in its programme and by the
  project leader; a programme-wide course (no county) by the project leader only.
- Managers see every course of the programmes they lead or coordinate; staff see the courses whose
  audience includes the county of a library they work at, and any course they registered for.
- Registrations are seen by the person, the course's managers and the leader of the library the
  person registered from (who approves or declines when the gathering asks for it).
"""

from __future__ import annotations

from django.db.models import Q

from portal.models import RoleAssignment
from portal.permissions import Policy, Scope, register

from .models import Course, Gathering, Registration


def library_has_leader(library_id) -> bool:
    if library_id is None:
        return False
    return RoleAssignment.objects.filter(
        library_id=library_id, role=RoleAssignment.Role.LIBRARY_LEADER, user__is_active=True
    ).exists()


def course_manageable(scope: Scope, course: Course) -> bool:
    return scope.manages_owned(course.programme_id, course.county_id)


def course_open_to(scope: Scope, course: Course) -> bool:
    """Whether the course's audience includes a library this user works at."""
    if course.programme_id not in scope.member_programme_ids:
        return False
    if course.audience == Course.Audience.PROGRAMME:
        return True
    # .all() so a prefetch on list pages is used.
    return any(c.id in scope.member_county_ids for c in course.audience_counties.all())


def _course_visible_q(scope: Scope, prefix: str = "") -> Q:
    managed_programmes = scope.managed_programme_ids
    audience = Q(
        **{
            f"{prefix}programme_id__in": scope.member_programme_ids,
            f"{prefix}audience": Course.Audience.PROGRAMME,
        }
    ) | Q(
        **{
            f"{prefix}programme_id__in": scope.member_programme_ids,
            f"{prefix}id__in": Course.audience_counties.through.objects.filter(
                county_id__in=scope.member_county_ids
            ).values("course_id"),
        }
    )
    registered = Q(
        **{
            f"{prefix}id__in": Registration.objects.filter(user=scope.user).values(
                "gathering__course_id"
            )
        }
    )
    return Q(**{f"{prefix}programme_id__in": managed_programmes}) | audience | registered


@register
class CoursePolicy(Policy):
    model = Course
    actions = frozenset({"view", "manage", "register"})

    def scoped(self, qs, scope):
        return qs.filter(_course_visible_q(scope))

    def allows(self, scope, action, course):
        if action == "manage":
            return course_manageable(scope, course)
        if action == "register":
            return course_open_to(scope, course)
        return (
            course.programme_id in (scope.managed_programme_ids)
            or course_open_to(scope, course)
            or Registration.objects.filter(user=scope.user, gathering__course=course).exists()
        )


@register
class GatheringPolicy(Policy):
    model = Gathering
    actions = frozenset({"view", "manage", "register"})

    def scoped(self, qs, scope):
        return qs.filter(_course_visible_q(scope, prefix="course__"))

    def allows(self, scope, action, gathering):
        course_policy = CoursePolicy()
        return course_policy.allows(scope, action, gathering.course)


@register
class RegistrationPolicy(Policy):
    model = Registration
    actions = frozenset({"view", "cancel", "decide", "mark_attendance", "certificate"})

    def scoped(self, qs, scope):
        managed = scope.county_q("gathering__course__programme", "gathering__course__county")
        # county_q lets a coordinator match a programme-wide course nowhere (county is NULL).
        return qs.filter(Q(user=scope.user) | managed | Q(library_id__in=scope.led_library_ids))

    def allows(self, scope, action, registration):
        own = registration.user_id == scope.user.id
        manages = course_manageable(scope, registration.gathering.course)
        if action == "view":
            return own or manages or registration.library_id in scope.led_library_ids
        if action == "cancel":
            return own or manages
        if action == "decide":
            # The library leader decides; where the library has no leader (or the person
            # registered from none), the course's managers do, so no seat is held forever.
            if registration.library_id in scope.led_library_ids:
                return True
            return manages and not library_has_leader(registration.library_id)
        if action == "mark_attendance":
            return manages
        # certificate: only for a gathering the person attended.
        return registration.status == Registration.Status.ATTENDED and (own or manages)

    def county_of(self, obj):
        return obj.gathering.county
