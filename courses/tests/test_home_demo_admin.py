"""Home-page actions, the demo course series, and the admin asking the policy."""

import pytest
from django.urls import reverse

from courses import services
from courses.home_actions import course_actions, courses_demo_load
from courses.models import Course, Gathering, Registration
from portal.models import User

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def _labels(user, programme):
    return {a.url for a in course_actions(user=user, programme=programme)}


def test_home_actions_by_role(world):
    course_list = reverse("courses:course_list")
    approvals = reverse("courses:approval_list")
    mine = reverse("courses:registration_list")
    assert course_list in _labels(world.coordinator_a, world.programme)
    # Staff are offered courses only where one is open to them, and approvals only wait for
    # those who decide them.
    assert course_list not in _labels(world.staff_a, world.programme)
    assert approvals not in _labels(world.library_leader_a, world.programme)
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=None),
        requires_leader_approval=True,
    )
    assert course_list in _labels(world.staff_a, world.programme)
    RegistrationFactory(
        gathering=gathering,
        user=world.staff_a,
        library=world.library_a,
        status=Registration.Status.AWAITING_APPROVAL,
    )
    assert approvals in _labels(world.library_leader_a, world.programme)
    assert approvals not in _labels(world.library_leader_b, world.programme)
    assert approvals not in _labels(world.staff_a, world.programme)
    assert mine in _labels(world.staff_a, world.programme)
    assert _labels(world.outsider, world.programme) == set()


def test_demo_series_lives_relative_to_today_in_every_county():
    """Gatherings held (with attendance) and gatherings a newcomer can register for today."""
    from django.utils import timezone

    from portal.demo import demo_load

    programmes, _accounts = demo_load()
    programme = programmes[-1].programme  # the one running now
    courses_demo_load(programme=programme)
    courses_demo_load(programme=programme)  # idempotent
    series = Course.objects.get(programme=programme, county=None)
    gatherings = list(series.gatherings.order_by("starts_at"))
    now = timezone.now()
    assert len(gatherings) == 5
    assert {g.county.number for g in gatherings} == {"16", "04", "15", "17", "05"}
    held, coming = gatherings[:3], gatherings[3:]
    assert all(g.ends_at < now for g in held)
    newcomer = User.objects.get(email="ansatt2.steinkjer@demo.no")
    question = series.registration_questions.get(required=True)
    registration = services.registration_create(
        user=newcomer, gathering=coming[0], answers={question.pk: "Bibliotekar"}
    )
    assert registration.status == Registration.Status.CONFIRMED
    assert programme.start_date < held[0].starts_at.date()
    assert coming[-1].starts_at.date() < programme.end_date
    attended = Registration.objects.filter(status=Registration.Status.ATTENDED)
    assert {r.gathering_id for r in attended} == {g.pk for g in held}
    assert attended.order_by().values("library__county").distinct().count() == 5
    full = coming[-1]
    assert full.registrations.filter(status=Registration.Status.CONFIRMED).count() == full.capacity
    assert full.registrations.filter(status=Registration.Status.WAITING).count() == 2
    assert Course.objects.filter(programme=programme).count() == 2
    workshop = Gathering.objects.get(requires_leader_approval=True)
    assert workshop.registrations.filter(status=Registration.Status.AWAITING_APPROVAL).exists()


def test_admin_uses_the_policy(world, client_for):
    CourseFactory(programme=world.programme, county=world.county_a, title="Synlig")
    admin = client_for(world.site_admin)
    assert admin.get(reverse("admin:courses_course_changelist")).status_code == 200
    assert admin.get(reverse("admin:courses_registration_changelist")).status_code == 200
    assert admin.get(reverse("admin:courses_gathering_changelist")).status_code == 200
    # Not a side door for anyone else.
    coordinator = client_for(world.coordinator_a)
    assert coordinator.get(reverse("admin:courses_course_changelist")).status_code in (302, 403)
