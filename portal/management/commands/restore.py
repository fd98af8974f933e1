from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup into a NEW database and an empty media folder and check the row "
        "counts; then point DATABASE_URL and MEDIA_ROOT at them. Never writes into an existing "
        "database."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a folder made by `manage.py backup`")
        parser.add_argument("--database", required=True, help="name of the database to create")
        parser.add_argument("--media-root", required=True, type=Path, help="an empty folder")

    def handle(self, *args, folder: Path, database: str, media_root: Path, **options):
        try:
            checked = backup_restore(folder, database=database, media_root=media_root)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Restored into database {database} and {media_root}: {checked['tables']} tables, "
            f"{checked['rows']} rows and {checked['files']} files, the counts match."
        )
