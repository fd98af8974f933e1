"""`manage.py benchmark_dashboard`: the programme dashboard and the API's key figures of the
generated region, timed in-process beside the trivial view (see portal/benchmark.py).

The project leader and the first county's coordinator. Warm by default; `--cold` empties the
cache before every request (the figures are then computed, as after a write).
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.urls import reverse

from portal.benchmark import (
    TRIVIAL,
    benchmark_client,
    benchmark_programme,
    pages_time,
    trivial_request,
)
from portal.region import region_people


class Command(BaseCommand):
    help = "Time the dashboard and the API's key figures of the generated region, in-process."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--cold", action="store_true", help="empty the cache before each")

    def handle(self, *args, **options):
        programme = benchmark_programme()
        people = region_people(programme)
        _county, coordinator_person = sorted(people["coordinators"].items())[0]
        leader, coordinator = (
            benchmark_client(people["leader"]),
            benchmark_client(coordinator_person),
        )
        dashboard = reverse("programme_dashboard", args=[programme.pk])
        key_figures = reverse("api:programme-key-figures", args=[programme.pk])
        pages = {
            TRIVIAL: trivial_request(leader),
            "dashboard (leader)": lambda: leader.get(dashboard),
            "dashboard (coordinator)": lambda: coordinator.get(dashboard),
            "key figures (leader)": lambda: leader.get(key_figures),
            "key figures (coordinator)": lambda: coordinator.get(key_figures),
        }
        cold = options["cold"]
        timings = pages_time(
            pages, repeat=options["repeat"], before_each=cache.clear if cold else None
        )
        state = "cold (cache emptied before each request)" if cold else "warm"
        self.stdout.write("\n".join(timings.report(repeat=options["repeat"], state=state)))
