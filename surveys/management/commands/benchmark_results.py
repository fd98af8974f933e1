"""`manage.py benchmark_results`: the results overview, a question's results and the dashboard of
the generated region (`manage.py generate_region`), timed in-process beside the trivial view.

Django's test client, one request at a time as the project leader, the median of `--repeat`
rounds (the three pages in turn in each round, so a busy moment of a shared machine falls on all
of them). `make benchmark-results` runs it with the load test's settings and database (the
trivial view on). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import os
import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from portal.models import User
from portal.region import EMAIL_DOMAIN, region_programme
from surveys.models import Question, Survey


class Command(BaseCommand):
    help = "Time the results overview and the dashboard of the generated region, in-process."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, **options):
        programme = region_programme()
        survey = programme and Survey.objects.filter(programme=programme, baseline__isnull=False)
        if not survey:
            raise CommandError("No generated region: run manage.py generate_region first.")
        try:
            trivial = reverse("benchmark_trivial")
        except NoReverseMatch as error:
            raise CommandError("Set PORTAL_BENCHMARK_VIEWS=true (the trivial view).") from error
        call_command("collectstatic", interactive=False, verbosity=0)
        client = Client(SERVER_NAME="localhost")  # a host the benchmark settings allow
        client.force_login(User.objects.get(email=f"prosjektleder@{EMAIL_DOMAIN}"))
        survey = survey.first()
        question = Question.objects.filter(survey=survey).order_by("page__position", "position")
        pages = {
            "trivial view": trivial,
            "results overview": reverse("surveys:results", args=[survey.pk]),
            "results: a question": reverse(
                "surveys:results_question", args=[survey.pk, question.first().pk]
            ),
            "dashboard": reverse("programme_dashboard", args=[programme.pk]),
        }
        queries, times, cpu = {}, {name: [] for name in pages}, {name: [] for name in pages}
        for name, url in pages.items():  # warm up (the caches too), then count the queries
            client.get(url)
            with CaptureQueriesContext(connection) as captured:
                if client.get(url).status_code != 200:
                    raise CommandError(f"{name} did not answer 200")
            queries[name] = len(captured)
        for _round in range(options["repeat"]):
            for name, url in pages.items():
                started, started_cpu = time.perf_counter(), time.process_time()
                client.get(url)
                times[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - started_cpu)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(
            f"Median of {options['repeat']}; load average {load}. CPU: this process's own time"
            " (the database's is not in it; steadier than the clock on a busy machine)."
        )
        base = statistics.median(times["trivial view"])
        base_cpu = statistics.median(cpu["trivial view"])
        for name in pages:
            median, median_cpu = statistics.median(times[name]), statistics.median(cpu[name])
            self.stdout.write(
                f"{name:<20} {median * 1000:9.1f} ms {median / base:7.1f} × trivial"
                f" {queries[name]:4d} queries   CPU {median_cpu * 1000:7.1f} ms"
                f" {median_cpu / base_cpu:6.1f} × trivial"
            )
