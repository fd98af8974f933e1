"""`manage.py benchmark_results`: the results overview, a question's results, the API's survey
results and the dashboard of the generated region, timed in-process beside the trivial view as
the project leader (see portal/benchmark.py). `make benchmark-results` runs it with the load
test's settings and database (the trivial view on). `--profile NAME` prints cProfile's busiest
functions for one page (`--sort`, cumulative by default).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from api.services import api_token_create
from portal.benchmark import (
    TRIVIAL,
    benchmark_client,
    benchmark_programme,
    page_profile,
    pages_time,
    trivial_request,
)
from portal.region import region_people
from surveys.models import Question, Survey


class Command(BaseCommand):
    help = "Time the results overview and the dashboard of the generated region, in-process."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--profile", default="", help="a page name to profile with cProfile")
        parser.add_argument("--sort", default="cumulative", help="cProfile's order (tottime...)")

    def handle(self, *args, **options):
        programme = benchmark_programme()
        survey = (
            Survey.objects.filter(programme=programme, baseline__isnull=False)
            .order_by("pk")
            .first()
        )
        if survey is None:
            raise CommandError("No follow-up survey: run manage.py generate_region anew.")
        leader = region_people(programme)["leader"]
        client = benchmark_client(leader)
        question = (
            Question.objects.filter(survey=survey).order_by("page__position", "position").first()
        )
        urls = {
            "results overview": reverse("surveys:results", args=[survey.pk]),
            "results: a question": reverse(
                "surveys:results_question", args=[survey.pk, question.pk]
            ),
            "dashboard": reverse("programme_dashboard", args=[programme.pk]),
        }
        pages = {TRIVIAL: trivial_request(client)}
        pages |= {name: (lambda url=url: client.get(url)) for name, url in urls.items()}
        _api_token, token = api_token_create(user=leader, name="Benchmark")
        api_results = reverse("api:survey-results", args=[survey.pk])
        pages["API: survey results"] = lambda: client.get(
            api_results, headers={"Authorization": f"Bearer {token}"}
        )
        if options["profile"]:
            profile = page_profile(
                pages[options["profile"]], repeat=options["repeat"], sort=options["sort"]
            )
            self.stdout.write(profile)
            return
        timings = pages_time(pages, repeat=options["repeat"])
        self.stdout.write("\n".join(timings.report(repeat=options["repeat"])))
