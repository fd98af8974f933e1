"""portal.timestamps: timestamps read in C give exactly what Django's own loader gives."""

from datetime import UTC

import psycopg
import pytest
from django.db import connection, transaction
from django.db.backends.postgresql.psycopg_any import get_adapters_template, register_tzloader
from django.utils import timezone
from psycopg.pq import Format

from portal.tests.factories import UserFactory
from portal.timestamps import UtcTimestampLoader

TIMESTAMPTZ = psycopg.adapters.types["timestamptz"].oid

TEXTS = [
    "2026-11-27 22:41:34.123456+00",
    "2026-11-27 22:41:34.1+00",
    "2026-11-27 22:41:34+00",
    "2011-03-27 01:30:00+00",  # the night the clocks go forward in Norway
    "0001-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999999+00",
    "2011-06-01 12:00:00+02",  # written in another zone: Django's answer, whatever it is
    "infinity",
    "-infinity",
    "2011-06-01 12:00:00+00 BC",
]


def _read_by(loader_class, text: str):
    try:
        return loader_class(TIMESTAMPTZ).load(text.encode())
    except Exception as error:  # noqa: BLE001 - the same refusal is what is compared
        return type(error)


@pytest.mark.parametrize("text", TEXTS)
def test_a_timestamp_is_read_as_djangos_loader_reads_it(text):
    djangos = get_adapters_template(True, UTC).get_loader(TIMESTAMPTZ, Format.TEXT)
    ours = _read_by(UtcTimestampLoader, text)
    expected = _read_by(djangos, text)
    assert ours == expected
    if not isinstance(expected, type):
        assert ours.tzinfo is expected.tzinfo is UTC


def test_the_portals_connections_read_timestamps_in_c(db):
    """The models' timestamps come through the portal's loader, aware in UTC as Django gives
    them."""
    person = UserFactory()
    person.refresh_from_db()
    assert person.date_joined.tzinfo is UTC
    assert abs((timezone.now() - person.date_joined).total_seconds()) < 60
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is UtcTimestampLoader


def _read_in_oslo_time(*, djangos: bool):
    with transaction.atomic(), connection.cursor() as cursor:
        if djangos:
            register_tzloader(UTC, cursor.cursor)  # Django's loader, on this cursor
        cursor.execute("SET LOCAL TIME ZONE 'Europe/Oslo'")
        cursor.execute("SELECT TIMESTAMPTZ '2011-06-01 10:00:00+00'")
        return cursor.fetchone()[0]


def test_a_connection_in_another_time_zone_reads_as_django_reads(db):
    """Where the session's time zone is not UTC (a SET inside a transaction), each value is left
    to Django's loader: the same value as Django's loader gives on the same session."""
    assert _read_in_oslo_time(djangos=False) == _read_in_oslo_time(djangos=True)
