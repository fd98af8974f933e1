"""Noticing a dependency (Redis as cache or broker) going away and coming back, in one place.

While it is away, callers serve from a fallback and leave it alone for a few seconds between tries,
so that no page waits on a dead address request after request. The outage is logged as one warning
when it starts and one line when it ends, never per request. The state is per process: each web or
worker process finds out for itself.
"""

from __future__ import annotations

import logging
import threading
import time

logger = logging.getLogger("portal.outage")


class Outage:
    def __init__(self, name: str, *, retry_after: float = 5.0) -> None:
        self.name = name
        self.retry_after = retry_after
        self._since: float | None = None  # monotonic time the outage began
        self._next_try = 0.0
        self._lock = threading.Lock()

    @property
    def ongoing(self) -> bool:
        return self._since is not None

    def should_skip(self) -> bool:
        """True while the dependency failed a moment ago: serve from the fallback, don't wait."""
        return self._since is not None and time.monotonic() < self._next_try

    def failed(self, error: BaseException, *, fallback: str) -> None:
        with self._lock:
            now = time.monotonic()
            self._next_try = now + self.retry_after
            if self._since is not None:
                return
            self._since = now
        logger.warning(
            "%s unreachable (%s): %s until it answers again.", self.name, error, fallback
        )

    def succeeded(self) -> bool:
        """Record an answer; True if it ended an outage (the caller may tidy up after it)."""
        if self._since is None:
            return False
        with self._lock:
            since, self._since = self._since, None
        if since is None:
            return False
        logger.warning("%s answers again after %.0f s.", self.name, time.monotonic() - since)
        return True
