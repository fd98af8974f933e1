from django.core.management.base import BaseCommand

from portal.reference import reference_data_load


class Command(BaseCommand):
    help = "Load the counties of 2011 and a library per municipality (idempotent)."

    def handle(self, *args, **options):
        counts = reference_data_load()
        self.stdout.write(
            f"{counts['counties']} counties, {counts['public_libraries']} public libraries."
        )
