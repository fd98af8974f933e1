"""Data migrations of the courses app, run on a real database between their two states."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from portal.tests.factories import UserFactory
from portal.tokens import token_hash

BEFORE = [("courses", "0002_registration_offers_questions")]
AFTER = [("courses", "0003_calendar_feed_token_hash")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_plain_calendar_tokens_are_hashed_in_place():
    person = UserFactory()
    old_apps = _migrate(BEFORE)
    try:
        old_apps.get_model("courses", "CalendarFeed").objects.create(
            user_id=person.pk, token="en-gammel-hemmelig-adresse"
        )
        new_apps = _migrate(AFTER)
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    feed = new_apps.get_model("courses", "CalendarFeed").objects.get(user_id=person.pk)
    assert feed.token_hash == token_hash("en-gammel-hemmelig-adresse")
    assert feed.issued_at is None
    columns = [
        c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), "courses_calendarfeed"
        )
    ]
    assert "token" not in columns
