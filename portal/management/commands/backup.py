from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, backup_create, backup_verify


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into a folder, then prove the backup by "
        "restoring it into a scratch database and comparing every table's row count."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="a new or empty folder for this backup")

    def handle(self, *args, folder: Path, **options):
        try:
            backup_create(folder)
            checked = backup_verify(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Backup in {folder}: {checked['tables']} tables, {checked['rows']} rows and "
            f"{checked['files']} files; restored into a scratch database, the counts match."
        )
