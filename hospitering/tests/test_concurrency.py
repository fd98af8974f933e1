"""A period's places are never over-allocated, also when hosts approve at the same moment and
approved visitors withdraw meanwhile (PostgreSQL, one connection per thread)."""

import pytest
from django.core.exceptions import ValidationError

from courses.tests.test_concurrency import run_at_once
from hospitering import services
from hospitering.models import Application, Placement
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import OfferFactory, application_at, decide

Status = Application.Status


@pytest.fixture
def waiting_for_host(world):
    """A period with 3 places, 2 already given, and 6 applications waiting for the host."""
    offer = OfferFactory(
        programme=world.programme, host_library=world.library_a, periods=[(30, 20, 3)]
    )
    people = []
    for i in range(8):
        user = UserFactory(email=f"hospitant{i}@example.no")
        grant(user, RoleAssignment.Role.STAFF, library=world.library_b)
        people.append(user)
    approved = [
        application_at(world, "approved", offer, user, world.library_b, start=i)
        for i, user in enumerate(people[:2])
    ]
    waiting = [
        application_at(world, "host", offer, user, world.library_b, start=i)
        for i, user in enumerate(people[2:])
    ]
    return offer.periods.get(), approved, waiting


@pytest.mark.django_db(transaction=True)
def test_parallel_final_approvals_give_the_last_place_once(world, waiting_for_host):
    period, _approved, waiting = waiting_for_host
    hosts = [world.library_leader_a, world.coordinator_a]
    errors = run_at_once(
        [
            lambda a=application, i=i: decide(a, hosts[i % 2])
            for i, application in enumerate(waiting)
        ]
    )
    assert period.applications.filter(status=Status.APPROVED).count() == 3
    assert len(errors) == 5
    assert all(isinstance(e, ValidationError) for e in errors)
    assert all("is full: its last place was given a moment ago" in str(e) for e in errors)
    # The refused applications still wait for the host, with nothing half-written.
    assert period.applications.filter(status=Status.PENDING).count() == 5
    assert Placement.objects.filter(application__period=period).count() == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_withdrawals_and_approvals_never_overallocate(world, waiting_for_host):
    period, approved, waiting = waiting_for_host
    jobs = [
        lambda a=a: services.application_withdraw(application=a, withdrawn_by=a.applicant)
        for a in approved
    ] + [lambda a=a: decide(a, world.library_leader_a) for a in waiting]
    run_at_once(jobs)
    # Two places were freed and the one left was free: whatever the order, never more than 3.
    given = period.applications.filter(status=Status.APPROVED).count()
    assert 1 <= given <= 3
    assert period.applications.filter(status=Status.WITHDRAWN).count() == 2
    live = Placement.objects.filter(application__period=period, cancelled_at__isnull=True)
    assert live.count() == given
