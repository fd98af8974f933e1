"""Figures "fresh enough": the one rule for showing cached figures as they were, and when a
task computes them anew.

In a survey week or when registration opens, people write every second: figures cached exactly
(per state of what they are computed from) would be computed anew for nearly every reader. So
some pages (the dashboard and its key figures, the survey results pages and the API's results)
show figures computed for an earlier state as they were, with the time they were computed, for
up to PORTAL_FIGURES_FRESHNESS_SECONDS. The first reader after that still sees them as they
were and queues a task that computes them anew (so no reader waits for it); the others see them
as they were meanwhile. Should no worker take the task (none runs, or they are behind) the first
reader after a further REFRESH_GRACE computes them itself, and a reader finding no broker does
at once. The report to the funder and the exports are always exact.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

REFRESH = "refresh"  # shown as it was, and to be computed anew
REFRESH_GRACE = timedelta(minutes=2)
REFRESH_LOCK_SECONDS = 30


def figures_freshness() -> timedelta:
    """How long figures may be shown as they were before they are computed anew (0: never)."""
    return timedelta(seconds=settings.PORTAL_FIGURES_FRESHNESS_SECONDS)


def shown_as_it_was(*, computed_at: datetime, key: str, now: datetime) -> bool | str:
    """Whether figures computed at `computed_at` for an earlier state, cached under `key`, are
    shown as they were: True; REFRESH (shown, and the caller queues their task); False (the
    reader computes them)."""
    freshness = figures_freshness()
    if not freshness:
        return False
    age = now - computed_at
    if age < freshness:
        return True
    # Older: one reader asks for them anew, unless another one did less than 30 s ago.
    if not cache.add(f"{key}:computing", True, timeout=REFRESH_LOCK_SECONDS):
        return True
    return REFRESH if age < freshness + REFRESH_GRACE else False


def refresh_queued(task, **arguments) -> bool:
    """Queue the task that computes figures anew; False when no broker takes it (the reader
    then computes them)."""
    try:
        task.delay(**arguments)
    except OperationalError:
        logger.warning("%s not queued (no broker): computed by the reader", task.name)
        return False
    return True
