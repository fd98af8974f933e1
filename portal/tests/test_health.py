from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from portal import outbox
from portal.celery import app
from portal.models import OutboxMessage, ScheduledRun
from portal.tasks import invitation_send
from tests.faults import celery_broker


@pytest.mark.django_db
def test_healthy_with_real_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "broker": "ok",
        "outbox": "ok",
        "beat": "eager",  # tests run tasks eagerly: no beat to wait for
        "outbox_pending": 0,
        "outbox_failed": 0,
        "outbox_oldest_pending_age": None,
        "beat_last_run": None,
        "beat_last_run_age": None,
    }


@pytest.mark.django_db
def test_broker_down_answers_503(client, monkeypatch):
    monkeypatch.setattr(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["broker"] == "error"


@pytest.mark.django_db
def test_database_down_answers_503(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


@pytest.mark.django_db
def test_database_down_reports_the_outbox_and_beat_unreadable(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    report = client.get("/healthz").json()
    assert (report["outbox"], report["beat"], report["outbox_pending"]) == ("error", "error", None)


@pytest.mark.django_db
def test_cache_down_answers_503(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["cache"] == "error"


@pytest.mark.django_db
def test_a_stuck_outbox_and_a_silent_beat_answer_503(client):
    with transaction.atomic():
        outbox.enqueue(invitation_send, 1)
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=20))
    ScheduledRun.objects.create(
        task="portal.tasks.outbox_relay", ran_at=timezone.now() - timedelta(minutes=6)
    )
    with celery_broker(app.conf.broker_url):  # a real broker and beat, as in production
        response = client.get("/healthz")
    report = response.json()
    assert response.status_code == 503
    assert (report["outbox"], report["outbox_pending"]) == ("stale", 1)
    assert report["outbox_oldest_pending_age"] >= 20 * 60
    assert (report["beat"], report["beat_last_run_age"]) == ("stale", 360)
