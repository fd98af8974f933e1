"""Timestamps read from PostgreSQL by Python's C parser, not by a regular expression.

Django reads every `timestamptz` value through a loader of its own (`BaseTzLoader` in
`django.db.backends.postgresql.psycopg_any`): a subclass of psycopg's parser written in Python,
which matches the text with a regular expression (psycopg's parser in C is used only for its
own classes), then the time zone replaced. That costs ~7 µs a value here, and the lists
read hundreds (a coordinator's course list ~380, a gathering's participant list ~360:
docs/performance.md, part 31). On a connection whose time zone is UTC and whose dates are
written in ISO style, which is how Django sets up PostgreSQL with USE_TZ and no TIME_ZONE of
its own, `datetime.fromisoformat` reads the same text into the same value (with
`datetime.timezone.utc`, as Django's loader gives it) in under a microsecond. What it does not
read (infinity, a year BC or past 9999) goes to Django's loader, which answers as before.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.backends.postgresql.psycopg_any import BaseTzLoader


class UtcTimestampLoader(BaseTzLoader):
    # Django compares a connection's loader's `timezone` with its own before each cursor and
    # registers its loader again on a mismatch; this one is the UTC its connections use.
    timezone = UTC

    def load(self, data):
        try:
            value = datetime.fromisoformat(bytes(data).decode())
        except ValueError:
            return super().load(data)
        if value.tzinfo is not UTC:  # written in another zone: Django's answer
            return super().load(data)
        return value


def timestamps_read_in_c(sender, connection, **kwargs) -> None:
    """For `connection_created`: read timestamps with `UtcTimestampLoader` on a PostgreSQL
    connection set up as it reads them (time zone UTC, dates in ISO style)."""
    if connection.vendor != "postgresql" or connection.timezone is not UTC:
        return
    info = connection.connection.info
    if info.parameter_status("TimeZone") == "UTC" and (
        info.parameter_status("DateStyle") or ""
    ).startswith("ISO"):
        connection.connection.adapters.register_loader("timestamptz", UtcTimestampLoader)
