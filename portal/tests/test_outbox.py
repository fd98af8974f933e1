"""The outbox: a side effect is recorded with its write, delivered once, retried, and visible."""

from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from portal import outbox, services
from portal.celery import app
from portal.models import Invitation, OutboxMessage
from portal.tasks import invitation_send, outbox_relay
from tests.faults import celery_broker

pytestmark = pytest.mark.django_db
Status = OutboxMessage.Status


def invite(world, email="ny@example.no"):
    return services.invitation_create(
        invited_by=world.library_leader_a, library=world.library_a, email=email, role="staff"
    )


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks go to a broker where nothing listens, as in production with Redis gone."""
    monkeypatch.setattr(outbox._broker, "retry_after", 0)
    with celery_broker("redis://127.0.0.1:1/0"):
        yield
    outbox._broker.succeeded()


def test_the_message_is_part_of_the_transaction(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        invite(world)
        transaction.set_rollback(True)
    assert not Invitation.objects.exists() and not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_delivered_once_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(world)
        assert mail.outbox == []  # nothing before the commit
    assert [m.to for m in mail.outbox] == [["ny@example.no"]]
    message = OutboxMessage.objects.get()
    assert (message.task, message.args) == ("portal.tasks.invitation_send", [invitation.pk])
    assert message.status == Status.DELIVERED and message.attempts == 1
    # The broker hands the message out again (a worker died before acknowledging it): no e-mail.
    assert outbox.deliver(message.pk) is False
    assert len(mail.outbox) == 1


def test_a_key_records_a_message_once(world):
    with transaction.atomic():
        first = outbox.enqueue(invitation_send, 1, key="invitation:1")
        second = outbox.enqueue(invitation_send, 1, key="invitation:1")
    assert first.pk == second.pk and OutboxMessage.objects.count() == 1


def test_only_registered_tasks_and_plain_values(world):
    with pytest.raises(ValueError, match="not a registered"):
        outbox.enqueue(type("NotATask", (), {"name": "nowhere.task"}))
    with pytest.raises(TypeError), transaction.atomic():
        outbox.enqueue(invitation_send, world.staff_a)  # an instance, not an id


def test_broker_down_the_write_stands_and_the_relay_delivers(
    world, broker_down, settings, django_capture_on_commit_callbacks, caplog
):
    settings.PORTAL_OUTBOX_RETRY_SECONDS = 0
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "en@example.no")
    with django_capture_on_commit_callbacks(execute=True):
        invite(world, "to@example.no")
    assert Invitation.objects.count() == 2 and mail.outbox == []
    assert OutboxMessage.objects.filter(status=Status.PENDING, attempts=0).count() == 2
    broker_warnings = [r for r in caplog.records if "broker unreachable" in r.getMessage()]
    assert len(broker_warnings) == 1, "one warning per outage, not per write"

    app.conf.task_always_eager = True  # a worker is back (celery_broker restores the setting)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_relay() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["en@example.no", "to@example.no"]
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_relay() == 0
    assert len(mail.outbox) == 2


def test_failures_are_retried_then_failed_and_an_admin_delivers_again(
    world, settings, monkeypatch, django_capture_on_commit_callbacks, client_for
):
    def mail_server_gone(*args, **kwargs):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("portal.tasks.send_mail", mail_server_gone)
    with django_capture_on_commit_callbacks(execute=True):
        invite(world)
    message = OutboxMessage.objects.get()
    assert message.status == Status.PENDING and message.attempts == 1
    assert "SMTPServerDisconnected" in message.last_error
    assert message.available_at > timezone.now() + timedelta(seconds=50)  # backs off

    for _ in range(outbox.OUTBOX_MAX_ATTEMPTS):
        outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == outbox.OUTBOX_MAX_ATTEMPTS
    assert mail.outbox == []

    admin = client_for(world.site_admin)
    page = admin.get(reverse("admin:portal_outboxmessage_changelist") + "?status=failed")
    assert page.status_code == 200 and "portal.tasks.invitation_send" in page.content.decode()
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            reverse("admin:portal_outboxmessage_changelist"),
            {"action": "deliver_again", "_selected_action": [message.pk]},
        )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and len(mail.outbox) == 1


def test_a_message_that_kills_its_worker_every_time_ends_failed(world):
    with transaction.atomic():
        message = outbox.enqueue(invitation_send, 1)
    # Each claim is committed before the task runs: a worker killed midway still counts.
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=outbox.OUTBOX_MAX_ATTEMPTS)
    assert outbox.deliver(message.pk) is False
    message.refresh_from_db()
    assert message.status == Status.FAILED and "stopped" in message.last_error


def test_only_site_admins_see_the_outbox(world, client_for):
    url = reverse("admin:portal_outboxmessage_changelist")
    assert client_for(world.project_leader).get(url).status_code in (302, 403)
    assert client_for(world.site_admin).get(url).status_code == 200


def test_relay_forgets_delivered_messages_after_a_month(world):
    with transaction.atomic():
        message = outbox.enqueue(invitation_send, 1)
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.DELIVERED, delivered_at=timezone.now() - timedelta(days=31)
    )
    outbox.relay()
    assert not OutboxMessage.objects.exists()
