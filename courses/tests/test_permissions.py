"""The permission matrix for courses, gatherings and registrations, walked both ways."""

import pytest

from courses import selectors
from courses.models import Course, Gathering, Registration
from courses.selectors import course_is_participant, course_participants
from portal import permissions

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def courses(world):
    county_a = CourseFactory(
        programme=world.programme,
        county=world.county_a,
        audience=Course.Audience.COUNTIES,
        audience_counties=[world.county_a],
    )
    county_b = CourseFactory(
        programme=world.programme,
        county=world.county_b,
        audience=Course.Audience.COUNTIES,
        audience_counties=[world.county_b],
    )
    programme_wide = CourseFactory(programme=world.programme, county=None)
    return {"a": county_a, "b": county_b, "programme": programme_wide}


MANAGE = {
    # person: courses they may manage
    "site_admin": {"a", "b", "programme"},
    "project_leader": {"a", "b", "programme"},
    "coordinator_a": {"a"},
    "coordinator_b": {"b"},
    "library_leader_a": set(),
    "staff_a": set(),
    "staff_b": set(),
    "outsider": set(),
}
VISIBLE = {
    "site_admin": {"a", "b", "programme"},
    "project_leader": {"a", "b", "programme"},
    "coordinator_a": {"a", "b", "programme"},
    "coordinator_b": {"a", "b", "programme"},
    "library_leader_a": {"a", "programme"},
    "staff_a": {"a", "programme"},
    "staff_b": {"b", "programme"},
    "outsider": set(),
}
REGISTER = {
    "site_admin": {"a", "b", "programme"},
    "project_leader": {"a", "programme"},  # staff of county A's county library
    "coordinator_a": {"a", "programme"},
    "coordinator_b": set(),  # works at no library
    "library_leader_a": {"a", "programme"},
    "staff_a": {"a", "programme"},
    "staff_b": {"b", "programme"},
    "outsider": set(),
}


@pytest.mark.parametrize("person", sorted(MANAGE))
def test_course_matrix(world, courses, person):
    user = getattr(world, person)
    visible = set(permissions.visible(user, Course).values_list("id", flat=True))
    assert visible == {courses[k].id for k in VISIBLE[person]}
    for key, course in courses.items():
        assert permissions.can(user, "manage", course) == (key in MANAGE[person]), key
        assert permissions.can(user, "register", course) == (key in REGISTER[person]), key
        assert permissions.can(user, "view", course) == (key in VISIBLE[person]), key
        gathering = GatheringFactory(course=course)
        assert permissions.can(user, "manage", gathering) == (key in MANAGE[person]), key
        seen = permissions.visible(user, Gathering).filter(pk=gathering.pk).exists()
        assert seen == (key in VISIBLE[person]), key


def test_registered_course_stays_visible(world, courses):
    gathering = GatheringFactory(course=courses["b"])
    RegistrationFactory(gathering=gathering, user=world.outsider)
    assert permissions.visible(world.outsider, Course).get() == courses["b"]
    assert permissions.can(world.outsider, "view", courses["b"])


def test_registration_matrix(world, courses):
    gathering = GatheringFactory(course=courses["a"])
    registration = RegistrationFactory(
        gathering=gathering, user=world.staff_a, library=world.library_a
    )
    expected = {
        # person: (view, cancel, decide, mark_attendance)
        "site_admin": (True, True, True, True),
        "project_leader": (True, True, False, True),
        "coordinator_a": (True, True, False, True),
        "coordinator_b": (False, False, False, False),
        "library_leader_a": (True, False, True, False),
        "library_leader_b": (False, False, False, False),
        "staff_a": (True, True, False, False),
        "staff_b": (False, False, False, False),
        "outsider": (False, False, False, False),
    }
    for person, (view, cancel, decide, attendance) in expected.items():
        user = getattr(world, person)
        seen = permissions.visible(user, Registration).filter(pk=registration.pk).exists()
        assert seen == view, person
        assert permissions.can(user, "view", registration) == view, person
        assert permissions.can(user, "cancel", registration) == cancel, person
        assert permissions.can(user, "decide", registration) == decide, person
        assert permissions.can(user, "mark_attendance", registration) == attendance, person


def test_certificate_who_is_the_policy_when_is_the_selector(world, courses):
    """The policy says who may fetch a person's certificate; whether one exists (attended, the
    gathering not cancelled) is decided outside the policy, for site admins too."""
    registration = RegistrationFactory(
        gathering=GatheringFactory(course=courses["a"]), user=world.staff_a
    )
    assert permissions.can(world.staff_a, "certificate", registration)
    assert not permissions.can(world.staff_b, "certificate", registration)
    assert not selectors.certificate_available(registration=registration)
    registration.status = Registration.Status.ATTENDED
    assert selectors.certificate_available(registration=registration)


def test_unknown_action_raises(world, courses):
    with pytest.raises(permissions.UnknownAction):
        permissions.can(world.staff_a, "delete", courses["a"])


def test_participants(world, courses):
    course = courses["programme"]
    g1, g2 = GatheringFactory(course=course), GatheringFactory(course=course)
    RegistrationFactory(gathering=g1, user=world.staff_a)
    RegistrationFactory(gathering=g2, user=world.staff_a, status=Registration.Status.ATTENDED)
    RegistrationFactory(
        gathering=g1, user=world.staff_b, status=Registration.Status.WAITING, waiting_position=1
    )
    RegistrationFactory(
        gathering=g2, user=world.library_leader_a, status=Registration.Status.CANCELLED
    )
    assert list(course_participants(course=course)) == [world.staff_a]
    assert course_is_participant(user=world.staff_a, course=course)
    assert not course_is_participant(user=world.staff_b, course=course)
    assert not course_is_participant(user=world.staff_a, course=courses["a"])
