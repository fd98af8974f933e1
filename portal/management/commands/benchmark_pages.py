"""`manage.py benchmark_pages`: the everyday pages of the generated region (`manage.py
generate_region`) timed in-process beside the trivial view, as `benchmark_results` times the
results and the dashboard.

Django's test client, one request at a time, the median of `--repeat` rounds (every page in
turn in each round, so a busy moment of a shared machine falls on all of them), with this
process's CPU time (steadier than the wall clock on a busy machine) and the queries of each
page counted. The people are the load test's: a staff member, their county's
coordinator and the project leader. The registration's POST runs in a transaction that is
rolled back, so every round registers the same person anew (the commit itself is not timed).
`--profile NAME` prints cProfile's busiest functions for one page. Asserts nothing about time.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from courses.models import Gathering, Registration
from portal.region import region_people, region_programme


class _Rollback(Exception):
    """Raised to undo a registration made by the benchmark."""


class Command(BaseCommand):
    help = "Time the everyday pages of the generated region in-process, beside the trivial view."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=9)
        parser.add_argument("--only", default="", help="comma-separated page names to time")
        parser.add_argument("--profile", default="", help="a page name to profile with cProfile")
        parser.add_argument("--sort", default="cumulative", help="cProfile's order (tottime...)")
        parser.add_argument("--sql", action="store_true", help="print each page's queries")

    def handle(self, *args, **options):
        programme = region_programme()
        if programme is None:
            raise CommandError("No generated region: run manage.py generate_region first.")
        try:
            trivial = reverse("benchmark_trivial")
        except NoReverseMatch as error:
            raise CommandError("Set PORTAL_BENCHMARK_VIEWS=true (the trivial view).") from error
        call_command("collectstatic", interactive=False, verbosity=0)
        pages = self._pages(programme, trivial)
        only = {name.strip() for name in options["only"].split(",") if name.strip()}
        if only:
            pages = {k: v for k, v in pages.items() if k in only or k == "trivial view"}
        queries = {}
        for name, page in pages.items():  # warm up (caches too), then count the queries
            self._request(page)
            with CaptureQueriesContext(connection) as captured:
                status = self._request(page)
            if status not in (200, 302):
                raise CommandError(f"{name} answered {status}")
            queries[name] = len(captured)
            if options["sql"]:
                self.stdout.write(f"--- {name}: {len(captured)} queries")
                for query in captured:
                    self.stdout.write(f"  {query['time']}s {query['sql'][:300]}")
        if options["profile"]:
            self._profile(pages[options["profile"]], options["repeat"], options["sort"])
            return
        times = {name: [] for name in pages}
        cpu = {name: [] for name in pages}  # this process's own time: no wait for a core or SQL
        for _round in range(options["repeat"]):
            for name, page in pages.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                self._request(page)
                times[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - started_cpu)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(f"Median of {options['repeat']}; load average {load}.")
        base = statistics.median(times["trivial view"])
        for name in pages:
            median = statistics.median(times[name])
            self.stdout.write(
                f"{name:<28} {median * 1000:8.1f} ms {median / base:6.1f} × trivial"
                f" {statistics.median(cpu[name]) * 1000:8.1f} ms CPU {queries[name]:4d} queries"
            )

    def _pages(self, programme, trivial) -> dict[str, tuple]:
        people = region_people(programme)
        now = timezone.now()
        opening = (
            Gathering.objects.filter(
                course__programme=programme,
                course__county__isnull=True,
                registration_opens_at__lte=now,
                registration_deadline__gt=now,
                capacity__gte=200,
            )
            .order_by("pk")
            .first()
        )
        if opening is None:
            raise CommandError("No gathering open for registration: generate the region anew.")
        registered = set(
            Registration.objects.filter(gathering=opening).values_list("user_id", flat=True)
        )
        staff, library = next((u, lib) for u, lib in people["staff"] if u.pk not in registered)
        coordinator = people["coordinators"][library.county_id]
        listed = (
            Gathering.objects.filter(course__programme=programme, county=library.county_id)
            .annotate(n=Count("registrations", filter=~Q(registrations__status="cancelled")))
            .order_by("-n", "pk")
            .first()
        )
        clients = {}

        def client(user):
            if user.pk not in clients:
                clients[user.pk] = Client(SERVER_NAME="localhost")  # a host the settings allow
                clients[user.pk].force_login(user)
            return clients[user.pk]

        register = reverse("courses:registration_create", args=[opening.pk])
        return {
            "trivial view": (client(staff), "get", trivial),
            "home (staff)": (client(staff), "get", reverse("home")),
            "home (coordinator)": (client(coordinator), "get", reverse("home")),
            "home (leader)": (client(people["leader"]), "get", reverse("home")),
            "course list (staff)": (client(staff), "get", reverse("courses:course_list")),
            "course list (coordinator)": (
                client(coordinator),
                "get",
                reverse("courses:course_list"),
            ),
            "registration: form": (client(staff), "get", register),
            "registration: submit": (client(staff), "post", register),
            "participant list": (
                client(coordinator),
                "get",
                reverse("courses:participant_list", args=[listed.pk]),
            ),
            "exchange offers": (client(staff), "get", reverse("hospitering:offer_list")),
        }

    def _request(self, page) -> int:
        client, method, url = page
        if method == "get":
            return client.get(url).status_code
        try:
            with transaction.atomic():
                status = client.post(url, {}).status_code
                raise _Rollback
        except _Rollback:
            return status

    def _profile(self, page, repeat: int, sort: str) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        for _round in range(repeat):
            self._request(page)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(45)
        self.stdout.write(out.getvalue())
