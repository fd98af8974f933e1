import time

from django.core.management.base import BaseCommand

from portal.region import EMAIL_DOMAIN, PASSWORD, region_generate


class Command(BaseCommand):
    help = (
        "Generate a programme at regional scale (5 counties, 3,000 staff, surveys, courses...) "
        "from a seed; replaces the one generated before. Needs PORTAL_ALLOW_DEMO."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2011)
        parser.add_argument(
            "--scale", type=float, default=1.0, help="1.0 = regional scale; 0.01 for a quick try"
        )

    def handle(self, *args, **options):
        started = time.perf_counter()

        def say(line):
            self.stdout.write(f"  {line}")

        region = region_generate(seed=options["seed"], scale=options["scale"], output=say)
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated “{region.programme}” (seed {region.seed}, scale {region.scale}) "
                f"in {time.perf_counter() - started:.0f} s."
            )
        )
        self.stdout.write(
            f"People: prosjektleder@{EMAIL_DOMAIN}, koordinator.<county number>@{EMAIL_DOMAIN}, "
            f"ansatt<n>@{EMAIL_DOMAIN}; password for all: {PASSWORD}"
        )
