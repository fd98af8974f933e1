"""`manage.py benchmark_answering`: the open survey's question page and its submission in the
generated region (`manage.py generate_region`), timed in-process beside the trivial view.

Django's test client, one request at a time, as `benchmark_results`: in each round another
invited staff member who has not started starts the survey, reads the 40-question page and
submits it (answers drawn as the load test draws them), with the trivial view timed in the same
round; the first round warms up and counts the queries. Also printed: the database's own time
for the statement that adds a response to the running sums. Each round submits a response: run
it on a copy of the generated data, not on data anyone keeps. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import random
import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from portal.loadtest.forms import form_of
from portal.models import User
from portal.region import EMAIL_DOMAIN, region_programme
from surveys.models import Participation, ResultTally, Survey

TALLIES = ResultTally._meta.db_table


class Command(BaseCommand):
    help = "Time the survey's question page and submission of the generated region, in-process."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)

    def handle(self, *args, **options):
        programme = region_programme()
        survey = programme and (
            Survey.objects.filter(programme=programme, status=Survey.Status.OPEN)
            .order_by("pk")
            .first()
        )
        if not survey:
            raise CommandError("No generated region: run manage.py generate_region first.")
        try:
            trivial = reverse("benchmark_trivial")
        except NoReverseMatch as error:
            raise CommandError("Set PORTAL_BENCHMARK_VIEWS=true (the trivial view).") from error
        call_command("collectstatic", interactive=False, verbosity=0)
        repeat = options["repeat"]
        people = list(
            Participation.objects.filter(survey=survey, started_at__isnull=True)
            .select_related("user")
            .order_by("pk")[: repeat + 1]
        )
        if len(people) < repeat + 1:
            raise CommandError("Too few invited staff left who have not started the survey.")
        answer_url = reverse("surveys:answer_mine", args=[survey.pk])
        reader = Client(SERVER_NAME="localhost")  # a host the benchmark settings allow
        reader.force_login(User.objects.get(email=f"prosjektleder@{EMAIL_DOMAIN}"))
        names = ("trivial view", "question page", "submission", "sums' upsert (database)")
        times = {name: [] for name in names}
        cpu = {name: [] for name in names}
        queries = {}
        for round_number, participation in enumerate(people):
            client = Client(SERVER_NAME="localhost")
            client.force_login(participation.user)
            rng = random.Random(participation.pk)  # noqa: S311 - answers to draw, no secret
            start = client.get(answer_url).content.decode()
            started = client.post(answer_url, {**form_of(start, rng), "action": "start"})
            if started.status_code != 302:
                raise CommandError(f"The survey did not start ({started.status_code}).")
            measured = {}

            def timed(name, send, measured=measured):
                with CaptureQueriesContext(connection) as captured:
                    began, began_cpu = time.perf_counter(), time.process_time()
                    response = send()
                    measured[name] = (
                        time.perf_counter() - began,
                        time.process_time() - began_cpu,
                        len(captured),
                    )
                return response, captured

            timed("trivial view", lambda: reader.get(trivial))
            page, _captured = timed("question page", lambda c=client: c.get(answer_url))
            if page.status_code != 200:
                raise CommandError(f"The question page did not answer ({page.status_code}).")
            data = {**form_of(page.content.decode(), rng), "action": "submit"}
            done, captured = timed("submission", lambda c=client, d=data: c.post(answer_url, d))
            if done.status_code != 200 or b'name="page"' in done.content:
                raise CommandError(f"The submission was refused ({done.status_code}).")
            upsert = [q for q in captured.captured_queries if f'INTO "{TALLIES}"' in q["sql"]]
            measured["sums' upsert (database)"] = (float(upsert[0]["time"]), 0.0, len(upsert))
            if round_number == 0:  # a warm-up round (the caches too): not timed
                continue
            queries = {name: count for name, (_wall, _cpu, count) in measured.items()}
            for name, (seconds, cpu_seconds, _count) in measured.items():
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        self.stdout.write(
            f"Median of {repeat}; load average {load}. CPU: this process's own time"
            " (the database's is not in it; steadier than the clock on a busy machine)."
        )
        base = statistics.median(times["trivial view"])
        base_cpu = statistics.median(cpu["trivial view"])
        for name in names:
            median, median_cpu = statistics.median(times[name]), statistics.median(cpu[name])
            self.stdout.write(
                f"{name:<24} {median * 1000:9.1f} ms {median / base:7.1f} × trivial"
                f" {queries[name]:4d} queries   CPU {median_cpu * 1000:7.1f} ms"
                f" {median_cpu / base_cpu:6.1f} × trivial"
            )
