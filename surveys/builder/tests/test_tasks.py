"""Scheduled work: invitations, reminders, closing due surveys, the retention purge."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from portal import outbox
from portal.models import OutboxMessage
from surveys import tasks
from surveys.builder import services
from surveys.models import Participation, Survey
from surveys.tests.factories import build_survey, open_survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(world, django_capture_on_commit_callbacks):
    survey = open_survey(build_survey(world, reminder_interval_days=3, max_reminders=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_invite_users(survey=survey, users=[world.staff_a, world.staff_b])
    return survey


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a scheduled task as a worker does: the e-mails it queues go out once it commits."""

    def run(task):
        with django_capture_on_commit_callbacks(execute=True):
            return task()

    return run


def _age(survey, days):
    """Pretend the invitations (and reminders) went out `days` ago."""
    past = timezone.now() - timedelta(days=days)
    Participation.objects.filter(survey=survey).update(invitation_sent_at=past)
    Participation.objects.filter(survey=survey, last_reminded_at__isnull=False).update(
        last_reminded_at=past
    )


def test_invitations_carry_the_personal_link(world, survey):
    assert len(mail.outbox) == 2
    assert all("/undersokelser/svar/" in message.body for message in mail.outbox)


def test_reminders_follow_the_interval_and_the_maximum(world, survey, run):
    mail.outbox.clear()
    assert run(tasks.survey_reminders_send) == 0  # too early
    _age(survey, 4)
    assert run(tasks.survey_reminders_send) == 2
    assert run(tasks.survey_reminders_send) == 0  # just reminded
    # staff_a answers; only staff_b is reminded again, and never more than max_reminders.
    Participation.objects.filter(user=world.staff_a).update(completed_at=timezone.now())
    _age(survey, 4)
    assert run(tasks.survey_reminders_send) == 1
    _age(survey, 4)
    assert run(tasks.survey_reminders_send) == 0
    assert Participation.objects.get(user=world.staff_b).reminders_sent == 2
    assert len(mail.outbox) == 3
    # The link in a reminder is the same as in the invitation: earlier e-mails keep working.
    links = {m.body.split("/undersokelser/svar/")[1].split("/")[0] for m in mail.outbox}
    assert len(links) == 2


def test_no_reminders_without_an_interval_or_after_closing(world, survey, run):
    mail.outbox.clear()
    _age(survey, 10)
    Survey.objects.filter(pk=survey.pk).update(reminder_interval_days=None)
    assert run(tasks.survey_reminders_send) == 0
    Survey.objects.filter(pk=survey.pk).update(reminder_interval_days=3)
    services.survey_close(survey=survey, user=None)
    assert run(tasks.survey_reminders_send) == 0


def test_close_due_task(world, survey):
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=timezone.now() - timedelta(days=5), closes_at=timezone.now() - timedelta(hours=1)
    )
    assert tasks.surveys_close_due() == 1
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED


def test_retention_task_calls_the_purge(monkeypatch):
    import sys
    import types

    called = []
    fake = types.ModuleType("surveys.results.services")
    fake.surveys_purge_expired = lambda: called.append(True) or 0
    monkeypatch.setitem(sys.modules, "surveys.results.services", fake)
    assert tasks.survey_retention_purge() == 0
    assert called == [True]


def test_invitations_wait_for_the_opening_time(world, django_capture_on_commit_callbacks, run):
    mail.outbox.clear()
    survey = build_survey(world)
    survey = services.survey_open(
        survey=survey,
        user=None,
        opens_at=timezone.now() + timedelta(days=1),
        closes_at=timezone.now() + timedelta(days=10),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.survey_invite_users(survey=survey, users=[world.staff_a])
    assert mail.outbox == []
    Survey.objects.filter(pk=survey.pk).update(opens_at=timezone.now() - timedelta(minutes=1))
    assert run(tasks.survey_reminders_send) == 1  # the scheduled run sends it once open
    assert len(mail.outbox) == 1
    assert run(tasks.survey_reminders_send) == 0


def test_a_repeated_reminder_run_reminds_nobody_twice(world, survey, run):
    mail.outbox.clear()
    _age(survey, 4)
    # Two runs before any reminder went out (overlapping runs, or the broker was down):
    assert tasks.survey_reminders_send() == 2
    assert tasks.survey_reminders_send() == 2
    reminders = OutboxMessage.objects.filter(task="surveys.tasks.participation_remind")
    assert reminders.count() == 2
    for message in reminders:
        assert outbox.deliver(message.pk)
        assert not outbox.deliver(message.pk)  # handed out again: nothing more
        tasks.participation_remind(*message.args)  # even run again by hand: nothing more
    assert len(mail.outbox) == 2
    assert run(tasks.survey_reminders_send) == 0
    assert len(mail.outbox) == 2
