from django.core.management.base import BaseCommand

from portal.demo import DEMO_PASSWORD, demo_load
from portal.demo_report import demo_funder_report_load
from portal.home import demo_loaders


class Command(BaseCommand):
    help = "Load the demo programme 'Kompetente regionbibliotek' and print the demo accounts."

    def handle(self, *args, **options):
        programme, accounts = demo_load()
        for loader in demo_loaders:
            loader(programme=programme)
        demo_funder_report_load(current=programme)
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {programme}"))
        self.stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
        for account in accounts:
            self.stdout.write(f"  {account.email:<38} {account.role}")
