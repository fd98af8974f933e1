"""Registration, the waiting list, approval, cancellation and attendance, through the services."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses import services
from courses.models import Course, Registration
from portal.models import AuditLogEntry, RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import CourseFactory, GatheringFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


def staff(world, n, library=None):
    people = []
    for i in range(n):
        user = UserFactory(email=f"deltaker{i}@example.no", full_name=f"Deltaker {i}")
        grant(user, RoleAssignment.Role.STAFF, library=library or world.library_a)
        people.append(user)
    return people


@pytest.fixture
def gathering(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    return GatheringFactory(course=course, county=world.county_a, capacity=2)


def positions(gathering):
    return list(
        gathering.registrations.filter(status=Status.WAITING)
        .order_by("waiting_position")
        .values_list("user__email", "waiting_position")
    )


def test_register_confirms_then_waiting_list(world, gathering, django_capture_on_commit_callbacks):
    a, b, c, d = staff(world, 4)
    with django_capture_on_commit_callbacks(execute=True):
        r1 = services.registration_create(user=a, gathering=gathering)
        r2 = services.registration_create(user=b, gathering=gathering)
        r3 = services.registration_create(user=c, gathering=gathering)
        r4 = services.registration_create(user=d, gathering=gathering)
    assert (r1.status, r2.status) == (Status.CONFIRMED, Status.CONFIRMED)
    assert r1.library == world.library_a
    assert (r3.status, r3.waiting_position) == (Status.WAITING, 1)
    assert (r4.status, r4.waiting_position) == (Status.WAITING, 2)
    subjects = [m.subject for m in mail.outbox]
    assert sum("Registration confirmed" in s for s in subjects) == 2
    assert sum("waiting list" in s for s in subjects) == 2
    confirmation = mail.outbox[0]
    assert confirmation.to == [a.email]
    assert confirmation.attachments[0][0] == "samling.ics"
    assert "number 1 on the waiting list" in mail.outbox[2].body


def test_cancellation_offers_the_seat_to_the_first_waiting(
    world, gathering, django_capture_on_commit_callbacks
):
    a, b, c, d = staff(world, 4)
    r1 = services.registration_create(user=a, gathering=gathering)
    services.registration_create(user=b, gathering=gathering)
    r3 = services.registration_create(user=c, gathering=gathering)
    services.registration_create(user=d, gathering=gathering)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=r1, cancelled_by=a)
    r1.refresh_from_db()
    r3.refresh_from_db()
    assert r1.status == Status.CANCELLED and r1.cancelled_at
    assert (r3.status, r3.waiting_position) == (Status.OFFERED, None)
    assert r3.offer_expires_at > timezone.now() + timedelta(hours=47)
    assert positions(gathering) == [(d.email, 1)]
    assert {m.to[0]: m.subject for m in mail.outbox}.keys() == {a.email, c.email}
    offer = next(m for m in mail.outbox if m.to == [c.email])
    assert "A seat is free for you" in offer.subject
    assert f"/kurs/pameldinger/{r3.pk}/tilbud/" in offer.body
    assert not offer.attachments  # no calendar event before they say yes
    assert AuditLogEntry.objects.filter(action="courses.registration.cancelled").count() == 1
    assert AuditLogEntry.objects.filter(action="courses.registration.offered").count() == 1


def test_leaving_the_waiting_list_closes_the_gap(world, gathering):
    people = staff(world, 5)
    registrations = [services.registration_create(user=p, gathering=gathering) for p in people]
    services.registration_cancel(registration=registrations[3], cancelled_by=people[3])
    assert positions(gathering) == [(people[2].email, 1), (people[4].email, 2)]


def test_clear_answers_never_crashes(world, gathering):
    services.registration_create(user=world.staff_a, gathering=gathering)
    with pytest.raises(ValidationError, match="already registered"):
        services.registration_create(user=world.staff_a, gathering=gathering)
    with pytest.raises(ValidationError, match="other counties"):
        county_only = CourseFactory(
            programme=world.programme,
            county=world.county_b,
            audience=Course.Audience.COUNTIES,
            audience_counties=[world.county_b],
        )
        services.registration_create(
            user=world.staff_a, gathering=GatheringFactory(course=county_only)
        )
    late = GatheringFactory(
        course=gathering.course, registration_deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="deadline"):
        services.registration_create(user=world.staff_a, gathering=late)
    early = GatheringFactory(
        course=gathering.course, registration_opens_at=timezone.now() + timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="Registration opens"):
        services.registration_create(user=world.staff_a, gathering=early)
    services.gathering_cancel(gathering=gathering, cancelled_by=world.coordinator_a)
    with pytest.raises(ValidationError, match="cancelled"):
        services.registration_create(user=world.staff_b, gathering=gathering)


def test_cancel_twice_is_refused(world, gathering):
    registration = services.registration_create(user=world.staff_a, gathering=gathering)
    services.registration_cancel(registration=registration, cancelled_by=world.staff_a)
    with pytest.raises(ValidationError, match="already cancelled"):
        services.registration_cancel(registration=registration, cancelled_by=world.staff_a)
    # and one may register again afterwards
    again = services.registration_create(user=world.staff_a, gathering=gathering)
    assert again.status == Status.CONFIRMED


def test_leader_approval_keeps_the_seat(world, gathering, django_capture_on_commit_callbacks):
    gathering.requires_leader_approval = True
    gathering.capacity = 1
    gathering.save()
    other = staff(world, 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        pending = services.registration_create(user=world.staff_a, gathering=gathering)
        waiting = services.registration_create(user=other, gathering=gathering)
    assert pending.status == Status.AWAITING_APPROVAL  # holds the only seat
    assert waiting.status == Status.WAITING
    request = next(m for m in mail.outbox if world.library_leader_a.email in m.to)
    assert "approve" in request.subject.lower()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_decide(
            registration=pending,
            decided_by=world.library_leader_a,
            approve=False,
            reason="Vi har ikke budsjett til reisen.",
        )
    pending.refresh_from_db()
    waiting.refresh_from_db()
    assert pending.status == Status.DECLINED
    # The freed seat is offered to the waiting list; once taken, it awaits the leader's "yes".
    assert waiting.status == Status.OFFERED
    services.registration_offer_accept(registration=waiting, accepted_by=other)
    waiting.refresh_from_db()
    assert waiting.status == Status.AWAITING_APPROVAL
    services.registration_decide(
        registration=waiting, decided_by=world.library_leader_a, approve=True
    )
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED and waiting.decided_by == world.library_leader_a
    with pytest.raises(ValidationError):
        services.registration_decide(
            registration=waiting, decided_by=world.library_leader_a, approve=True
        )
    assert AuditLogEntry.objects.filter(action="courses.registration.declined").exists()
    assert AuditLogEntry.objects.filter(action="courses.registration.approved").exists()


def test_more_seats_promote_and_fewer_than_taken_refused(world, gathering):
    people = staff(world, 4)
    for person in people:
        services.registration_create(user=person, gathering=gathering)
    with pytest.raises(ValidationError) as error:
        services.gathering_update(gathering=gathering, updated_by=world.coordinator_a, capacity=1)
    assert "capacity" in error.value.message_dict
    services.gathering_update(gathering=gathering, updated_by=world.coordinator_a, capacity=3)
    assert gathering.registrations.filter(status=Status.CONFIRMED).count() == 2
    assert gathering.registrations.get(status=Status.OFFERED).user == people[2]
    assert positions(gathering) == [(people[3].email, 1)]


def test_change_and_cancel_notify_registrants(world, gathering, django_capture_on_commit_callbacks):
    people = staff(world, 3)
    for person in people:
        services.registration_create(user=person, gathering=gathering)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.gathering_update(
            gathering=gathering,
            updated_by=world.coordinator_a,
            starts_at=gathering.starts_at + timedelta(hours=1),
        )
    assert len(mail.outbox) == 3
    assert all("Changed gathering" in m.subject for m in mail.outbox)
    gathering.refresh_from_db()
    assert gathering.sequence == 1
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.gathering_cancel(gathering=gathering, cancelled_by=world.coordinator_a)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert all(
        b"STATUS:CANCELLED" in m.attachments[0][1].encode()
        if isinstance(m.attachments[0][1], str)
        else b"STATUS:CANCELLED" in m.attachments[0][1]
        for m in mail.outbox
    )
    assert AuditLogEntry.objects.filter(action="courses.gathering.cancelled").exists()


def test_attendance(world, gathering):
    a, b, c = staff(world, 3)
    r1 = services.registration_create(user=a, gathering=gathering)
    r2 = services.registration_create(user=b, gathering=gathering)
    r3 = services.registration_create(user=c, gathering=gathering)  # waiting
    with pytest.raises(ValidationError, match="from the day"):
        services.attendance_mark(
            gathering=gathering, marked_by=world.coordinator_a, attended={r1.pk: True}
        )
    gathering.starts_at = timezone.now() - timedelta(hours=1)
    gathering.ends_at = timezone.now() + timedelta(hours=3)
    gathering.registration_deadline = gathering.starts_at - timedelta(days=1)
    gathering.save()
    services.attendance_mark(
        gathering=gathering,
        marked_by=world.coordinator_a,
        attended={r1.pk: True, r2.pk: False, r3.pk: True},
    )
    statuses = dict(gathering.registrations.values_list("pk", "status"))
    assert statuses == {r1.pk: Status.ATTENDED, r2.pk: Status.ABSENT, r3.pk: Status.WAITING}
    with pytest.raises(ValidationError, match="Attendance has been recorded"):
        services.registration_cancel(registration=r1, cancelled_by=a)


def test_reminders_sent_once(world, gathering, django_capture_on_commit_callbacks):
    from courses.tasks import gathering_reminders_send

    registration = services.registration_create(user=world.staff_a, gathering=gathering)
    mail.outbox.clear()
    assert gathering_reminders_send() == 0  # 30 days away
    gathering.starts_at = timezone.now() + timedelta(days=2)
    gathering.ends_at = gathering.starts_at + timedelta(hours=6)
    gathering.registration_deadline = timezone.now()
    gathering.save()
    with django_capture_on_commit_callbacks(execute=True):  # the worker's commit
        assert gathering_reminders_send() == 1
    assert gathering_reminders_send() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].subject.endswith(gathering.course.title)
    registration.refresh_from_db()
    assert registration.reminder_sent_at


def test_course_validation(world):
    with pytest.raises(ValidationError) as error:
        services.course_create(
            created_by=world.coordinator_a,
            programme=world.programme,
            county=world.county_a,
            title="Kurs",
            audience=Course.Audience.COUNTIES,
            audience_counties=[],
        )
    assert "audience_counties" in error.value.message_dict
    course = services.course_create(
        created_by=world.coordinator_a,
        programme=world.programme,
        county=world.county_a,
        title="Bibliotekets rolle i regional planlegging",
        competence_areas=world.areas[:2],
    )
    assert list(course.competence_areas.all()) == world.areas[:2]
    with pytest.raises(ValidationError) as error:
        services.gathering_create(
            course=course,
            created_by=world.coordinator_a,
            title="Samling",
            starts_at=timezone.now() + timedelta(days=10),
            ends_at=timezone.now() + timedelta(days=9),
            venue_name="Biblioteket",
            county=world.county_a,
            capacity=10,
            registration_deadline=timezone.now() + timedelta(days=11),
        )
    assert {"ends_at", "registration_deadline"} <= error.value.message_dict.keys()


def test_approval_requests_go_to_whoever_decides_in_their_own_language(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """The recipients of an approval request are the policy's deciders: the library's leader, or
    the course's managers where the library has none (so those managers are told too)."""
    world.library_leader_a.preferred_language = "nn"
    world.library_leader_a.save()
    course = CourseFactory(programme=world.programme, county=world.county_a)
    gathering = GatheringFactory(course=course, requires_leader_approval=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(
            user=world.staff_a, gathering=gathering, library=world.library_a
        )
    requests = [m for m in mailoutbox if world.library_leader_a.email in m.to]
    assert len(requests) == 1 and "godkjenn" in requests[0].subject.lower()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(
            user=world.coordinator_a, gathering=gathering, library=world.county_library_a
        )
    deciders = {address for m in mailoutbox for address in m.to if "approve" in m.subject}
    # County library A has no leader: the project leader and A's coordinator decide.
    assert deciders == {world.project_leader.email, world.coordinator_a.email}
