"""Backup and restore: the database and the uploaded files, restored and counted."""

import io
import json
import tarfile
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from portal.backup import MANIFEST, BackupError, media_extract

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def uploaded(settings):
    material = settings.MEDIA_ROOT / "learning" / "materials" / "plan.pdf"
    material.parent.mkdir(parents=True)
    material.write_bytes(b"%PDF-1.4 bibliotekplan")
    return material


def users_in(database: str) -> int:
    config = connection.settings_dict
    with psycopg.connect(dbname=database, host=config["HOST"], user=config["USER"]) as conn:
        return conn.execute("SELECT count(*) FROM portal_user").fetchone()[0]


def drop(database: str) -> None:
    config = connection.settings_dict
    with psycopg.connect(
        dbname="postgres", host=config["HOST"], user=config["USER"], autocommit=True
    ) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_backup_is_proven_restored_for_real_and_a_bad_one_is_reported(world, uploaded, tmp_path):
    out = StringIO()
    call_command("backup", tmp_path / "backup", stdout=out)
    assert "the counts match" in out.getvalue()
    manifest_path = tmp_path / "backup" / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    assert manifest["row_counts"]["portal_user"] == 9
    assert manifest["files"] == ["learning/materials/plan.pdf"]

    database = connection.settings_dict["NAME"] + "_restored"
    try:
        call_command(
            "restore",
            tmp_path / "backup",
            database=database,
            media_root=tmp_path / "restored-media",
            stdout=out,
        )
        assert users_in(database) == 9
        restored = tmp_path / "restored-media" / "learning" / "materials" / "plan.pdf"
        assert restored.read_bytes() == uploaded.read_bytes()
        with pytest.raises(CommandError, match="exists"):  # never into a database that exists
            call_command(
                "restore", tmp_path / "backup", database=database, media_root=tmp_path / "other"
            )
    finally:
        drop(database)

    # A backup that does not restore whole is reported, not trusted.
    manifest["row_counts"]["portal_user"] += 1
    manifest_path.write_text(json.dumps(manifest))
    try:
        with pytest.raises(CommandError, match="portal_user: 10 in the backup, 9 restored"):
            call_command(
                "restore", tmp_path / "backup", database=database, media_root=tmp_path / "copy"
            )
    finally:
        drop(database)


def _member(name: str, *, link_to: str = "") -> tarfile.TarInfo:
    member = tarfile.TarInfo(name)
    if link_to:
        member.type, member.linkname = tarfile.SYMTYPE, link_to
    else:
        member.size = 4
    return member


@pytest.mark.parametrize(
    "member",
    [_member("../outside.txt"), _member("plan.pdf", link_to="/etc/passwd")],
    ids=["a path out of the folder", "a link out of it"],
)
def test_a_file_of_the_backup_that_would_reach_outside_the_media_folder_refuses_it(
    tmp_path, member
):
    archive_path = tmp_path / "media.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        archive.addfile(member, io.BytesIO(b"evil") if member.isfile() else None)
    media_root = tmp_path / "media"
    with pytest.raises(BackupError, match="refused"):
        media_extract(archive_path, media_root)
    assert not (tmp_path / "outside.txt").exists()
    assert list(media_root.iterdir()) == []
