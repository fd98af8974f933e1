"""Seats are never overbooked, also when many people register at the same moment, and a seat
offer ends one way only, also when its "yes" races the expiry task (PostgreSQL, threads)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from courses import services
from courses.models import Registration
from portal.models import AuditLogEntry, RoleAssignment
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
    assert registrations.filter(status__in=Registration.SEAT_STATUSES).count() == 3
    # The two who waited first were offered the freed seats, never a newcomer.
    offered = registrations.filter(user__in=people[3:5]).values_list("status", flat=True)
    assert set(offered) == {Status.OFFERED}
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


@pytest.fixture
def offered(setup):
    """Three seats: two taken, one offered to the first of three waiting; two more wait."""
    gathering, people = setup
    registrations = [services.registration_create(user=u, gathering=gathering) for u in people[:6]]
    services.registration_cancel(registration=registrations[0], cancelled_by=people[0])
    offer = Registration.objects.get(gathering=gathering, status=Status.OFFERED)
    return gathering, people, offer


def _seats(gathering):
    return Registration.objects.filter(
        gathering=gathering, status__in=Registration.SEAT_STATUSES
    ).count()


@pytest.mark.django_db(transaction=True)
def test_an_open_offer_keeps_its_seat_from_parallel_newcomers(offered):
    gathering, people, offer = offered
    errors = run_at_once(
        [
            lambda user=user: services.registration_create(user=user, gathering=gathering)
            for user in people[6:10]
        ]
    )
    assert errors == []
    assert _seats(gathering) == 3
    offer.refresh_from_db()
    assert offer.status == Status.OFFERED
    newcomers = Registration.objects.filter(gathering=gathering, user__in=people[6:10])
    assert set(newcomers.values_list("status", flat=True)) == {Status.WAITING}
    positions = Registration.objects.filter(gathering=gathering, status=Status.WAITING)
    assert sorted(positions.values_list("waiting_position", flat=True)) == list(range(1, 7))


@pytest.mark.django_db(transaction=True)
def test_yes_racing_the_expiry_ends_one_way_only(offered):
    """The beat sees the offer as due while the person says yes at the same moment: either the
    seat is theirs and nobody else is offered it, or it expired and passed on — never both."""
    gathering, people, offer = offered
    later = offer.offer_expires_at  # the beat's clock says "due"; the person's says "open"
    errors = run_at_once(
        [
            lambda: services.registration_offer_accept(registration=offer, accepted_by=offer.user),
            lambda: services.registration_offers_expire(now=later),
        ]
    )
    offer.refresh_from_db()
    assert _seats(gathering) == 3
    new_offers = Registration.objects.filter(gathering=gathering, status=Status.OFFERED)
    if offer.status == Status.CONFIRMED:
        assert errors == [] and not new_offers.exists()
    else:
        assert offer.status == Status.OFFER_EXPIRED
        assert len(errors) == 1 and "expired" in str(errors[0])
        assert new_offers.count() == 1


@pytest.mark.django_db(transaction=True)
def test_beat_runs_that_overlap_expire_each_offer_once(offered):
    gathering, people, offer = offered
    Registration.objects.filter(pk=offer.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    errors = run_at_once([services.registration_offers_expire for _ in range(3)])
    assert errors == []
    offer.refresh_from_db()
    assert offer.status == Status.OFFER_EXPIRED
    assert AuditLogEntry.objects.filter(action="courses.registration.offer_expired").count() == 1
    assert Registration.objects.filter(gathering=gathering, status=Status.OFFERED).count() == 1
    assert _seats(gathering) == 3
