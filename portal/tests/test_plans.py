"""portal.plans.planned_once(): a statement's generic plan, and nothing else changed."""

import pytest
from django.db import connection, transaction
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from portal.models import County
from portal.plans import planned_once


def _plan_cache_mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


def test_a_statement_planned_once_reuses_its_generic_plan_and_nothing_else_does(db):
    """Left to itself, PostgreSQL may plan an OR of rules afresh on every run of its prepared
    statement; inside planned_once() the statement's generic plan serves it once prepared. The
    setting ends with the block, also inside a longer transaction."""
    assert _plan_cache_mode() == "auto"
    for _run in range(7):
        with planned_once():
            assert _plan_cache_mode() == "force_generic_plan"
            County.objects.filter(Q(number="03") | Q(name__startswith="Tr")).exists()
    assert _plan_cache_mode() == "auto"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "portal_county" WHERE ("portal_county"."number" = $2 OR %'],
        )
        assert cursor.fetchone()[0] >= 1
    with transaction.atomic():
        with planned_once():
            pass
        assert _plan_cache_mode() == "auto"


def test_planned_once_asks_nothing_without_prepared_statements(db, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    with CaptureQueriesContext(connection) as sent, planned_once():
        pass
    assert len(sent) == 0


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_the_setting_ends_with_its_own():
    with planned_once():
        assert connection.in_atomic_block
        assert _plan_cache_mode() == "force_generic_plan"
    assert not connection.in_atomic_block
    assert _plan_cache_mode() == "auto"
