"""Registration e-mails: in the recipient's language, with correct multi-day dates, and texts that
fit the situation (a cancelled gathering does not ask anyone to "cancel here")."""

import smtplib
from collections import Counter

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from courses import services
from courses.models import Registration
from courses.tasks import registration_notify
from portal import outbox
from portal.models import OutboxMessage, RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import CourseFactory, GatheringFactory, RegistrationFactory, oslo

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def two_days(world):
    """Wednesday 15 – Thursday 16 October 2031."""
    return GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a, title="Partnerskap"),
        starts_at=oslo(2031, 10, 15, 10, 0),
        ends_at=oslo(2031, 10, 16, 15, 0),
        registration_deadline=oslo(2031, 10, 1, 12, 0),
    )


def _registration(world, gathering, language, status=Status.CONFIRMED):
    world.staff_a.preferred_language = language
    world.staff_a.save()
    return RegistrationFactory(
        gathering=gathering,
        user=world.staff_a,
        library=world.library_a,
        status=status,
        waiting_position=1 if status == Status.WAITING else None,
    )


@pytest.mark.parametrize(
    ("language", "subject", "when"),
    [
        (
            "nb",
            "Påmelding bekreftet",
            "onsdag 15. oktober 2031 10:00 – torsdag 16. oktober 2031 15:00",
        ),
        (
            "nn",
            "Påmelding stadfesta",
            "onsdag 15. oktober 2031 10:00 – torsdag 16. oktober 2031 15:00",
        ),
        (
            "en",
            "Registration confirmed",
            "Wednesday Oct. 15, 2031 10 a.m. – Thursday Oct. 16, 2031 3 p.m.",
        ),
    ],
)
def test_confirmation_in_the_recipients_language_with_both_days(
    world, two_days, language, subject, when
):
    registration = _registration(world, two_days, language)
    registration_notify(registration.pk, "confirmed")
    message = mail.outbox[-1]
    assert subject in message.subject
    assert when in message.body
    assert message.attachments[0][0] == "samling.ics"


def test_the_approval_request_shows_both_days_in_the_leaders_language(
    world, two_days, django_capture_on_commit_callbacks
):
    world.library_leader_a.preferred_language = "nn"
    world.library_leader_a.save()
    two_days.requires_leader_approval = True
    two_days.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(user=world.staff_a, gathering=two_days)
    request = next(m for m in mail.outbox if m.to == [world.library_leader_a.email])
    assert "torsdag 16. oktober 2031 15:00" in request.body
    assert "godkjenn" in request.subject.lower()


@pytest.mark.parametrize(
    ("kind", "status", "cancel_here"),
    [
        ("confirmed", Status.CONFIRMED, True),
        ("reminder", Status.CONFIRMED, True),
        ("waiting", Status.WAITING, False),
        ("gathering_cancelled", Status.CONFIRMED, False),
        ("cancelled", Status.CANCELLED, False),
        ("declined", Status.DECLINED, False),
        ("offer_expired", Status.OFFER_EXPIRED, False),
    ],
)
def test_texts_match_the_situation(world, two_days, kind, status, cancel_here):
    registration = _registration(world, two_days, "en", status)
    registration_notify(registration.pk, kind)
    body = mail.outbox[-1].body
    assert ("cancel here if you cannot come" in body) is cancel_here
    if kind == "waiting":
        assert "leave the waiting list here" in body
    if kind == "gathering_cancelled":
        assert "there is nothing you need to do" in body
        assert "The course and its other gatherings" in body


def test_a_leaders_registration_asks_for_the_missing_answers(world, two_days):
    services.question_create(
        course=two_days.course, created_by=world.coordinator_a, text="Diett", required=True
    )
    registration = _registration(world, two_days, "en")
    Registration.objects.filter(pk=registration.pk).update(registered_by=world.library_leader_a)
    registration_notify(registration.pk, "confirmed")
    body = mail.outbox[-1].body
    assert "Berit Biblioteksjef registered you" in body
    assert f"/kurs/pameldinger/{registration.pk}/svar/" in body


def test_one_approval_request_per_leader_even_when_one_address_fails_at_first(
    world, two_days, monkeypatch, django_capture_on_commit_callbacks
):
    """Each decider's e-mail is its own outbox message: a mail server that refuses one leader's
    address for a while never sends the other leader a second copy when it is tried again."""
    second = UserFactory(preferred_language="en")
    grant(second, RoleAssignment.Role.LIBRARY_LEADER, library=world.library_a)
    two_days.requires_leader_approval = True
    two_days.save()
    refused = []
    send = locmem.EmailBackend.send_messages

    def refuse_the_second_leader_once(backend, messages):
        if not refused and any(second.email in m.to for m in messages):
            refused.append(True)
            raise smtplib.SMTPRecipientsRefused({second.email: (450, b"Try again later")})
        return send(backend, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse_the_second_leader_once)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(user=world.staff_a, gathering=two_days)
    assert refused
    waiting = OutboxMessage.objects.exclude(status=OutboxMessage.Status.DELIVERED)
    assert waiting.count() == 1
    waiting.update(available_at=timezone.now())  # due: the relay tries it again
    with django_capture_on_commit_callbacks(execute=True):
        outbox.relay()
    to_leaders = Counter(m.to[0] for m in mail.outbox if m.to != [world.staff_a.email])
    assert to_leaders == Counter([world.library_leader_a.email, second.email])
    assert not OutboxMessage.objects.exclude(status=OutboxMessage.Status.DELIVERED).exists()
