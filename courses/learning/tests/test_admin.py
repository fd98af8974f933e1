"""The admin is no side door: it lists what the policy shows and only site admins use it."""

import pytest
from django.urls import reverse

from .factories import LessonFactory, SubmissionFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def test_site_admin_sees_every_arena_model(world, arena, signed_in):
    lesson = LessonFactory(module__course=arena.course_a)
    thread = ThreadFactory(course=arena.course_b, author=world.staff_b)
    submission = SubmissionFactory(assignment__course=arena.course_a, user=world.staff_a)
    client = signed_in(world.site_admin)
    for name, obj in [
        ("module", lesson.module),
        ("thread", thread),
        ("assignment", submission.assignment),
        ("submission", submission),
    ]:
        response = client.get(reverse(f"admin:learning_{name}_changelist"))
        assert response.status_code == 200, name
        assert str(obj) in response.content.decode(), name
        assert (
            client.get(reverse(f"admin:learning_{name}_change", args=[obj.pk])).status_code == 200
        )


def test_coordinators_and_staff_get_no_admin(world, arena, signed_in):
    SubmissionFactory(assignment__course=arena.course_a, user=world.staff_a)
    for user in (world.coordinator_a, world.staff_a):
        user.is_staff = True  # even with admin access, the arena's models stay closed
        user.save()
        response = signed_in(user).get(reverse("admin:learning_submission_changelist"))
        assert response.status_code == 403
