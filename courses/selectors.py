"""Reads of the courses app. `course_is_participant` and `course_participants` are a public
contract used by the learning arena (courses.learning)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from .models import Course, Registration


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
