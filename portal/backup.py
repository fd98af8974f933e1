"""Backup and restore of the database and the uploaded files (`manage.py backup` / `restore`).

A backup is a folder:
- database.dump: `pg_dump --format=custom` of the portal's database;
- media.tar.gz: everything under MEDIA_ROOT (uploaded materials and submissions);
- manifest.json: the row count of every table, read in the same database snapshot as the dump,
  and the list of uploaded files.

`backup` restores each new backup into a fresh scratch database at once, compares every table's row
count and the files with the manifest, and drops the scratch database: a backup that cannot be
restored is found the day it is made, not the day it is needed. `restore` does the same into a new
database of your naming (and a new media folder), which you then point DATABASE_URL and MEDIA_ROOT
at; it never writes into an existing database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection
from psycopg import sql

if sys.version_info >= (3, 11, 4):
    import tarfile
else:  # the same module with its extraction filters (Debian 12's Python is 3.11.2)
    from backports import tarfile

DUMP, MEDIA, MANIFEST = "database.dump", "media.tar.gz", "manifest.json"


class BackupError(Exception):
    pass


def backup_create(folder: Path) -> dict:
    """Dump the database and the uploaded files into `folder`; return the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    with _connect() as conn:
        # One snapshot for the counts and the dump: writes meanwhile cannot make them differ.
        conn.isolation_level, conn.read_only = psycopg.IsolationLevel.REPEATABLE_READ, True
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = _row_counts(conn)
        _run(["pg_dump", "--format=custom", f"--snapshot={snapshot}", "--file", folder / DUMP])
        conn.rollback()
    media_root = Path(settings.MEDIA_ROOT)
    files = _files(media_root)
    with tarfile.open(folder / MEDIA, "w:gz") as archive:
        for name in files:
            archive.add(media_root / name, arcname=name)
    manifest = {"row_counts": counts, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


def backup_verify(folder: Path) -> dict:
    """Restore the backup into a scratch database and folder, compare, and drop them again."""
    database = f"{_settings()['NAME']}_check_{uuid.uuid4().hex[:8]}"[-63:]
    with tempfile.TemporaryDirectory() as media_root:
        try:
            return backup_restore(folder, database=database, media_root=Path(media_root))
        finally:
            _admin_execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)"), database)


def media_extract(archive_path: Path, media_root: Path) -> None:
    """Unpack the uploaded files into `media_root` with tarfile's "data" filter: a member that
    would land outside it, a link pointing outside it or a device file refuses the restore (with
    a clear error); modes are made safe (no set-user bits, no write bits for group or others)."""
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive_path) as archive:
        try:
            archive.extractall(media_root, filter="data")
        except tarfile.FilterError as error:
            raise BackupError(f"The backup's files are refused: {error}") from error


def backup_restore(folder: Path, *, database: str, media_root: Path) -> dict:
    """Restore into a new database and an empty media folder; check both against the manifest."""
    manifest = json.loads((folder / MANIFEST).read_text())
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"{media_root} is not empty.")
    try:
        _admin_execute(sql.SQL("CREATE DATABASE {}"), database)
    except psycopg.errors.DuplicateDatabase as error:
        raise BackupError(f"The database {database} exists; restore into a new one.") from error
    _run(
        ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
        + ["--dbname", database, folder / DUMP]
    )
    media_extract(folder / MEDIA, media_root)
    with _connect(database) as conn:
        counts = _row_counts(conn)
    problems = [
        f"{table}: {manifest['row_counts'].get(table)} in the backup, {counts.get(table)} restored"
        for table in sorted(set(counts) | set(manifest["row_counts"]))
        if counts.get(table) != manifest["row_counts"].get(table)
    ]
    if _files(media_root) != manifest["files"]:
        problems.append("the uploaded files differ from the backup's list")
    if problems:
        raise BackupError("The restored copy differs: " + "; ".join(problems))
    return {"tables": len(counts), "rows": sum(counts.values()), "files": len(manifest["files"])}


def _settings() -> dict:
    if connection.vendor != "postgresql":
        raise BackupError("Backups are made of PostgreSQL databases (DATABASE_URL).")
    return connection.settings_dict


def _pg_environment(database: str | None = None) -> dict:
    config = _settings()
    values = {
        "PGDATABASE": database or config["NAME"],
        "PGHOST": config["HOST"],
        "PGPORT": config["PORT"],
        "PGUSER": config["USER"],
        "PGPASSWORD": config["PASSWORD"],
    }
    return {name: str(value) for name, value in values.items() if value}


@contextmanager
def _connect(database: str | None = None):
    environment = _pg_environment(database)
    with psycopg.connect(
        dbname=environment["PGDATABASE"],
        host=environment.get("PGHOST"),
        port=environment.get("PGPORT"),
        user=environment.get("PGUSER"),
        password=environment.get("PGPASSWORD"),
    ) as conn:
        yield conn


def _admin_execute(statement: sql.SQL, database: str) -> None:
    """CREATE or DROP DATABASE, from the maintenance database (outside any transaction)."""
    with _connect("postgres") as conn:
        conn.autocommit = True
        conn.execute(statement.format(sql.Identifier(database)))


def _row_counts(conn) -> dict[str, int]:
    tables = conn.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    ).fetchall()
    return {
        table: conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
        ).fetchone()[0]
        for (table,) in tables
    }


def _files(root: Path) -> list[str]:
    if not root.exists():
        return []
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def _run(command: list) -> None:
    result = subprocess.run(  # noqa: S603 - fixed PostgreSQL tools, our own arguments
        [str(part) for part in command],
        env={**os.environ, **_pg_environment()},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")
