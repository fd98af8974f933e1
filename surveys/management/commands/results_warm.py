"""`manage.py results_warm`: a deploy step. Each survey's results overview and the API's answer,
as the project leader and each coordinator would be served them now, formed in every language
before anyone asks (docs/performance.md, part 37). Celery beat repeats it every five minutes
(`surveys.tasks.surveys_results_warm_task`)."""

from django.core.management.base import BaseCommand

from surveys.results.selectors import surveys_results_warm


class Command(BaseCommand):
    help = "Form the surveys' results (overview, API answer) before anyone asks (after a deploy)."

    def handle(self, *args, **options):
        scopes = surveys_results_warm()
        self.stdout.write(f"{scopes} results scopes formed or already kept.")
