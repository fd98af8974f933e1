"""What /healthz reports: each dependency's state, so that monitoring can tell what is wrong."""

from __future__ import annotations

from datetime import timedelta

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from . import outbox
from .celery import app
from .models import ScheduledRun

OK = ("ok", "eager", "unknown")
# The relay runs every 30 seconds; a message waits longer only when delivery is stuck.
OUTBOX_STALE_AFTER = timedelta(minutes=15)
BEAT_STALE_AFTER = timedelta(minutes=5)


def health_report() -> tuple[dict, bool]:
    """The report and whether everything is well (200) or not (503).

    database, cache, broker: "ok" or "error" (broker "eager": tasks run in the web process).
    outbox: "ok", "stale" (a message waited longer than OUTBOX_STALE_AFTER) or "error".
    beat: "ok", "stale" (no relay run for BEAT_STALE_AFTER), "unknown" before its first run,
    "eager" where no beat runs, or "error". Details: the outbox's pending and failed messages and
    the age of the oldest waiting one (seconds), the time of beat's last run and its age.
    """
    report = {"database": _database(), "cache": _cache(), "broker": _broker()}
    report.update(_outbox_and_beat() if report["database"] == "ok" else _unreadable())
    healthy = all(report[name] in OK for name in ("database", "cache", "broker", "outbox", "beat"))
    return report, healthy


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means "down"
        return "error"
    return "ok"


def _cache() -> str:
    if hasattr(cache, "ping"):  # portal.cache.ResilientRedisCache: is Redis itself there?
        return "ok" if cache.ping() else "error"
    try:
        cache.set("healthz", "ok", 10)
        return "ok" if cache.get("healthz") == "ok" else "error"
    except Exception:  # noqa: BLE001
        return "error"


def _broker() -> str:
    if app.conf.task_always_eager and app.conf.broker_url.startswith("memory"):
        return "eager"
    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:  # noqa: BLE001
        return "error"
    return "ok"


def _outbox_and_beat() -> dict:
    now = timezone.now()
    backlog = outbox.backlog()
    waited = backlog["oldest_pending_age"]
    last_run = (
        ScheduledRun.objects.filter(task="portal.tasks.outbox_relay")
        .values_list("ran_at", flat=True)
        .first()
    )
    if app.conf.task_always_eager:
        beat = "eager"
    elif last_run is None:
        beat = "unknown"
    else:
        beat = "stale" if now - last_run > BEAT_STALE_AFTER else "ok"
    return {
        "outbox": "stale" if waited and waited > OUTBOX_STALE_AFTER.total_seconds() else "ok",
        "beat": beat,
        "outbox_pending": backlog["pending"],
        "outbox_failed": backlog["failed"],
        "outbox_oldest_pending_age": waited,
        "beat_last_run": last_run.isoformat() if last_run else None,
        "beat_last_run_age": round((now - last_run).total_seconds()) if last_run else None,
    }


def _unreadable() -> dict:
    """Without the database neither the outbox nor beat's heartbeat can be read."""
    return {
        "outbox": "error",
        "beat": "error",
        "outbox_pending": None,
        "outbox_failed": None,
        "outbox_oldest_pending_age": None,
        "beat_last_run": None,
        "beat_last_run_age": None,
    }
