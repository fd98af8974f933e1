from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, demo_load
from portal.demo_report import demo_funder_report_load
from portal.home import demo_loaders


class Command(BaseCommand):
    help = (
        "Load the demo programmes (the complete 'Kompetente regionbibliotek 2011–2012' and one "
        "running now) and print the demo accounts. Loading again changes nothing."
    )
    # `make run` checks the project in `migrate` just before and in `runserver` just after.
    requires_system_checks = []

    def handle(self, *args, **options):
        programmes, accounts = demo_load()
        for demo in programmes:
            for loader in demo_loaders:
                loader(programme=demo.programme, calendar=demo.calendar)
            self.stdout.write(self.style.SUCCESS(f"Demo loaded: {demo.programme}"))
        report = demo_funder_report_load(current=programmes[-1].programme)
        if report is not None:
            self.stdout.write(f"Report to the funder generated: {report.programme}")
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.email:<38} {account.role}")
