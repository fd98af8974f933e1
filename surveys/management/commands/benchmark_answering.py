"""`manage.py benchmark_answering`: the open survey's question page, its submission and the
thank-you page in the generated region, timed in-process beside the trivial view (see
portal/benchmark.py).

In each round another invited staff member who has not started starts the survey, reads the
40-question page, submits it (answers drawn as the load test draws them) and follows the
redirect to the thank-you page, with the trivial view timed in the same round; the first round
warms up. Also printed: the catch-up that adds the submission to the results' running sums
after its commit (the task each submission queues, `result_tallies_catch_up`), timed here in
the same process right after the thank-you page. Each round submits a response: run it on a
copy of the generated data, not on data anyone keeps. `--profile PAGE` ("question page",
"submission" or "thank-you page") prints cProfile's busiest functions over that page's timed
requests, `--sql` the queries of each page's last request.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import random
from urllib.parse import urlencode

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from portal.benchmark import TRIVIAL, Timings, benchmark_client, benchmark_programme
from portal.loadtest.forms import form_of
from portal.region import region_people
from surveys.models import Participation, Survey
from surveys.results.services import result_tallies_catch_up

URLENCODED = "application/x-www-form-urlencoded"

CATCH_UP = "sums' catch-up (task)"
THANKS = "thank-you page"
PAGES = ("question page", "submission", THANKS)


class Command(BaseCommand):
    help = "Time the survey's question page and submission of the generated region, in-process."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--profile", choices=PAGES, help="a page to profile with cProfile")
        parser.add_argument("--sort", default="cumulative", help="cProfile's order (tottime...)")
        parser.add_argument("--sql", action="store_true", help="print each page's queries")

    def handle(self, *args, **options):
        programme = benchmark_programme()
        survey = (
            Survey.objects.filter(programme=programme, status=Survey.Status.OPEN)
            .order_by("pk")
            .first()
        )
        if survey is None:
            raise CommandError("No open survey: run manage.py generate_region anew.")
        repeat = options["repeat"]
        people = list(
            Participation.objects.filter(survey=survey, started_at__isnull=True)
            .select_related("user")
            .order_by("pk")[: repeat + 1]
        )
        if len(people) < repeat + 1:
            raise CommandError("Too few invited staff left who have not started the survey.")
        answer_url = reverse("surveys:answer_mine", args=[survey.pk])
        reader = benchmark_client(region_people(programme)["leader"])
        timings = Timings()
        profiler = cProfile.Profile()

        def measure(name, send, timed):
            profiled = timed and name == options["profile"]
            if profiled:
                profiler.enable()
            try:
                return timings.measure(name, send, timed=timed)
            finally:
                if profiled:
                    profiler.disable()

        for round_number, participation in enumerate(people):
            timed = round_number > 0  # the first round warms up (the caches too)
            client = benchmark_client(participation.user)
            rng = random.Random(participation.pk)  # noqa: S311 - answers to draw, no secret
            start = client.get(answer_url).content.decode()
            started = client.post(answer_url, {**form_of(start, rng), "action": "start"})
            if started.status_code != 302:
                raise CommandError(f"The survey did not start ({started.status_code}).")
            timings.measure(TRIVIAL, lambda: reader.get(reverse("benchmark_trivial")), timed=timed)
            page = measure("question page", lambda c=client: c.get(answer_url), timed)
            if page.status_code != 200:
                raise CommandError(f"The question page did not answer ({page.status_code}).")
            data = {**form_of(page.content.decode(), rng), "action": "submit"}
            # Posted as a browser posts a form without files (and as the load test does), not as
            # the test client's default multipart body, whose parsing a browser never causes.
            body = urlencode(data, doseq=True)
            done = measure(
                "submission",
                lambda c=client, b=body: c.post(answer_url, b, content_type=URLENCODED),
                timed,
            )
            if done.status_code != 302:
                raise CommandError(f"The submission was refused ({done.status_code}).")
            thanks = measure(THANKS, lambda c=client: c.get(answer_url), timed)
            # (the thank-you page, which deletes the cookie that brought the gaps to it)
            if thanks.status_code != 200 or f"survey-thanks-{survey.pk}" not in thanks.cookies:
                raise CommandError(f"No thank-you page ({thanks.status_code}).")
            timings.measure(
                CATCH_UP, lambda: result_tallies_catch_up(survey_id=survey.pk), timed=timed
            )
        if options["profile"]:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(options["sort"]).print_stats(45)
            self.stdout.write(out.getvalue())
        if options["sql"]:
            for name in PAGES:
                self.stdout.write(f"--- {name}: {len(timings.sql[name])} queries")
                for query in timings.sql[name]:
                    self.stdout.write(f"  {query['time']}s {query['sql'][:300]}")
        self.stdout.write("\n".join(timings.report(repeat=repeat)))
