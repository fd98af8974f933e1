"""Waiting-list seat offers, as pretix's vouchers: a freed seat is held for the first on the
waiting list for a limited time; they say yes or no by a link; an offer nobody answers expires
(a beat task, idempotent) and the seat passes on."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Registration
from courses.tasks import registration_offers_expire
from portal.models import AuditLogEntry

from .factories import CourseFactory, GatheringFactory
from .test_services import staff

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def full(world):
    """A gathering with one seat: A holds it, B and C wait (in that order)."""
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a), capacity=1
    )
    a, b, c = staff(world, 3)
    registrations = [services.registration_create(user=p, gathering=gathering) for p in (a, b, c)]
    return gathering, (a, b, c), registrations


def _status(registration):
    registration.refresh_from_db()
    return registration.status


def test_a_freed_seat_is_held_for_the_first_waiting_not_for_newcomers(world, full):
    gathering, (a, b, c), (ra, rb, rc) = full
    services.registration_cancel(registration=ra, cancelled_by=a)
    assert _status(rb) == Status.OFFERED
    assert (_status(rc), rc.waiting_position) == (Status.WAITING, 1)
    # The seat counts against capacity: a newcomer goes to the waiting list.
    newcomer = services.registration_create(user=world.staff_a, gathering=gathering)
    assert (newcomer.status, newcomer.waiting_position) == (Status.WAITING, 2)


def test_accepting_the_offer_confirms_the_seat(world, full, django_capture_on_commit_callbacks):
    gathering, (a, b, c), (ra, rb, rc) = full
    services.registration_cancel(registration=ra, cancelled_by=a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_offer_accept(registration=rb, accepted_by=b)
    rb.refresh_from_db()
    assert (rb.status, rb.offer_expires_at) == (Status.CONFIRMED, None)
    assert [m.to for m in mail.outbox] == [[b.email]]
    assert "Registration confirmed" in mail.outbox[0].subject and mail.outbox[0].attachments
    with pytest.raises(ValidationError, match="no open seat offer"):
        services.registration_offer_accept(registration=rb, accepted_by=b)
    assert AuditLogEntry.objects.filter(action="courses.registration.offer_accepted").exists()


def test_declining_passes_the_seat_on(world, full, django_capture_on_commit_callbacks):
    gathering, (a, b, c), (ra, rb, rc) = full
    services.registration_cancel(registration=ra, cancelled_by=a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_offer_decline(registration=rb, declined_by=b)
    assert _status(rb) == Status.CANCELLED
    assert _status(rc) == Status.OFFERED
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "You said no to the seat" in subjects[b.email]
    assert "A seat is free for you" in subjects[c.email]
    said_no = next(m for m in mail.outbox if m.to == [b.email])
    assert "cancel here" not in said_no.body  # nothing left to cancel


def test_an_expired_offer_passes_on_once_however_often_the_task_runs(
    world, full, django_capture_on_commit_callbacks
):
    gathering, (a, b, c), (ra, rb, rc) = full
    services.registration_cancel(registration=ra, cancelled_by=a)
    assert registration_offers_expire() == 0  # not yet due
    Registration.objects.filter(pk=rb.pk).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="expired"):
        services.registration_offer_accept(registration=rb, accepted_by=b)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert registration_offers_expire() == 1
    assert registration_offers_expire() == 0  # idempotent
    assert _status(rb) == Status.OFFER_EXPIRED
    assert _status(rc) == Status.OFFERED
    expired = next(m for m in mail.outbox if m.to == [b.email])
    assert "Seat offer expired" in expired.subject
    assert "/kurs/pameldinger/" not in expired.body  # no "cancel here" for an ended registration
    # The person whose offer expired may register again (on the waiting list).
    again = services.registration_create(user=b, gathering=gathering)
    assert again.status == Status.WAITING
    assert AuditLogEntry.objects.filter(action="courses.registration.offer_expired").count() == 1


def test_an_offer_never_outlives_the_start_and_nothing_moves_after_it(world, full):
    gathering, (a, b, c), (ra, rb, rc) = full
    soon = timezone.now() + timedelta(hours=5)
    gathering.refresh_from_db()
    gathering.starts_at, gathering.ends_at = soon, soon + timedelta(hours=6)
    gathering.registration_deadline = timezone.now() + timedelta(hours=1)
    gathering.save()
    services.registration_cancel(registration=ra, cancelled_by=a)
    rb.refresh_from_db()
    assert rb.offer_expires_at == soon
    # Once the gathering has started, a freed seat is not offered any more.
    started = timezone.now() - timedelta(minutes=5)
    gathering.starts_at = started
    gathering.save()
    services.registration_offer_decline(registration=rb, declined_by=b)
    assert _status(rc) == Status.WAITING


def test_offer_page_says_yes_or_no_and_only_to_the_person(world, full, client_for):
    gathering, (a, b, c), (ra, rb, rc) = full
    services.registration_cancel(registration=ra, cancelled_by=a)
    url = reverse("courses:registration_offer", args=[rb.pk])
    assert client_for(c).get(url).status_code == 404
    client = client_for(b)
    page = client.get(url).content.decode()
    assert "Yes, I will come" in page and _status(rb) == Status.OFFERED  # a GET changes nothing
    mine = client.get(reverse("courses:registration_list")).content.decode()
    assert url in mine
    response = client.post(url, {"response": "accept"})
    assert response.status_code == 302 and _status(rb) == Status.CONFIRMED
    # Answering again is explained, never a crash.
    again = client.post(url, {"response": "decline"}, follow=True)
    assert "no open seat offer" in again.content.decode()
    assert _status(rb) == Status.CONFIRMED
