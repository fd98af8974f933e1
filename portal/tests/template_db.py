"""The test processes' databases, cloned from one migrated template.

Migrating an empty database takes a test process about 20 s of CPU (some 200 migrations, Django's
and the packages' included); the suite's three processes did it side by side at every start. Now
the first process to need a database migrates a template, named after the migrations it holds
(their files and Django's version), and every process clones it with PostgreSQL's
`CREATE DATABASE … TEMPLATE` (about a second). A later run with the same migrations finds the
template and migrates nothing; a changed migration gives a new name, and templates of older
migrations not in use are dropped. The template is built under another name and renamed when
complete, so a run that died while migrating never leaves a half-built one behind. (No test
asks for a serialized rollback, so the databases are not serialized.)
"""

from __future__ import annotations

import contextlib
import hashlib
import sys
from collections.abc import Callable

import django
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader

PREFIX = "test_kp_template_"


def migrations_digest() -> str:
    """What the template holds: every migration file on disk and Django's version."""
    digest = hashlib.sha256(django.get_version().encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for key, migration in sorted(loader.disk_migrations.items()):
        digest.update(repr(key).encode())
        with open(sys.modules[type(migration).__module__].__file__, "rb") as source:
            digest.update(source.read())
    return digest.hexdigest()[:16]


def _exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    return cursor.fetchone() is not None


def _build(template: str, verbosity: int) -> None:
    """Migrate a new database and rename it to `template` once complete."""
    building = f"{template}_building"
    test_settings = connection.settings_dict["TEST"]
    own_name = test_settings["NAME"]
    test_settings["NAME"] = building
    try:
        connection.creation.create_test_db(
            verbosity=verbosity, autoclobber=True, serialize=False, keepdb=False
        )
    finally:
        test_settings["NAME"] = own_name
        connection.close()
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [PREFIX + "%", template],
        )
        for (older,) in cursor.fetchall():
            # One in use by another run (of a checkout with other migrations) is left to a
            # later run.
            with contextlib.suppress(DatabaseError):
                cursor.execute(f"DROP DATABASE IF EXISTS {quote(older)}")


def clone_test_database(*, verbosity: int = 0) -> Callable[[], None]:
    """Create this process's test database as a clone of the template (built first if needed)
    and point the connection at it, as Django's own set-up does. Returns the teardown."""
    template = PREFIX + migrations_digest()
    name = connection.creation._get_test_db_name()
    original_name = connection.settings_dict["NAME"]
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        # One process builds the template; the others wait for it here.
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        try:
            if not _exists(cursor, template):
                _build(template, verbosity)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name

    def teardown() -> None:
        connection.creation.destroy_test_db(original_name, verbosity=verbosity, keepdb=False)

    return teardown
