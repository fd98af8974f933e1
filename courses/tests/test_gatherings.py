"""Gathering rules that speak plainly: no raw constraint names, no gathering created in the past
or with its registration already closed, delete when nobody registered, else cancel."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Gathering

from .factories import CourseFactory, GatheringFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    return CourseFactory(programme=world.programme, county=world.county_a)


def _form(when, **changes):
    day = when.strftime("%Y-%m-%d")
    data = {
        "title": "Samling",
        "starts_at": f"{day}T09:00",
        "ends_at": f"{day}T15:00",
        "venue_name": "Biblioteket",
        "county": "",
        "capacity": "10",
        "registration_deadline": (when - timedelta(days=7)).strftime("%Y-%m-%dT12:00"),
    }
    data.update(changes)
    return data


def test_end_before_start_and_opening_after_deadline_in_plain_words(world, course, client_for):
    client = client_for(world.coordinator_a)
    url = reverse("courses:gathering_create", args=[course.pk])
    when = timezone.now() + timedelta(days=60)
    data = _form(when, county=world.county_a.pk)
    data["ends_at"] = data["starts_at"].replace("09:00", "08:00")
    data["registration_opens_at"] = (when - timedelta(days=2)).strftime("%Y-%m-%dT12:00")
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "The gathering must end after it starts." in html
    assert "Registration must open before the deadline." in html
    assert "gathering_ends_after_start" not in html and "gathering_deadline" not in html
    assert 'value="Biblioteket"' in html  # the input is kept
    assert not Gathering.objects.exists()


def test_past_gathering_or_closed_registration_refused_at_creation(world, course, client_for):
    client = client_for(world.coordinator_a)
    url = reverse("courses:gathering_create", args=[course.pk])
    past = timezone.now() - timedelta(days=3)
    response = client.post(url, _form(past, county=world.county_a.pk))
    assert "cannot start in the past" in response.content.decode()
    soon = timezone.now() + timedelta(days=3)  # deadline a week before: already passed
    response = client.post(url, _form(soon, county=world.county_a.pk))
    assert "registration deadline has already passed" in response.content.decode()
    assert not Gathering.objects.exists()
    # An existing gathering that has started can still be edited (e.g. its venue).
    started = GatheringFactory(course=course, county=world.county_a)
    Gathering.objects.filter(pk=started.pk).update(
        starts_at=past, ends_at=past + timedelta(hours=6), registration_deadline=past
    )
    started.refresh_from_db()
    services.gathering_update(
        gathering=started, updated_by=world.coordinator_a, venue_name="Nytt sted"
    )


def test_a_gathering_nobody_registered_for_can_be_deleted(world, course, client_for):
    empty = GatheringFactory(course=course)
    taken = GatheringFactory(course=course)
    services.registration_create(user=world.staff_a, gathering=taken)
    client = client_for(world.coordinator_a)
    detail = client.get(reverse("courses:course_detail", args=[course.pk])).content.decode()
    assert reverse("courses:gathering_delete", args=[empty.pk]) in detail
    assert reverse("courses:gathering_delete", args=[taken.pk]) not in detail
    assert reverse("courses:gathering_cancel", args=[taken.pk]) in detail
    assert (
        client_for(world.coordinator_b)
        .post(reverse("courses:gathering_delete", args=[empty.pk]))
        .status_code
        == 403
    )
    client = client_for(world.coordinator_a)
    response = client.post(reverse("courses:gathering_delete", args=[empty.pk]))
    assert response.status_code == 302 and not Gathering.objects.filter(pk=empty.pk).exists()
    # One with registrations is sent to cancelling; forcing the delete is refused plainly.
    response = client.get(reverse("courses:gathering_delete", args=[taken.pk]))
    assert response.url == reverse("courses:gathering_cancel", args=[taken.pk])
    refused = client.post(
        reverse("courses:gathering_delete", args=[taken.pk]),
        HTTP_REFERER="http://testserver" + reverse("courses:course_detail", args=[course.pk]),
        follow=True,
    )
    assert "cancel it instead" in refused.content.decode()
    assert Gathering.objects.filter(pk=taken.pk).exists()
