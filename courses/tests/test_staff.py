"""The library leader's day: register several staff at once, follow their registrations
gathering by gathering, decline with a reason the applicant sees, and the count on the home page."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from courses import services
from courses.home_actions import course_actions
from courses.models import Registration
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import CourseFactory, GatheringFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def team(world):
    """Three more staff at Trondheim folkebibliotek (led by library_leader_a)."""
    people = []
    for name in ("Siri Samling", "Tor Tilstede", "Una Underveis"):
        person = UserFactory(full_name=name)
        grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
        people.append(person)
    return people


@pytest.fixture
def gathering(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    return GatheringFactory(course=course, capacity=2, requires_leader_approval=True)


def test_leader_registers_several_seats_then_waiting_list(
    world, team, gathering, django_capture_on_commit_callbacks
):
    leader = world.library_leader_a
    with django_capture_on_commit_callbacks(execute=True):
        created = services.registration_create_for_staff(
            registered_by=leader,
            gathering=gathering,
            people=[(p, world.library_a) for p in team],
        )
    assert [(r.status, r.waiting_position) for r in created] == [
        (Status.CONFIRMED, None),  # the leader's registration is the approval
        (Status.CONFIRMED, None),
        (Status.WAITING, 1),
    ]
    assert all(r.registered_by == leader for r in created)
    assert created[0].decided_by == leader
    told = {m.to[0]: m for m in mail.outbox}
    assert set(told) == {p.email for p in team}
    assert "Berit Biblioteksjef registered you" in told[team[0].email].body
    assert "waiting list" in told[team[2].email].subject


def test_a_leaders_registration_stays_approved_when_a_seat_is_offered_later(world, team, gathering):
    created = services.registration_create_for_staff(
        registered_by=world.library_leader_a,
        gathering=gathering,
        people=[(p, world.library_a) for p in team],
    )
    services.registration_cancel(registration=created[0], cancelled_by=team[0])
    waiting = created[2]
    waiting.refresh_from_db()
    assert waiting.status == Status.OFFERED
    services.registration_offer_accept(registration=waiting, accepted_by=team[2])
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED  # no second approval asked


def test_all_or_nothing_with_each_reason_named(world, team, gathering):
    services.registration_create(user=team[0], gathering=gathering)
    with pytest.raises(ValidationError) as error:
        services.registration_create_for_staff(
            registered_by=world.library_leader_a,
            gathering=gathering,
            people=[(team[0], world.library_a), (team[1], world.library_a)],
        )
    assert error.value.messages == [
        f"{team[0].get_full_name()}: You are already registered for this gathering."
    ]
    assert not Registration.objects.filter(user=team[1]).exists()
    # Staff of another library, or someone leading nothing, cannot be registered.
    for leader, person, library in (
        (world.library_leader_a, world.staff_b, world.library_b),
        (world.staff_a, team[1], world.library_a),
    ):
        with pytest.raises(ValidationError, match="library you lead"):
            services.registration_create_for_staff(
                registered_by=leader, gathering=gathering, people=[(person, library)]
            )


def test_bulk_registration_page(world, team, gathering, client_for):
    url = reverse("courses:staff_register", args=[gathering.pk])
    services.registration_create(user=world.staff_a, gathering=gathering)
    assert client_for(world.staff_a).get(url).status_code == 403
    # The course reaches the whole programme: Hamar's leader registers Hamar's staff only.
    hamar = client_for(world.library_leader_b).get(url).content.decode()
    assert f'value="{world.staff_b.pk}:{world.library_b.pk}"' in hamar
    assert f'value="{team[0].pk}:' not in hamar
    client = client_for(world.library_leader_a)
    page = client.get(url).content.decode()
    for person in team:
        assert f'value="{person.pk}:{world.library_a.pk}"' in page
    assert f'value="{world.staff_a.pk}:' not in page  # already registered: shown with a status
    assert "Awaiting the library leader" in page
    empty = client.post(url, {})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    response = client.post(
        url,
        {"people": [f"{team[0].pk}:{world.library_a.pk}", f"{team[1].pk}:{world.library_a.pk}"]},
    )
    assert response.status_code == 302
    assert response.url == reverse("courses:staff_registrations")
    assert set(
        Registration.objects.filter(registered_by=world.library_leader_a).values_list(
            "user_id", "status"
        )
    ) == {(team[0].pk, Status.CONFIRMED), (team[1].pk, Status.WAITING)}
    # A forged choice (someone not on the list) is refused by the form.
    forged = client.post(url, {"people": [f"{world.staff_b.pk}:{world.library_b.pk}"]})
    assert forged.status_code == 400
    course_page = client.get(reverse("courses:course_detail", args=[gathering.course_id]))
    assert url in course_page.content.decode()


def test_staff_overview_shows_status_per_gathering(world, team, gathering, client_for):
    other = GatheringFactory(course=gathering.course, capacity=1)
    services.registration_create_for_staff(
        registered_by=world.library_leader_a,
        gathering=other,
        people=[(team[0], world.library_a), (team[1], world.library_a)],
    )
    services.registration_create(user=world.staff_b, gathering=other)  # another library
    page = client_for(world.library_leader_a).get(reverse("courses:staff_registrations"))
    html = page.content.decode()
    assert "Siri Samling: Confirmed" in html
    assert "Tor Tilstede: On the waiting list (number 1)" in html
    assert world.staff_b.get_full_name() not in html
    hamar = client_for(world.library_leader_b).get(reverse("courses:staff_registrations"))
    assert "Siri Samling" not in hamar.content.decode()
    assert f"{world.staff_b.get_full_name()}: On the waiting list" in hamar.content.decode()
    assert (
        "None of your staff"
        in client_for(world.staff_a).get(reverse("courses:staff_registrations")).content.decode()
    )


def test_decline_with_a_reason_the_applicant_sees(
    world, gathering, client_for, django_capture_on_commit_callbacks
):
    registration = services.registration_create(user=world.staff_a, gathering=gathering)
    url = reverse("courses:registration_decline", args=[registration.pk])
    assert client_for(world.library_leader_b).get(url).status_code == 404
    client = client_for(world.library_leader_a)
    assert client.get(url).status_code == 200
    # A "no" sent to the one-click approval (an old page) is asked for its reason, not approved.
    old_form = client.post(
        reverse("courses:registration_decide", args=[registration.pk]), {"decision": "decline"}
    )
    assert old_form.url == url
    missing = client.post(url, {"reason": "  "})
    assert missing.status_code == 400
    registration.refresh_from_db()
    assert registration.status == Status.AWAITING_APPROVAL
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Vi har vakt den dagen."})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == Status.DECLINED
    assert registration.decision_reason == "Vi har vakt den dagen."
    message = next(m for m in mail.outbox if m.to == [world.staff_a.email])
    assert "Reason: Vi har vakt den dagen." in message.body
    assert "cancel here" not in message.body
    mine = client_for(world.staff_a).get(reverse("courses:registration_list")).content.decode()
    assert "Vi har vakt den dagen." in mine
    # A GET on the one-click approve address is a page that leads back, not a bare 405.
    page = client_for(world.library_leader_a).get(
        reverse("courses:registration_decide", args=[registration.pk])
    )
    assert page.status_code == 405 and "Go back" in page.content.decode()


def test_home_page_counts_approvals_and_links_the_staff_page(world, gathering, team):
    def labels():
        return [
            (a.label, a.count)
            for a in course_actions(user=world.library_leader_a, programme=world.programme)
        ]

    assert ("Your staff's course registrations", None) in labels()  # they may register staff
    assert not any("to approve" in label for label, _count in labels())
    for person in team[:2]:
        services.registration_create(user=person, gathering=gathering)
    assert ("Course registrations to approve", 2) in labels()
    assert "Your staff's course registrations" not in [
        a.label for a in course_actions(user=world.staff_a, programme=world.programme)
    ]
