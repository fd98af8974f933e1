"""The pages over HTTP: scoping, the two-click registration, clear answers, manager pages."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Course, Gathering, Registration

from .factories import CourseFactory, GatheringFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def course(world):
    return CourseFactory(
        programme=world.programme,
        county=world.county_a,
        title="Partnerskap i praksis",
        competence_areas=world.areas[:2],
    )


@pytest.fixture
def gathering(course, world):
    return GatheringFactory(course=course, county=world.county_a, capacity=1)


def test_pages_render_for_each_role(world, course, gathering, client_for):
    services.registration_create(user=world.staff_a, gathering=gathering)
    for person in ("project_leader", "coordinator_a", "coordinator_b", "staff_a", "staff_b"):
        client = client_for(getattr(world, person))
        assert client.get(reverse("courses:course_list")).status_code == 200, person
        assert client.get(reverse("courses:registration_list")).status_code == 200, person
        assert client.get(reverse("courses:calendar_feed_manage")).status_code == 200, person
        detail = client.get(reverse("courses:course_detail", args=[course.pk]))
        assert detail.status_code == 200, person  # a programme-wide audience
    assert (
        client_for(world.outsider)
        .get(reverse("courses:course_detail", args=[course.pk]))
        .status_code
        == 404
    )


def test_course_detail_links_register_and_the_arena_once_registered(
    world, course, gathering, client_for
):
    client = client_for(world.staff_a)
    url = reverse("courses:course_detail", args=[course.pk])
    arena = reverse("learning:course_arena", args=[course.pk])
    html = client.get(url).content.decode()
    assert reverse("courses:registration_create", args=[gathering.pk]) in html
    assert reverse("courses:participant_list", args=[gathering.pk]) not in html
    assert arena not in html  # the arena is for participants; its link would only answer 404
    services.registration_create(user=world.staff_a, gathering=gathering)
    assert arena in client.get(url).content.decode()
    assert arena in client_for(world.coordinator_a).get(url).content.decode()


def test_two_click_registration_and_waiting_list(world, gathering, client_for):
    url = reverse("courses:registration_create", args=[gathering.pk])
    client = client_for(world.staff_a)
    page = client.get(url)
    assert page.status_code == 200 and "Confirm registration" in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302, response.content.decode()[-3000:]
    assert Registration.objects.get(user=world.staff_a).status == Status.CONFIRMED
    # Register again: a clear answer, no crash.
    again = client.post(url)
    assert again.status_code == 400
    assert "already registered" in again.content.decode()
    # The next person in the county lands on the waiting list.
    client = client_for(world.library_leader_a)
    assert "Join the waiting list" in client.get(url).content.decode()
    client.post(url)
    assert Registration.objects.get(user=world.library_leader_a).waiting_position == 1


def test_outside_audience_is_404_or_explained(world, client_for):
    course_b = CourseFactory(
        programme=world.programme,
        county=world.county_b,
        audience=Course.Audience.COUNTIES,
        audience_counties=[world.county_b],
    )
    gathering_b = GatheringFactory(course=course_b)
    response = client_for(world.staff_a).post(
        reverse("courses:registration_create", args=[gathering_b.pk])
    )
    assert response.status_code == 404
    # A coordinator of A can see the course, but not register for it: explained.
    response = client_for(world.coordinator_a).post(
        reverse("courses:registration_create", args=[gathering_b.pk])
    )
    assert response.status_code == 400
    assert "other counties" in response.content.decode()


def test_deadline_passed_is_explained(world, course, client_for):
    late = GatheringFactory(
        course=course, registration_deadline=timezone.now() - timedelta(hours=1)
    )
    response = client_for(world.staff_a).post(
        reverse("courses:registration_create", args=[late.pk])
    )
    assert response.status_code == 400
    assert "deadline" in response.content.decode()
    assert not Registration.objects.exists()


def test_cancel_promotes_and_mails(
    world, gathering, client_for, django_capture_on_commit_callbacks
):
    first = services.registration_create(user=world.staff_a, gathering=gathering)
    second = services.registration_create(user=world.library_leader_a, gathering=gathering)
    client = client_for(world.staff_a)
    url = reverse("courses:registration_cancel", args=[first.pk])
    assert client.get(url).status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    second.refresh_from_db()
    assert second.status == Status.OFFERED
    assert any(world.library_leader_a.email in m.to for m in mail.outbox)
    # Someone else cannot cancel a registration they cannot see.
    assert (
        client_for(world.staff_b)
        .post(reverse("courses:registration_cancel", args=[second.pk]))
        .status_code
        == 404
    )


def test_manager_pages_scoped(world, gathering, client_for):
    services.registration_create(user=world.staff_a, gathering=gathering)
    for name in ("participant_list", "attendance", "gathering_update", "gathering_evaluation"):
        url = reverse(f"courses:{name}", args=[gathering.pk])
        assert client_for(world.coordinator_a).get(url).status_code == 200, name
        assert client_for(world.coordinator_b).get(url).status_code == 403, name
        assert client_for(world.staff_a).get(url).status_code == 403, name
        assert client_for(world.outsider).get(url).status_code == 404, name


def test_course_and_gathering_create(world, client_for):
    client = client_for(world.coordinator_a)
    url = reverse("courses:course_create") + f"?programme={world.programme.pk}"
    page = client.get(url)
    assert page.status_code == 200
    # A coordinator may only choose their own county, never programme-wide.
    assert "The whole programme (project leader)" not in page.content.decode()
    response = client.post(
        url,
        {
            "programme": world.programme.pk,
            "county": world.county_b.pk,
            "title": "Forsøk",
            "audience": "programme",
        },
    )
    assert response.status_code == 400  # county B is not a choice
    response = client.post(
        url,
        {
            "programme": world.programme.pk,
            "county": world.county_a.pk,
            "title": "Samarbeid over fylkesgrensene",
            "description": "Om samarbeid.",
            "competence_areas": [world.areas[0].pk],
            "audience": "programme",
        },
    )
    course = Course.objects.get(title="Samarbeid over fylkesgrensene")
    assert response.status_code == 302 and course.county == world.county_a
    url = reverse("courses:gathering_create", args=[course.pk])
    assert client.get(url).status_code == 200
    data = {
        "title": "Samling 1",
        "starts_at": "2031-09-14T09:00",
        "ends_at": "2031-09-14T15:30",
        "venue_name": "Hovedbiblioteket",
        "municipality": "Trondheim",
        "county": world.county_a.pk,
        "capacity": "20",
        "registration_deadline": "2031-09-20T12:00",  # after the start: refused
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "before the gathering starts" in response.content.decode()
    assert 'value="Hovedbiblioteket"' in response.content.decode()  # input kept
    data["registration_deadline"] = "2031-09-07T12:00"
    assert client.post(url, data).status_code == 302
    gathering = Gathering.objects.get(course=course)
    assert timezone.localtime(gathering.starts_at).hour == 9
    # coordinator B may not add gatherings to A's course
    assert client_for(world.coordinator_b).get(url).status_code == 403


def test_malformed_and_missing_ids(world, client_for):
    client = client_for(world.staff_a)
    assert client.get("/kurs/999999/").status_code == 404
    assert client.get("/kurs/abc/").status_code == 404
    assert client.get("/kurs/kalender/not-a-token.ics").status_code == 404
    assert client.get(reverse("courses:course_create") + "?programme=x").status_code == 404


def test_gathering_cancel_page(world, gathering, client_for, django_capture_on_commit_callbacks):
    services.registration_create(user=world.staff_a, gathering=gathering)
    url = reverse("courses:gathering_cancel", args=[gathering.pk])
    assert client_for(world.coordinator_b).post(url).status_code == 403
    client = client_for(world.coordinator_a)
    assert "1 person is registered" in client.get(url).content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url).status_code == 302
    gathering.refresh_from_db()
    assert gathering.is_cancelled
    assert [m.to for m in mail.outbox] == [[world.staff_a.email]]
    # Twice: a message, no crash.
    response = client.post(url, follow=True)
    assert "already cancelled" in response.content.decode()


def test_approval_by_the_library_leader_only(world, gathering, client_for):
    gathering.requires_leader_approval = True
    gathering.save()
    registration = services.registration_create(user=world.staff_a, gathering=gathering)
    url = reverse("courses:registration_decide", args=[registration.pk])
    # Coordinators see the registration but do not decide; other leaders do not see it.
    assert client_for(world.coordinator_a).post(url, {"decision": "approve"}).status_code == 403
    assert client_for(world.library_leader_b).post(url, {"decision": "approve"}).status_code == 404
    leader = client_for(world.library_leader_a)
    assert world.staff_a.full_name in leader.get(reverse("courses:approval_list")).content.decode()
    assert leader.get(url).status_code == 405  # POST only
    assert leader.post(url, {"decision": "approve"}).status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    response = leader.post(url, {"decision": "decline"}, follow=True)
    assert "not waiting for a decision" in response.content.decode()


def test_manager_decides_where_the_library_has_no_leader(world, gathering, client_for):
    from portal.models import Library, RoleAssignment
    from portal.tests.factories import UserFactory, grant

    gathering.requires_leader_approval = True
    gathering.save()
    leaderless = Library.objects.create(name="Malvik bibliotek", county=world.county_a)
    person = UserFactory(full_name="Lone Ledig")
    grant(person, RoleAssignment.Role.STAFF, library=leaderless)
    registration = services.registration_create(user=person, gathering=gathering)
    assert registration.status == Status.AWAITING_APPROVAL
    client = client_for(world.coordinator_a)
    page = client.get(reverse("courses:participant_list", args=[gathering.pk]))
    url = reverse("courses:registration_decide", args=[registration.pk])
    assert url in page.content.decode()
    response = client.post(url, {"decision": "approve", "back": "participants"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert client_for(world.coordinator_b).post(url, {"decision": "decline"}).status_code == 404
