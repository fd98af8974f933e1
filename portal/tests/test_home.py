"""The home page leads with what waits for the person, with counts, per role; its queries do not
grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.learning.models import Submission
from courses.learning.tests.factories import AssignmentFactory, SubmissionFactory
from courses.models import Registration
from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from hospitering.models import Placement
from hospitering.tests.factories import OfferFactory, application_at
from portal import services as portal_services
from portal.tests.factories import UserFactory, grant
from portal.tests.pages import home_waiting
from surveys.builder.services import survey_invite_users
from surveys.models import Participation
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db
Status = Registration.Status


def _home(client_for, user) -> str:
    response = client_for(user).get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _finished_placement(world, offer, applicant, home_library) -> Placement:
    """An approved placement whose visit ended last week (moved back in time for the test)."""
    application = application_at(world, "approved", offer, applicant, home_library)
    past = timezone.localdate() - timedelta(days=10)
    Placement.objects.filter(application=application).update(
        starts_on=past, ends_on=past + timedelta(days=2)
    )
    return application.placement


def _open_survey_for(world, users, *, started=()):
    survey = open_survey(build_survey(world), user=world.project_leader)
    survey_invite_users(survey=survey, users=users)
    Participation.objects.filter(survey=survey, user__in=started).update(started_at=timezone.now())
    return survey


def test_staff_see_surveys_gatherings_offers_and_reports_waiting(world, client_for):
    html = _home(client_for, world.staff_a)
    assert home_waiting(html) == {}
    assert "Nothing waits for you here right now." in html

    _open_survey_for(world, [world.staff_a], started=[world.staff_a])
    _open_survey_for(world, [world.staff_a])
    course = CourseFactory(programme=world.programme)
    soon = GatheringFactory(course=course, starts_at=timezone.now() + timedelta(days=10))
    later = GatheringFactory(course=course, starts_at=timezone.now() + timedelta(days=40))
    held = GatheringFactory(course=course, starts_at=timezone.now() - timedelta(days=40))
    for gathering in (soon, later):
        RegistrationFactory(gathering=gathering, user=world.staff_a, library=world.library_a)
    RegistrationFactory(
        gathering=held, user=world.staff_a, library=world.library_a, status=Status.ATTENDED
    )
    RegistrationFactory(
        gathering=GatheringFactory(course=course),
        user=world.staff_a,
        library=world.library_a,
        status=Status.OFFERED,
    )
    offer = OfferFactory(programme=world.programme, host_library=world.library_b)
    placement = _finished_placement(world, offer, world.staff_a, world.library_a)

    html = _home(client_for, world.staff_a)
    assert home_waiting(html) == {
        "Surveys to answer": 2,
        "Gatherings coming up": 2,
        "Seats offered to you": 1,
        "Job shadowing reports to write": 1,
    }
    assert "Started: 1 of 2." in html
    # The next gathering goes into the calendar with one click.
    assert reverse("courses:gathering_ics", args=[soon.pk]) in html
    assert reverse("hospitering:report_write", args=[placement.pk]) in html
    # The host side is asked for its feedback on the same visit.
    assert home_waiting(_home(client_for, world.library_leader_b)) == {
        "Feedback to give as host": 1
    }
    # Nothing of theirs waits for a colleague at the same library.
    assert home_waiting(_home(client_for, world.staff_b)) == {}


def test_library_leaders_see_approvals_and_invitations_waiting(world, client_for):
    course = CourseFactory(programme=world.programme)
    gathering = GatheringFactory(course=course, requires_leader_approval=True)
    for _ in range(3):
        person = UserFactory()
        grant(person, "staff", library=world.library_a)
        course_services.registration_create(user=person, gathering=gathering)
    portal_services.invitation_create(
        invited_by=world.library_leader_a,
        library=world.library_a,
        email="ny@example.no",
        full_name="Nina Ny",
        role="staff",
        language="nb",
    )
    offer = OfferFactory(programme=world.programme, host_library=world.library_b)
    application_at(world, "leader", offer, world.staff_a, world.library_a)

    html = _home(client_for, world.library_leader_a)
    assert home_waiting(html) == {
        "Course registrations to approve": 3,
        "Invitations not yet accepted": 1,
        "Job shadowing applications to decide": 1,
    }
    assert reverse("library_detail", args=[world.library_a.pk]) in html
    # The other county's leader has none of it.
    assert home_waiting(_home(client_for, world.library_leader_b)) == {}


def test_coordinators_see_hand_ins_to_give_feedback_on_in_their_county(world, client_for):
    assignment = AssignmentFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a)
    )
    SubmissionFactory.create_batch(2, assignment=assignment)
    SubmissionFactory(assignment=assignment, status=Submission.Status.APPROVED)

    html = _home(client_for, world.coordinator_a)
    assert home_waiting(html) == {"Assignments to give feedback on": 2}
    assert reverse("learning:assignment_list", args=[assignment.course_id]) in html
    assert home_waiting(_home(client_for, world.coordinator_b)) == {}
    assert home_waiting(_home(client_for, world.staff_a)) == {}


def _data(world, size: int) -> None:
    """`size` of everything that waits for someone in the world."""
    course = CourseFactory(programme=world.programme, county=world.county_a)
    gathering = GatheringFactory(course=course, requires_leader_approval=True)
    assignment = AssignmentFactory(course=course)
    offer = OfferFactory(
        programme=world.programme, host_library=world.library_a, periods=[(30, 90, 50)]
    )
    for _ in range(size):
        _open_survey_for(world, [world.staff_a, world.staff_b], started=[world.staff_a])
        RegistrationFactory(
            gathering=GatheringFactory(course=course), user=world.staff_a, library=world.library_a
        )
        person = UserFactory()
        RegistrationFactory(
            gathering=gathering,
            user=person,
            library=world.library_a,
            status=Status.AWAITING_APPROVAL,
        )
        SubmissionFactory(assignment=assignment, user=person)
        applicant = UserFactory()
        grant(applicant, "staff", library=world.library_b)
        application_at(world, "leader", offer, applicant, world.library_b)


QUERIES_HOME = {
    "staff_a": 11,
    "library_leader_a": 16,
    "library_leader_b": 17,
    "coordinator_a": 15,
    "project_leader": 16,
}


@pytest.mark.parametrize("person", sorted(QUERIES_HOME))
@pytest.mark.parametrize("size", [1, 6])
def test_home_page_queries_do_not_grow_with_the_data(
    world, client_for, django_assert_num_queries, person, size
):
    _data(world, size)
    user = getattr(world, person)
    client = client_for(user)
    client.get(reverse("home"))
    with django_assert_num_queries(QUERIES_HOME[person]):
        response = client.get(reverse("home"))
    assert home_waiting(response.content.decode())  # something waits for each of them
