"""The cards of the courses open to a person are kept as HTML once for everyone with the same
rule (`courses.views._open_courses_html`), keyed by which gatherings are coming and full rather
than by the registrations' state: each person sees their own courses, and a seat taken or freed,
a new course and a gathering that has ended show at the next read."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Registration
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

Status = Registration.Status


def _full(municipality: str) -> str:
    """How a full gathering's line ends (in any language; a cancelled one is not asked)."""
    return f"{municipality} – "


@pytest.fixture
def page(client_for):
    def read(person) -> str:
        return client_for(person).get(reverse("courses:course_list")).content.decode()

    return read


@pytest.fixture
def course(world):
    return CourseFactory(
        programme=world.programme,
        title="Kurs for fylke A",
        audience=Course.Audience.COUNTIES,
        audience_counties=[world.county_a],
    )


def test_each_person_sees_their_own_courses_and_every_seat_taken_or_freed(world, page, course):
    gathering = GatheringFactory(course=course, capacity=1, municipality="Setesby")
    for _read in range(2):  # computed, then kept
        shown = page(world.staff_a)
        assert "Setesby" in shown and _full("Setesby") not in shown
        assert '<li class="card mb-3">' in shown  # markup, not escaped text
        assert "Kurs for fylke A" not in page(world.staff_b)  # another county's rule

    registration = RegistrationFactory(gathering=gathering, status=Status.CONFIRMED)
    assert _full("Setesby") in page(world.staff_a)
    registration.status = Status.CANCELLED
    registration.save()
    assert "Setesby" in page(world.staff_a) and _full("Setesby") not in page(world.staff_a)
    registration.status = Status.OFFERED  # an open seat offer takes the seat too
    registration.save()
    assert _full("Setesby") in page(world.staff_a)

    CourseFactory(
        programme=world.programme,
        title="Nytt kurs",
        audience=Course.Audience.COUNTIES,
        audience_counties=[world.county_b],
    )
    assert "Nytt kurs" in page(world.staff_b) and "Nytt kurs" not in page(world.staff_a)


def test_a_gathering_that_has_ended_leaves_the_cards_with_no_write(
    world, page, course, monkeypatch
):
    first = GatheringFactory(course=course, municipality="Førsteby")
    later = GatheringFactory(
        course=course,
        municipality="Senereby",
        starts_at=first.starts_at + timedelta(days=10),
        ends_at=first.ends_at + timedelta(days=10),
    )
    shown = page(world.staff_a)
    assert "Førsteby" in shown and "Senereby" in shown
    after_first = first.ends_at + timedelta(minutes=1)
    assert after_first < later.ends_at
    monkeypatch.setattr(timezone, "now", lambda: after_first)
    shown = page(world.staff_a)
    assert "Førsteby" not in shown and "Senereby" in shown


def test_the_cards_are_computed_once_for_everyone_with_the_same_rule(world, page, course):
    GatheringFactory(course=course, municipality="Setesby")
    colleague = UserFactory()
    grant(colleague, RoleAssignment.Role.STAFF, library=world.library_a)
    page(world.staff_a)
    with CaptureQueriesContext(connection) as queries:
        shown = page(colleague)
    assert "Setesby" in shown
    # The cards' courses and their areas are read only to compute them.
    assert not [q for q in queries if '"courses_course_competence_areas"' in q["sql"]]
