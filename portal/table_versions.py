"""Exact invalidation for figures cached from the database: the state of each table, as a token.

A trigger on each table of the portal's apps puts a new random token into `TableVersion` in the
statement that writes the table (one row per table and database connection), so the token
commits or rolls back with the rows, on every write path alike: services, the admin, the region
generator's bulk inserts, migrations. `table_versions()` reads every table's state in one query:
the tokens of its rows together, which any committed write changes and which never come back.

A reader caches what it computed from some tables under their states read *before* computing,
and stores it only if a second read *after* computing finds those states unchanged (a writer
commits its rows and its token together, so unchanged states mean every query in between read
that state). `tables_read()` tells which tables a computation read, from its SQL, so nothing has
to be declared and nothing can be forgotten: a table without the trigger (a table of a later
migration, say) makes the computation uncacheable (see `cacheable`).

Why a row per connection: writers never wait for each other on the token (no lock taken here is
wanted by anyone else), so no write path gets slower by more than one upsert per statement, and
no deadlock is possible. A table's state is its rows' tokens combined by exclusive or (each token
a random 128-bit number): any write gives its row a new random token and so the table a new
state, and rows can be folded into one without changing it. Every connection a web worker or
task opens (one per `CONN_MAX_AGE`) leaves rows behind when it closes, and reading the states
costs time with each row (~1 µs), so `table_versions_compact` folds the rows of connections that
are gone into one row per table every few minutes: no state changes, so no cached figure is
computed again for it.

Three tables bump their token on the changes that figures can show only (every other table on
every write): a person's `last_login` (written at each sign-in) is no figure; a survey response
still being answered is counted nowhere until it is submitted, and a submitted one's being added
to the running sums (`awaiting_sums` cleared) is told by the sums' own token; a participation's
reminders, link and start time are no figure either. PostgreSQL only: elsewhere nothing is cached.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache as once
from pathlib import Path
from typing import TypeVar

from django.core.cache import cache
from django.db import connection
from django.template.autoreload import get_template_directories
from django.template.loader import render_to_string
from django.utils import translation

T = TypeVar("T")

TRIGGER = "portal_table_version"
FUNCTION = "portal_table_version_bump"
# The apps whose tables carry the trigger (those a cached figure may be computed from).
APPS = ("portal", "surveys", "courses", "learning", "modelbibliotek", "hospitering")
UNTRACKED = {"portal_tableversion", "portal_cache_fallback"}  # itself; the cache's own table

_BUMP = f"EXECUTE FUNCTION {FUNCTION}()"
# Tables whose token changes only with what figures can show (see the module's docstring).
SPECIAL_TRIGGERS = {
    "portal_user": [
        f"AFTER INSERT OR DELETE OR TRUNCATE ON portal_user FOR EACH STATEMENT {_BUMP}",
        "AFTER UPDATE ON portal_user FOR EACH ROW WHEN "
        "((to_jsonb(OLD) - 'last_login') IS DISTINCT FROM (to_jsonb(NEW) - 'last_login')) " + _BUMP,
    ],
    "surveys_response": [
        "AFTER INSERT ON surveys_response FOR EACH ROW WHEN (NEW.submitted_at IS NOT NULL) "
        + _BUMP,
        "AFTER UPDATE ON surveys_response FOR EACH ROW WHEN "
        "((OLD.submitted_at IS NOT NULL OR NEW.submitted_at IS NOT NULL) AND "
        "(to_jsonb(OLD) - 'awaiting_sums') IS DISTINCT FROM (to_jsonb(NEW) - 'awaiting_sums')) "
        + _BUMP,
        "AFTER DELETE ON surveys_response FOR EACH ROW WHEN (OLD.submitted_at IS NOT NULL) "
        + _BUMP,
        f"AFTER TRUNCATE ON surveys_response FOR EACH STATEMENT {_BUMP}",
    ],
    "surveys_participation": [
        f"AFTER INSERT OR DELETE OR TRUNCATE ON surveys_participation FOR EACH STATEMENT {_BUMP}",
        "AFTER UPDATE ON surveys_participation FOR EACH ROW WHEN "
        "((to_jsonb(OLD) - '{started_at,invitation_sent_at,last_reminded_at,reminders_sent,"
        "link_version,link_revoked_at,token_hash}'::text[]) IS DISTINCT FROM "
        "(to_jsonb(NEW) - '{started_at,invitation_sent_at,last_reminded_at,reminders_sent,"
        f"link_version,link_revoked_at,token_hash}}'::text[])) {_BUMP}",
    ],
}

FUNCTION_SQL = """
CREATE OR REPLACE FUNCTION portal_table_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO portal_tableversion (table_name, backend, token)
    VALUES (TG_TABLE_NAME, pg_backend_pid(), gen_random_uuid())
    ON CONFLICT (table_name, backend) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END
$$;
"""


# A token as the 128-bit number it is, and back: a table's state is its rows' tokens combined
# with exclusive or (PostgreSQL's bit_xor, 14 and later). SQL functions, inlined by the planner;
# installed once, by migration portal/0008.
COMBINING_FUNCTIONS_SQL = """
CREATE OR REPLACE FUNCTION portal_token_bits(token uuid) RETURNS bit(128)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ('x' || translate(token::text, '-', ''))::bit(128)
$$;
CREATE OR REPLACE FUNCTION portal_bits_token(bits bit(128)) RETURNS uuid
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (lpad(to_hex(substring(bits FROM 1 FOR 64)::bigint), 16, '0')
            || lpad(to_hex(substring(bits FROM 65 FOR 64)::bigint), 16, '0'))::uuid
$$;
"""


def triggers_sql(table: str) -> list[str]:
    """The statements that give `table` its token (dropping any it had)."""
    definitions = SPECIAL_TRIGGERS.get(
        table,
        [f'AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" FOR EACH STATEMENT {_BUMP}'],
    )
    statements = [f'DROP TRIGGER IF EXISTS {TRIGGER}_{n} ON "{table}"' for n in range(4)]
    statements += [
        f"CREATE TRIGGER {TRIGGER}_{n} {definition}" for n, definition in enumerate(definitions)
    ]
    return statements


def install(schema_editor, tables: Iterable[str]) -> None:
    """Give these tables their token (for migrations; PostgreSQL only)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION_SQL)
    for table in sorted(set(tables) - UNTRACKED):
        for statement in triggers_sql(table):
            schema_editor.execute(statement)


def app_tables(apps) -> set[str]:
    """Every table of the portal's apps (their many-to-many tables included)."""
    return {
        model._meta.db_table
        for label in APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy and model._meta.managed
    }


# The tables of the schema Django creates them in (`current_schema()`). Not
# `pg_table_is_visible(oid)`: the planner calls it on each of pg_class's ~1,000 rows before the
# join to the triggers, 1–4 ms of a read that every cached figure's hit pays (part 33 of
# docs/performance.md). A table outside that schema would only have no state: not cacheable.
_VERSIONS_SQL = """
SELECT c.relname, bit_xor(portal_token_bits(v.token))::text
FROM pg_class c
LEFT JOIN portal_tableversion v ON v.table_name = c.relname
WHERE c.oid IN (SELECT tgrelid FROM pg_trigger WHERE tgname LIKE %s)
  AND c.relnamespace = current_schema()::regnamespace
  {only}
GROUP BY c.relname
"""
_ALL_SQL = _VERSIONS_SQL.format(only="")
_SOME_SQL = _VERSIONS_SQL.format(only="AND c.relname = ANY(%s)")


def table_versions(tables: Iterable[str] | None = None) -> dict[str, str | None] | None:
    """{table: its state} for every table with the trigger, or only for these `tables` (what a
    kept entry was computed from: its check reads a few tables' rows, not every table's), in
    one query (a table never written has the state None; a table without the trigger is left
    out); None where nothing can be cached (not PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        if tables is None:
            cursor.execute(_ALL_SQL, [f"{TRIGGER}%"])
        else:
            cursor.execute(_SOME_SQL, [f"{TRIGGER}%", sorted(tables)])
        return dict(cursor.fetchall())


def states_hold(states: dict[str, str | None], versions: dict[str, str | None]) -> bool:
    """Whether each table's state in `states` (what something kept was computed under) is its
    state in `versions` (read now); a table missing from `versions` holds no state."""
    return all(table in versions and versions[table] == state for table, state in states.items())


_COMPACT_SQL = """
WITH gone AS (
    DELETE FROM portal_tableversion
    WHERE backend <> 0 AND backend NOT IN (SELECT pid FROM pg_stat_activity)
    RETURNING table_name, token
), folded AS (
    INSERT INTO portal_tableversion (table_name, backend, token)
    SELECT table_name, 0, portal_bits_token(bit_xor(portal_token_bits(token)))
    FROM gone
    GROUP BY table_name
    ON CONFLICT (table_name, backend) DO UPDATE SET token = portal_bits_token(
        portal_token_bits(portal_tableversion.token) # portal_token_bits(EXCLUDED.token)
    )
)
SELECT count(*) FROM gone
"""


def table_versions_compact() -> int:
    """Fold the rows of connections that are gone into each table's row of no connection
    (backend 0), their tokens combined into its token as the state combines them: every state
    stays as it was. A gone connection writes no more, so its rows are final; each is deleted
    and folded in one statement, exactly once however many run at once. Returns the rows
    folded."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(_COMPACT_SQL)
        return cursor.fetchone()[0]


# A table named after FROM or JOIN, quoted (as Django writes it) or not.
_TABLE = re.compile(r'\b(?:FROM|JOIN)\s+(?:"([^"]+)"|([A-Za-z_][A-Za-z0-9_]*))', re.IGNORECASE)


@dataclass
class TablesRead:
    """The tables the SQL run inside `tables_read()` read; `unsure` when some statement was not
    a plain read (then nothing computed inside may be cached)."""

    tables: set[str] = field(default_factory=set)
    unsure: bool = False

    def add(self, sql: str) -> None:
        if sql in (_ALL_SQL, _SOME_SQL):
            return  # a kept value's check inside: its tables are reported (`_report_read`)
        if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            self.unsure = True
        self.tables.update(quoted or bare for quoted, bare in _TABLE.findall(sql))


_open = threading.local()  # the `tables_read()` of this thread now open, innermost last


@contextmanager
def tables_read() -> Iterator[TablesRead]:
    found = TablesRead()
    readers = _open.__dict__.setdefault("readers", [])

    def record(execute, sql, params, many, context):
        substitute = getattr(_open, "read_as", None)
        if substitute is None:
            found.add(sql)
        else:
            found.tables.update(substitute)
        return execute(sql, params, many, context)

    readers.append(found)
    try:
        with connection.execute_wrapper(record):
            yield found
    finally:
        readers.pop()


@contextmanager
def read_as(tables: Collection[str]) -> Iterator[None]:
    """The reads inside count in every open `tables_read()` as reads of `tables` only: for a
    read whose other tables decide only whether something is written first, never what a value
    holds (a write then makes the value uncacheable anyway). Used by
    `surveys.results.disclosure.sums_token`, whose question "is a submission awaiting the sums?"
    reads the responses, while the figures read after it are of the sums' state alone."""
    outer = getattr(_open, "read_as", None)
    _open.read_as = tables
    try:
        yield
    finally:
        _open.read_as = outer


def _report_read(tables: Iterable[str]) -> None:
    """A value kept under these tables' states was used inside every open `tables_read()`:
    what they compute was computed from those tables, read or not."""
    for found in getattr(_open, "readers", ()):
        found.tables.update(tables)


def cacheable(found: TablesRead, versions: dict[str, str | None]) -> bool:
    """Whether what was computed from these reads may be cached under these tables' states."""
    return not found.unsure and all(table in versions for table in found.tables)


def kept(
    key: str,
    compute: Callable[[], T],
    *,
    timeout: int,
    named: Collection[str] = (),
    still_named: Callable[[], bool] | None = None,
) -> T:
    """What `compute()` returns, kept in the cache under `key` for exactly as long as the tables
    it read stay in the states it was computed under: a hit costs the cache's read and one query
    of those tables' states. On a miss it is computed and stored only if the states read again
    afterwards are unchanged (so what it read was of those states), and only where it can be
    cached at all (`cacheable`). `compute` must read everything it returns itself: an object
    the caller read before has no state here. The key names everything else the value depends
    on (the person's flags, the language, the day).

    `named`: tables whose rows the key names by a state of their own rather than by the table's
    (a survey's running sums by the token of their state, which every submission renews while
    the figures of a state stay those of that state): their states are neither kept nor checked,
    and `still_named()`, asked after computing, tells whether the rows read were the ones the key
    names (else nothing is stored). A kept value used inside another's computation counts as a
    read of its tables there."""
    entry = cache.get(key)  # (the tables' states, the value)
    if entry is not None:
        states = {table: state for table, state in entry[0].items() if table not in named}
        if states_hold(states, table_versions(tables=states) or {}):
            _report_read([*states, *named])  # (it was computed from the named ones too)
            return entry[1]
    versions = table_versions()
    if versions is None:
        return compute()
    with tables_read() as found:
        value = compute()
    found.tables.difference_update(named)
    if cacheable(found, versions):
        states = {table: versions[table] for table in found.tables}
        if states_hold(states, table_versions(tables=states) or {}) and (
            still_named is None or still_named()
        ):
            cache.set(key, (states, value), timeout)
    return value


# How long HTML is kept at most (a state that does not change keeps it till then).
HTML_KEPT_SECONDS = 6 * 60 * 60


@once
def templates_fingerprint() -> str:
    """A digest of every template this process can load (the project's and the installed
    packages': crispy-forms' field templates are part of the offers' kept HTML): part of the key
    of HTML kept between requests, so that after a deploy that changes a template, or upgrades a
    package's, no page shows HTML rendered from the one before. ~80 ms once per worker, at
    start-up (`portal.gunicorn.warm_up`)."""
    digest = hashlib.blake2b(digest_size=8)
    for directory in sorted(get_template_directories()):
        for path in sorted(Path(directory).rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(directory)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def kept_html(
    key: str,
    template_names: list[str],
    context: Callable[[], dict],
    *,
    named: Collection[str] = (),
    still_named: Callable[[], bool] | None = None,
) -> list[str]:
    """Each of `template_names` rendered with `context()` (computed once), kept between requests
    by `kept` (`named`, `still_named` as there) in the person's language and under the templates
    as they are. The templates see no request (no CSRF token, no context processor), so the same
    HTML serves everyone the key names."""

    def rendered() -> list[str]:
        values = context()
        return [render_to_string(name, values) for name in template_names]

    language = translation.get_language()
    return kept(
        f"html:{templates_fingerprint()}:{language}:{key}",
        rendered,
        timeout=HTML_KEPT_SECONDS,
        named=named,
        still_named=still_named,
    )
