"""`planned_once()`: statements that PostgreSQL would otherwise plan again on every run.

A prepared statement is planned for its values on its first five runs; from then on PostgreSQL
reuses one generic plan only when that plan's estimated cost is no higher than the custom
plans'. A policy's OR of role rules joined over many tables estimates higher as a generic plan
and so is planned afresh every time: the exchange's "decide" list spent 2.3 ms planning for
0.5 ms of execution on every request (docs/performance.md, part 30). Not for every statement:
a generic plan cannot use the values (a partial index, a skewed column), so this is asked for
by name where the plan is known to be the same whatever the values.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction


@contextmanager
def planned_once() -> Iterator[None]:
    """Statements run inside reuse the generic plan of their prepared statement (in a
    transaction of their own, which the setting ends with). Nothing to do without prepared
    statements."""
    if not settings.DATABASE_PREPARED_STATEMENTS:
        yield
        return
    nested = connection.in_atomic_block
    with transaction.atomic():
        _plan_cache_mode("force_generic_plan")
        yield
        if nested:  # the outer transaction goes on: the setting ends here, not with it
            _plan_cache_mode("DEFAULT")
        # (an error rolls the setting back with the rest)


def _plan_cache_mode(value: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL plan_cache_mode = {value}")
