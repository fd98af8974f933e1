"""`manage.py dashboards_warm`: a deploy step. Each programme's dashboard scopes (the project
leader's, each coordinator's) computed in every language before anyone asks, so that no first
reader after a deploy waits for them (docs/performance.md, part 30). Celery beat repeats it
every five minutes (`portal.tasks.dashboards_warm`)."""

from django.core.management.base import BaseCommand

from portal.dashboard import dashboards_warm


class Command(BaseCommand):
    help = "Compute the programmes' dashboards before anyone asks (after a deploy)."

    def handle(self, *args, **options):
        scopes = dashboards_warm()
        self.stdout.write(f"{scopes} dashboard scopes computed or already held.")
