"""Seats are never overbooked, also when many people register at the same moment (PostgreSQL)."""

import threading

import pytest
from django.db import connection

from courses import services
from courses.models import Registration
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import CourseFactory, GatheringFactory

Status = Registration.Status


def run_at_once(functions):
    """Run each function in its own thread (own DB connection), released together."""
    barrier = threading.Barrier(len(functions))
    errors = []

    def worker(fn):
        try:
            barrier.wait()
            fn()
        except Exception as error:  # noqa: BLE001 - collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(fn,)) for fn in functions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.fixture
def setup(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    gathering = GatheringFactory(course=course, county=world.county_a, capacity=3)
    people = []
    for i in range(10):
        user = UserFactory(email=f"samtidig{i}@example.no")
        grant(user, RoleAssignment.Role.STAFF, library=world.library_a)
        people.append(user)
    return gathering, people


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_never_overbook(setup):
    gathering, people = setup
    errors = run_at_once(
        [
            lambda user=user: services.registration_create(user=user, gathering=gathering)
            for user in people
        ]
    )
    assert errors == []
    registrations = Registration.objects.filter(gathering=gathering)
    assert registrations.filter(status=Status.CONFIRMED).count() == 3
    waiting = registrations.filter(status=Status.WAITING)
    assert waiting.count() == 7
    assert sorted(waiting.values_list("waiting_position", flat=True)) == list(range(1, 8))


@pytest.mark.django_db(transaction=True)
def test_parallel_cancel_and_register(setup):
    gathering, people = setup
    first = [services.registration_create(user=u, gathering=gathering) for u in people[:5]]
    # 3 confirmed, 2 waiting. Now two confirmed cancel while four newcomers register.
    jobs = [
        lambda r=r, u=u: services.registration_cancel(registration=r, cancelled_by=u)
        for r, u in zip(first[:2], people[:2], strict=True)
    ] + [
        lambda user=user: services.registration_create(user=user, gathering=gathering)
        for user in people[5:9]
    ]
    errors = run_at_once(jobs)
    assert errors == []
    registrations = Registration.objects.filter(gathering=gathering)
    assert registrations.filter(status=Status.CONFIRMED).count() == 3
    # The two who waited first got the freed seats, never a newcomer.
    promoted = registrations.filter(user__in=people[3:5]).values_list("status", flat=True)
    assert set(promoted) == {Status.CONFIRMED}
    waiting = registrations.filter(status=Status.WAITING)
    assert waiting.count() == 4
    assert sorted(waiting.values_list("waiting_position", flat=True)) == [1, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_double_click_registers_once(setup):
    gathering, people = setup
    user = people[0]
    errors = run_at_once(
        [lambda: services.registration_create(user=user, gathering=gathering) for _ in range(4)]
    )
    assert len(errors) == 3
    assert all("already registered" in str(e) for e in errors)
    assert Registration.objects.filter(gathering=gathering, user=user).count() == 1
