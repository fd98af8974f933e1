"""The course list and the participant list use as many queries with 30 registrations as with 3."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Registration
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _grow(world, gathering, n, start):
    for i in range(start, start + n):
        user = UserFactory(email=f"qc{i}@example.no")
        grant(user, RoleAssignment.Role.STAFF, library=world.library_a)
        RegistrationFactory(
            gathering=gathering,
            user=user,
            library=world.library_a,
            status=Registration.Status.ATTENDED if i % 2 else Registration.Status.CONFIRMED,
        )


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("person", ["coordinator_a", "staff_a"])
def test_course_list_constant(world, client_for, person):
    course = CourseFactory(
        programme=world.programme, county=world.county_a, competence_areas=world.areas
    )
    gathering = GatheringFactory(course=course, capacity=100)
    client = client_for(getattr(world, person))
    url = reverse("courses:course_list")
    RegistrationFactory(gathering=gathering, user=getattr(world, person), library=world.library_a)
    _grow(world, gathering, 2, 0)
    small = _count(client, url)
    _grow(world, gathering, 27, 100)
    # More courses and gatherings too.
    for _ in range(3):
        more = CourseFactory(
            programme=world.programme, county=world.county_a, competence_areas=world.areas[:1]
        )
        _grow(world, GatheringFactory(course=more), 1, 200 + more.pk)
    large = _count(client, url)
    assert small == large


def test_participant_list_constant(world, client_for):
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a), capacity=100
    )
    client = client_for(world.coordinator_a)
    url = reverse("courses:participant_list", args=[gathering.pk])
    _grow(world, gathering, 3, 0)
    small = _count(client, url)
    _grow(world, gathering, 27, 100)
    assert _count(client, url) == small
    for fmt in ("csv", "xlsx"):
        export = reverse("courses:participant_export", args=[gathering.pk, fmt])
        with CaptureQueriesContext(connection) as queries:
            client.get(export)
        assert len(queries) <= small
