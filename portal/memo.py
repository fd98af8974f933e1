"""Values kept in this process's memory as well as in the shared cache, for what never changes
once made: a state of a survey's structure, the fields built from it, a state's disclosure
blocks. Reading such a value from Redis and unpickling it cost more than what a request then did
with it. A key must name the state exactly (a token renewed with every change), so a value kept
here is never stale, on one web server or many; and nobody may change a value after keeping it.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any


class ProcessMemo:
    """At most `size` values, the oldest dropped first."""

    def __init__(self, size: int):
        self.size = size
        self._values: dict[Hashable, Any] = {}

    def get(self, key: Hashable) -> Any:
        return self._values.get(key)

    def keep(self, key: Hashable, value: Any) -> Any:
        while len(self._values) >= self.size:
            self._values.pop(next(iter(self._values)), None)
        self._values[key] = value
        return value
