"""Faults survived, against the real services: Redis stopped during a registration, an invitation
run and a sign-in; the database connection killed between two requests and inside a task; a worker
killed in the middle of a batch of e-mails.

Each test asserts that no committed write answers 500, that every e-mail reaches each person exactly
once after the service is back, that nothing is written twice, and what /healthz says meanwhile.
Redis here is the test's own redis-server (tests/faults.py), never the machine's shared one.
"""

from collections import Counter
from datetime import timedelta

import psycopg
import pytest
from django.core import mail
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from courses.models import Registration
from courses.tests.factories import CourseFactory, GatheringFactory
from portal import services as portal_services
from portal.models import AuditLogEntry, Invitation, OutboxMessage
from portal.tests.factories import TEST_PASSWORD
from surveys import tasks as survey_tasks
from surveys.models import Participation, Survey
from surveys.tests.factories import build_survey, open_survey

from .faults import RedisServer, Worker, celery_broker, delivered, sent, wait_for

Status = OutboxMessage.Status


@pytest.fixture
def redis():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def workers():
    started = []
    yield started.append
    for worker in started:
        worker.stop()


@pytest.fixture
def mailbox(tmp_path):
    folder = tmp_path / "mailbox"
    folder.mkdir()
    return folder


@pytest.fixture
def production_like(settings, redis):
    """The web process as in production: cache and sessions on Redis, tasks to its broker."""
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": redis.url(1),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.PORTAL_OUTBOX_RETRY_SECONDS = 1  # the relay steps in after a second, not a minute
    with celery_broker(redis.url(0)):
        yield redis


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def outages_logged(caplog, name: str) -> int:
    return sum(f"{name} unreachable" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_redis_stops_during_a_registration_and_an_invitation_run(
    world, production_like, workers, mailbox, caplog
):
    redis = production_like
    course = CourseFactory(programme=world.programme, county=world.county_a, title="Partnerskap")
    gathering = GatheringFactory(course=course, county=world.county_a, capacity=5)
    survey = open_survey(build_survey(world, county=world.county_a))
    staff, coordinator = signed_in(world.staff_a), signed_in(world.coordinator_a)

    redis.stop()
    registered = staff.post(
        reverse("courses:registration_create", args=[gathering.pk]),
        {"library": world.library_a.pk},
        follow=True,
    )
    invited = coordinator.post(reverse("surveys:survey_invite", args=[survey.pk]), follow=True)
    assert registered.status_code == 200 and invited.status_code == 200
    assert "alert-success" in registered.content.decode()  # reported as done, because it is
    registration = Registration.objects.get()
    assert registration.user == world.staff_a and registration.status == "confirmed"
    people = set(survey.participations.values_list("user__email", flat=True))
    assert world.staff_a.email in people and mail.outbox == []
    assert outages_logged(caplog, "Celery broker") == 1
    assert outages_logged(caplog, "Cache (Redis)") == 1

    health = staff.get("/healthz")
    assert health.status_code == 503
    report = health.json()
    assert (report["database"], report["cache"], report["broker"]) == ("ok", "error", "error")
    assert report["outbox"] == "ok" and report["outbox_pending"] == 2  # confirmation, invitations
    assert report["outbox_oldest_pending_age"] >= 0

    redis.start()
    workers(Worker(redis, mailbox, beat=True).start())
    wait_for(
        lambda: (
            sum(delivered(mailbox).values()) == len(people) + 1
            and not OutboxMessage.objects.exclude(status=Status.DELIVERED).exists()
        ),
        what="every e-mail",
    )
    assert delivered(mailbox) == Counter(people) + Counter([world.staff_a.email])
    subjects = [m["subject"] for m in sent(mailbox) if world.staff_a.email in m["to"]]
    assert any("Partnerskap" in subject for subject in subjects)
    assert Registration.objects.count() == 1
    assert Participation.objects.filter(survey=survey).count() == len(people)

    wait_for(lambda: staff.get("/healthz").status_code == 200, what="healthy again")
    health = staff.get("/healthz").json()
    assert (health["cache"], health["broker"], health["beat"]) == ("ok", "ok", "ok")
    assert health["outbox_pending"] == 0 and health["beat_last_run_age"] < 5


@pytest.mark.django_db(transaction=True)
def test_sign_in_while_redis_is_down_counts_rate_limits_in_the_database(
    world, production_like, caplog
):
    redis = production_like
    redis.stop()
    person = Client()
    response = person.post(
        reverse("account_login"), {"login": world.staff_a.email, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    home = person.get(reverse("home"))
    assert home.status_code == 200 and world.staff_a.full_name in home.content.decode()

    # Guessing stays limited: after five wrong passwords even the right one is refused.
    guesser = Client()
    for _ in range(5):
        guesser.post(reverse("account_login"), {"login": world.staff_b.email, "password": "x"})
    refused = guesser.post(
        reverse("account_login"), {"login": world.staff_b.email, "password": TEST_PASSWORD}
    )
    assert refused.status_code in (200, 429) and "_auth_user_id" not in guesser.session
    assert person.get("/healthz").json()["cache"] == "error"
    assert outages_logged(caplog, "Cache (Redis)") == 1, "one warning, not one per request"

    redis.start()
    assert person.get(reverse("home")).status_code == 200  # the same session, now from Redis
    assert person.get("/healthz").json()["cache"] == "ok"


def wsgi_get(path: str) -> tuple[int, dict, bytes]:
    """One request as a WSGI server makes it, with request_started/finished (unlike the test
    client), so persistent connections are reused and health-checked as in production."""
    answer = []
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    result = WSGIHandler()(environ, lambda status, headers, *a: answer.append((status, headers)))
    try:
        body = b"".join(result)
    finally:
        result.close()
    status, headers = answer[0]
    return int(status.split()[0]), dict(headers), body


def drop_our_connection() -> None:
    """pg_terminate_backend on this test's own connection, as a database restart would."""
    pid = connection.cursor().connection.info.backend_pid
    settings_dict = connection.settings_dict
    with psycopg.connect(
        dbname=settings_dict["NAME"],
        host=settings_dict["HOST"],
        port=settings_dict["PORT"],
        user=settings_dict["USER"],
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        wait_for(  # the backend ends a moment after it is told to
            lambda: (
                not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()
            ),
            what="the backend to end",
        )


@pytest.mark.django_db(transaction=True)
def test_database_connection_killed_between_two_requests(world, monkeypatch):
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)  # persistent, as in prod
    assert wsgi_get("/healthz")[0] == 200
    drop_our_connection()
    # Checked before reuse: the next request gets a fresh connection and never notices.
    status, _, body = wsgi_get("/healthz")
    assert status == 200 and b'"database": "ok"' in body

    # Even unchecked, a request that hits the dead connection fails cleanly: 503, try again.
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    connection.close()  # read when connecting
    assert wsgi_get("/healthz")[0] == 200
    drop_our_connection()
    status, headers, body = wsgi_get("/invitasjon/no-such-token/")
    assert status == 503 and headers["Retry-After"] == "10"
    assert "Prøv igjen om litt" in body.decode()
    assert wsgi_get("/invitasjon/no-such-token/")[0] == 404  # the next one works: no such link
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_database_connection_killed_inside_a_task(world, monkeypatch):
    # An invitation e-mail whose task loses its connection halfway: the task retries on a new
    # connection and the person gets one e-mail.
    issue_token = portal_services.invitation_issue_token
    dropped = []

    def drop_once_then_issue(**kwargs):
        if not dropped:
            dropped.append(True)
            drop_our_connection()
        return issue_token(**kwargs)

    monkeypatch.setattr("portal.tasks.invitation_issue_token", drop_once_then_issue)
    portal_services.invitation_create(
        invited_by=world.library_leader_a,
        library=world.library_a,
        email="ny@example.no",
        role="staff",
    )
    assert dropped and [m.to for m in mail.outbox] == [["ny@example.no"]]
    message = OutboxMessage.objects.get()
    assert message.status == Status.DELIVERED and message.attempts == 2
    assert Invitation.objects.count() == 1

    # A scheduled task that finds its connection gone retries too, and closes the survey once.
    survey = open_survey(build_survey(world, county=world.county_a))
    Survey.objects.filter(pk=survey.pk).update(
        opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1)
    )
    drop_our_connection()
    assert survey_tasks.surveys_close_due.apply(throw=False).get() == 1
    assert Survey.objects.get(pk=survey.pk).status == Survey.Status.CLOSED
    assert AuditLogEntry.objects.filter(action="surveys.survey.closed").count() == 1
    assert Client().get("/healthz").json()["database"] == "ok"
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_in_the_middle_of_a_batch_of_e_mails(
    world, production_like, workers, mailbox
):
    redis = production_like
    csv = "e-post,navn\n" + "".join(f"person{n}@example.no,Person {n}\n" for n in range(5))
    leader = signed_in(world.library_leader_a)
    response = leader.post(
        reverse("staff_list_import", args=[world.library_a.pk]),
        {"file": _upload(csv)},
        follow=True,
    )
    assert response.status_code == 200 and Invitation.objects.count() == 5

    # The first worker sends two e-mails and is killed while sending the third.
    first = Worker(redis, mailbox, PORTAL_TEST_MAILBOX_HANG_AFTER="2").start()
    workers(first)
    wait_for(lambda: (mailbox / "hanging").exists(), what="the third e-mail")
    first.kill()
    assert sum(delivered(mailbox).values()) == 2
    assert OutboxMessage.objects.filter(status=Status.DELIVERED).count() == 2
    health = leader.get("/healthz").json()
    assert health["outbox_pending"] == 3 and health["outbox_oldest_pending_age"] >= 0

    (mailbox / "hanging").unlink()
    workers(Worker(redis, mailbox, beat=True).start())
    wait_for(
        lambda: not OutboxMessage.objects.exclude(status=Status.DELIVERED).exists(),
        what="the rest of the batch",
    )
    assert delivered(mailbox) == Counter(f"person{n}@example.no" for n in range(5))
    assert Invitation.objects.count() == 5


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("ansatte.csv", text.encode(), content_type="text/csv")
