import pytest
from django.db import connection

from portal.celery import app


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
