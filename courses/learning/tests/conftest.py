"""An arena for every test: a course in county A and one in county B, each with a participant."""

from dataclasses import dataclass

import pytest
from django.utils import translation

from courses.models import Course, Registration
from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from portal.models import User
from portal.tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _english(request):
    """Tests read messages in English, whatever the state of the nb/nn catalogues.

    Browser tests are left in the people's own language (Bokmål): they select by names and URLs.
    """
    if "browser_session" in request.fixturenames:
        yield
        return
    with translation.override("en"):
        yield


@dataclass
class Arena:
    course_a: Course  # county A, run by coordinator_a; staff_a takes part
    course_b: Course  # county B, run by coordinator_b; staff_b takes part
    programme_course: Course  # programme-wide: only the project leader manages it
    waiting: object  # on course A's waiting list: not a participant


def enrol(user, course, status=Registration.Status.CONFIRMED):
    gathering = course.gatherings.first() or GatheringFactory(course=course)
    kwargs = {"waiting_position": 1} if status == Registration.Status.WAITING else {}
    return RegistrationFactory(gathering=gathering, user=user, status=status, **kwargs)


@pytest.fixture
def arena(world) -> Arena:
    course_a = CourseFactory(
        programme=world.programme, county=world.county_a, title="Biblioteket i planarbeidet"
    )
    course_b = CourseFactory(programme=world.programme, county=world.county_b, title="Partnerskap")
    programme_course = CourseFactory(programme=world.programme, county=None, title="Felles kurs")
    enrol(world.staff_a, course_a)
    enrol(world.staff_b, course_b)
    waiting = UserFactory(full_name="Vera Venteliste")
    enrol(waiting, course_a, Registration.Status.WAITING)
    # Pages follow each person's language; these tests read them in English.
    User.objects.update(preferred_language="en")
    return Arena(course_a, course_b, programme_course, waiting)


@pytest.fixture
def signed_in(db):
    """signed_in(user): a test client of its own for that person (several can be used at once)."""
    from django.test import Client

    def sign_in(user):
        client = Client()
        client.force_login(user)
        return client

    return sign_in
