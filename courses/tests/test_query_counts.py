"""The course list, the participant list and registration use as many queries with 30
registrations as with 3."""

from datetime import timedelta

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
    exports = [
        reverse("courses:participant_export", args=[gathering.pk, fmt]) for fmt in ("csv", "xlsx")
    ]
    _grow(world, gathering, 3, 0)
    small = [_count(client, page) for page in (url, *exports)]
    _grow(world, gathering, 27, 100)
    assert [_count(client, page) for page in (url, *exports)] == small
    # Rows awaiting a decision: the rules asked of them in one query more, however many.
    RegistrationFactory(gathering=gathering, status=Registration.Status.AWAITING_APPROVAL)
    one = _count(client, url)
    RegistrationFactory.create_batch(
        10, gathering=gathering, status=Registration.Status.AWAITING_APPROVAL
    )
    assert _count(client, url) == one == small[0] + 1


def _staff(world, n, start):
    people = []
    for i in range(start, start + n):
        user = UserFactory(email=f"ansatt{i}@example.no", full_name=f"Ansatt {i}")
        grant(user, RoleAssignment.Role.STAFF, library=world.library_a)
        people.append(user)
    return people


def _answered(world, gathering, people, questions):
    from courses import services

    for person in people:
        services.registration_create(
            user=person,
            gathering=gathering,
            answers={q.pk: "Vegetar" for q in questions},
        )


@pytest.fixture
def asked(world):
    from courses import services

    course = CourseFactory(programme=world.programme, county=world.county_a)
    questions = [
        services.question_create(
            course=course, created_by=world.coordinator_a, text=text, personal=personal
        )
        for text, personal in (("Diett", True), ("Rolle", False))
    ]
    return GatheringFactory(course=course, capacity=100), questions


def test_new_lists_constant(world, client_for, asked):
    """The participant list with answers, check-in with a search, My registrations with answers,
    the leader's staff overview, bulk registration and approvals, at two sizes."""
    gathering, questions = asked
    other = GatheringFactory(course=gathering.course, requires_leader_approval=True, capacity=100)
    pages = [
        (world.coordinator_a, reverse("courses:participant_list", args=[gathering.pk])),
        (world.coordinator_a, reverse("courses:attendance", args=[gathering.pk]) + "?q=ansatt"),
        (world.coordinator_a, reverse("courses:question_list", args=[gathering.course_id])),
        (world.library_leader_a, reverse("courses:staff_registrations")),
        (world.library_leader_a, reverse("courses:staff_register", args=[gathering.pk])),
        (world.library_leader_a, reverse("courses:approval_list")),
        (world.staff_a, reverse("courses:registration_list")),
        (world.library_leader_a, reverse("courses:course_detail", args=[gathering.course_id])),
        (world.coordinator_a, reverse("courses:course_detail", args=[gathering.course_id])),
    ]

    def grow(n, start):
        people = _staff(world, n, start)
        _answered(world, gathering, people, questions)
        _answered(world, other, people, [])
        for person in people:
            RegistrationFactory(gathering=GatheringFactory(course=gathering.course), user=person)

    from courses import services

    services.registration_create(
        user=world.staff_a, gathering=gathering, answers={q.pk: "Glutenfri" for q in questions}
    )
    grow(2, 0)
    small = [_count(client_for(user), url) for user, url in pages]
    grow(25, 100)
    services.registration_create(user=world.staff_a, gathering=other)
    large = [_count(client_for(user), url) for user, url in pages]
    assert small == large, list(zip([url for _u, url in pages], small, large, strict=True))


def test_registration_constant(world, client_for):
    """The confirm page and the registration itself (the POST), for a gathering with 3 and with
    30 registrations, in a programme with one and with four courses."""
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a), capacity=100
    )
    url = reverse("courses:registration_create", args=[gathering.pk])

    def register(person):
        client = client_for(person)
        confirm_page = _count(client, url)
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {})
        assert response.status_code == 302
        assert Registration.objects.filter(gathering=gathering, user=person).exists()
        return confirm_page, len(queries)

    first, second = _staff(world, 2, 300)
    _grow(world, gathering, 3, 0)
    small = register(first)
    _grow(world, gathering, 27, 100)
    for _ in range(3):
        more = CourseFactory(programme=world.programme, county=world.county_a)
        _grow(world, GatheringFactory(course=more), 2, 400 + 10 * more.pk)
    assert register(second) == small


def test_course_list_shows_coming_gatherings_only(world, client_for):
    """The past gatherings of a course one may take are on its page, not in the list."""
    course = CourseFactory(programme=world.programme, county=world.county_a)
    GatheringFactory(course=course, municipality="Framtidsby")
    past = GatheringFactory(course=course, municipality="Fortidsby")
    past.starts_at -= timedelta(days=400)
    past.ends_at -= timedelta(days=400)
    past.registration_deadline -= timedelta(days=400)
    past.save()
    page = client_for(world.staff_a).get(reverse("courses:course_list")).content.decode()
    assert "Framtidsby" in page and "Fortidsby" not in page
    detail = reverse("courses:course_detail", args=[course.pk])
    assert "Fortidsby" in client_for(world.staff_a).get(detail).content.decode()
