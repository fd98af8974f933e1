"""`manage.py benchmark_dashboard`: the programme dashboard and the API's key figures of the
generated region (`manage.py generate_region`), timed in-process beside the trivial view.

Django's test client, one request at a time, the project leader and the first county's
coordinator; the median of `--repeat` rounds (every page in turn in each round) of the wall
time and of this process's CPU time (the database's own time is in the wall time only), and the
queries of one request. Warm by default (each page asked once before the rounds); `--cold`
empties the cache before every request (the figures are then computed, as after a write).
Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import os
import statistics
import time

from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from portal.region import region_people, region_programme


class Command(BaseCommand):
    help = "Time the dashboard and the API's key figures of the generated region, in-process."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--cold", action="store_true", help="empty the cache before each")

    def handle(self, *args, **options):
        programme = region_programme()
        if programme is None:
            raise CommandError("No generated region: run manage.py generate_region first.")
        try:
            trivial = reverse("benchmark_trivial")
        except NoReverseMatch as error:
            raise CommandError("Set PORTAL_BENCHMARK_VIEWS=true (the trivial view).") from error
        call_command("collectstatic", interactive=False, verbosity=0)
        people = region_people(programme)
        county_id, coordinator = sorted(people["coordinators"].items())[0]
        clients = {}
        for name, person in (("leader", people["leader"]), ("coordinator", coordinator)):
            clients[name] = Client(SERVER_NAME="localhost")  # a host the benchmark allows
            clients[name].force_login(person)
        dashboard = reverse("programme_dashboard", args=[programme.pk])
        key_figures = reverse("api:programme-key-figures", args=[programme.pk])
        pages = {
            "trivial view": ("leader", trivial),
            "dashboard (leader)": ("leader", dashboard),
            "dashboard (coordinator)": ("coordinator", dashboard),
            "key figures (leader)": ("leader", key_figures),
            "key figures (coordinator)": ("coordinator", key_figures),
        }
        cold = options["cold"]
        queries = {}
        walls = {name: [] for name in pages}
        cpus = {name: [] for name in pages}
        for name, (who, url) in pages.items():  # warm up, and count the queries
            if cold:
                cache.clear()
            else:
                clients[who].get(url)
            with CaptureQueriesContext(connection) as captured:
                if clients[who].get(url).status_code != 200:
                    raise CommandError(f"{name} did not answer 200")
            queries[name] = len(captured)
        for _round in range(options["repeat"]):
            for name, (who, url) in pages.items():
                if cold and name != "trivial view":
                    cache.clear()
                started, cpu_started = time.perf_counter(), time.process_time()
                clients[who].get(url)
                walls[name].append(time.perf_counter() - started)
                cpus[name].append(time.process_time() - cpu_started)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        state = "cold (cache emptied before each request)" if cold else "warm"
        self.stdout.write(f"Median of {options['repeat']}, {state}; load average {load}.")
        base = statistics.median(walls["trivial view"])
        for name in pages:
            wall = statistics.median(walls[name])
            self.stdout.write(
                f"{name:<26} {wall * 1000:9.1f} ms {wall / base:7.1f} × trivial"
                f" {statistics.median(cpus[name]) * 1000:8.1f} ms CPU {queries[name]:4d} queries"
            )
