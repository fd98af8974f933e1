"""Check-in on the day: search by name, "mark everyone present", correct the few absent."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.models import Registration
from portal.tests.factories import UserFactory

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def today(world):
    now = timezone.now()
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=5),
        registration_deadline=now - timedelta(days=1),
    )
    people = {}
    for name in ("Ingrid Øyen", "Ola Nordmann", "Kari Nordmann"):
        person = UserFactory(full_name=name)
        people[name] = RegistrationFactory(gathering=gathering, user=person)
    RegistrationFactory(gathering=gathering, status=Status.WAITING, waiting_position=1)
    return gathering, people


def test_search_by_name_shows_only_those_matching(world, today, client_for):
    gathering, people = today
    client = client_for(world.coordinator_a)
    url = reverse("courses:attendance", args=[gathering.pk])
    page = client.get(url, {"q": "nordmann"}).content.decode()
    assert "Ola Nordmann" in page and "Kari Nordmann" in page and "Ingrid Øyen" not in page
    page = client.get(url, {"q": "kari NORD"}).content.decode()
    assert "Kari Nordmann" in page and "Ola Nordmann" not in page
    assert "Nobody with a confirmed seat matches" in client.get(url, {"q": "zz"}).content.decode()
    # Marking the one found keeps the search, and leaves the others unmarked.
    kari = people["Kari Nordmann"]
    response = client.post(f"{url}?q=kari", {f"r{kari.pk}": "attended"})
    assert response.status_code == 302 and response.url.endswith("?q=kari")
    statuses = dict(gathering.registrations.values_list("user__full_name", "status"))
    assert statuses["Kari Nordmann"] == Status.ATTENDED
    assert statuses["Ola Nordmann"] == Status.CONFIRMED


def test_mark_everyone_present_then_correct_one(world, today, client_for):
    gathering, people = today
    client = client_for(world.coordinator_a)
    url = reverse("courses:attendance", args=[gathering.pk])
    assert "Mark everyone present" in client.get(url).content.decode()
    client.post(url, {"everyone": "present"})
    statuses = set(
        gathering.registrations.exclude(status=Status.WAITING).values_list("status", flat=True)
    )
    assert statuses == {Status.ATTENDED}
    assert gathering.registrations.filter(status=Status.WAITING).count() == 1  # untouched
    ola = people["Ola Nordmann"]
    client.post(url, {f"r{ola.pk}": "absent"})
    ola.refresh_from_db()
    assert ola.status == Status.ABSENT
    assert client_for(world.coordinator_b).post(url, {"everyone": "present"}).status_code == 403


def test_everyone_present_refused_before_the_day(world, client_for):
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a)
    )
    RegistrationFactory(gathering=gathering)
    response = client_for(world.coordinator_a).post(
        reverse("courses:attendance", args=[gathering.pk]), {"everyone": "present"}
    )
    assert response.status_code == 400
    assert gathering.registrations.get().status == Status.CONFIRMED
