"""The outbox: e-mails and follow-up tasks that survive the broker, a worker or Redis going away.

Record a side effect in the service's transaction, next to the write it follows from:

    from portal import outbox

    @transaction.atomic
    def registration_create(...):
        registration = Registration.objects.create(...)
        outbox.enqueue(registration_notify, registration.pk, "confirmed")

`enqueue(task, *args, key=None, **kwargs)` stores the Celery task's name and its arguments (ids and
plain values: they are stored as JSON) in PostgreSQL. If the transaction rolls back, the message is
gone with it; if it commits, the message is delivered:

- right after the commit, through the broker (in the web process itself when tasks run eagerly:
  `make run` and the tests, where e-mails arrive as soon as the transaction commits);
- else, when the broker was down or a worker died, by `outbox_relay`, which beat runs every 30
  seconds, with retries at growing intervals (PORTAL_OUTBOX_RETRY_SECONDS, doubled each time).

Delivery runs the task's function in one transaction that also marks the message delivered, so the
message is the idempotency key: a message delivered twice (a worker that died after the commit and
before acknowledging, the relay and the broker both handing it out) does its work once. The only
duplicate left is a worker killed in the milliseconds between a mail server accepting an e-mail and
the commit; SMTP offers no way to close that.

A message that keeps failing ends as "failed" after OUTBOX_MAX_ATTEMPTS tries; site admins see it,
with its last error, in /admin (Outbox) and can deliver it again from there.

What a task delivered through the outbox must do:
- take ids and plain values, re-fetch, and do ONE side effect (send one e-mail). A task with many
  recipients enqueues one message per e-mail instead (see hospitering.tasks.application_notify
  and courses.tasks.registration_approval_request), so a worker killed in the middle of a batch,
  or a mail server refusing one address, sends nobody a second e-mail.
- stay idempotent where it can be enqueued more than once: pass `key=` (a message with a key that
  was already recorded is not recorded again), e.g. `key=f"survey-reminder:{pk}:{number}"`.
"""

from __future__ import annotations

import logging
import traceback
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from .celery import PortalTask, app
from .models import OutboxMessage
from .outage import Outage

logger = logging.getLogger(__name__)
Status = OutboxMessage.Status

OUTBOX_MAX_ATTEMPTS = 8
RETRY_DELAY_MAX = timedelta(hours=1)
KEEP_DELIVERED = timedelta(days=30)
# A dropped database connection is not the message's fault: the delivery task retries.
CONNECTION_ERRORS = PortalTask.autoretry_for

_broker = Outage("Celery broker", retry_after=10)


def enqueue(task, *args, key: str | None = None, **kwargs) -> OutboxMessage:
    """Record that `task(*args, **kwargs)` must run once this transaction commits."""
    if task.name not in app.tasks:
        raise ValueError(f"{task.name} is not a registered Celery task")
    fields = {"task": task.name, "args": list(args), "kwargs": kwargs, "available_at": _later(0)}
    if key is None:
        message, created = OutboxMessage.objects.create(**fields), True
    else:
        message, created = OutboxMessage.objects.get_or_create(key=key, defaults=fields)
    if created:
        transaction.on_commit(partial(_dispatch, message.pk), robust=True)
    return message


def deliver(message_id: int) -> bool:
    """Run one message's task and mark it delivered, in one transaction; True if this call did.

    Called by the `outbox_deliver` task. A message that is delivered, failed, or being delivered
    by another worker right now is left alone."""
    if not _claim(message_id):
        return False
    try:
        with transaction.atomic():
            message = _pending(message_id)
            if message is None:
                return False
            app.tasks[message.task](*message.args, **message.kwargs)
            message.status = Status.DELIVERED
            message.delivered_at = timezone.now()
            message.last_error = ""
            message.save(update_fields=["status", "delivered_at", "last_error"])
    except CONNECTION_ERRORS:
        raise
    except Exception as error:  # noqa: BLE001 - the message's own failure: record it, retry later
        _record_failure(message_id, error)
        return False
    return True


def relay(*, limit: int = 500) -> int:
    """Hand every message that is due to the workers: those the broker never got, and retries."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, available_at__lte=now)
            .order_by("available_at")
            .values_list("pk", flat=True)[:limit]
        )
        # A lease: the next run hands them out again only if this time they got lost too.
        OutboxMessage.objects.filter(pk__in=due).update(available_at=_later(0))
    for message_id in due:
        _dispatch(message_id)
    OutboxMessage.objects.filter(
        status=Status.DELIVERED, delivered_at__lt=now - KEEP_DELIVERED
    ).delete()
    return len(due)


def retry(messages) -> int:
    """Deliver these messages again from now on, with a fresh count of attempts (admin action)."""
    ids = list(messages.exclude(status=Status.DELIVERED).values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=ids).update(
        status=Status.PENDING, attempts=0, available_at=_later(0)
    )
    for message_id in ids:
        transaction.on_commit(partial(_dispatch, message_id), robust=True)
    return len(ids)


def backlog() -> dict:
    """What /healthz reports: undelivered and failed messages, the age of the oldest waiting."""
    pending = OutboxMessage.objects.filter(status=Status.PENDING)
    oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
    return {
        "pending": pending.count(),
        "failed": OutboxMessage.objects.filter(status=Status.FAILED).count(),
        "oldest_pending_age": None
        if oldest is None
        else round((timezone.now() - oldest).total_seconds()),
    }


def _later(attempts: int):
    """When a message is next due: after the first try's grace, then at doubling intervals."""
    delay = timedelta(seconds=settings.PORTAL_OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0))
    return timezone.now() + min(delay, RETRY_DELAY_MAX)


def _pending(message_id: int) -> OutboxMessage | None:
    return (
        OutboxMessage.objects.select_for_update(skip_locked=True)
        .filter(pk=message_id, status=Status.PENDING)
        .first()
    )


def _claim(message_id: int) -> bool:
    """Count the attempt before it starts (committed), so a message whose delivery kills its
    worker every time still ends as failed instead of looping."""
    with transaction.atomic():
        message = _pending(message_id)
        if message is None:
            return False
        if message.attempts >= OUTBOX_MAX_ATTEMPTS:
            message.status = Status.FAILED
            message.last_error = message.last_error or "The worker stopped during every attempt."
            message.save(update_fields=["status", "last_error"])
            logger.error("Outbox message %s (%s) failed for good.", message.pk, message.task)
            return False
        message.attempts += 1
        message.available_at = _later(message.attempts)
        message.save(update_fields=["attempts", "available_at"])
    return True


def _record_failure(message_id: int, error: Exception) -> None:
    message = OutboxMessage.objects.get(pk=message_id)
    message.last_error = "".join(traceback.format_exception(error))[-4000:]
    if message.attempts >= OUTBOX_MAX_ATTEMPTS:
        message.status = Status.FAILED
        logger.error("Outbox message %s (%s) failed for good.", message.pk, message.task)
    else:
        logger.warning("Outbox message %s (%s) failed; retried later.", message.pk, message.task)
    message.save(update_fields=["last_error", "status"])


def _dispatch(message_id: int) -> None:
    """Hand a message to a worker now, if the broker answers; the relay covers for it if not."""
    from .tasks import outbox_deliver

    if app.conf.task_always_eager:  # here and now; throw=False lets Celery apply its retries
        try:
            result = outbox_deliver.apply((message_id,), throw=False)
        except Exception:  # noqa: BLE001 - the write committed; the relay retries the message
            logger.exception("Outbox message %s could not be delivered now.", message_id)
        else:
            if result.failed():
                logger.error(
                    "Outbox message %s could not be delivered now.\n%s",
                    message_id,
                    result.traceback,
                )
        return
    if _broker.should_skip():
        return
    try:
        outbox_deliver.apply_async(
            (message_id,),
            retry=True,
            retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        )
    except Exception as error:  # noqa: BLE001 - whatever the broker says, the write stands
        _broker.failed(error, fallback="messages wait in the outbox")
    else:
        _broker.succeeded()
