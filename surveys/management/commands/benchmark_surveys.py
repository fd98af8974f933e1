"""`manage.py benchmark_surveys`: time the results page and the CSV export of a large survey.

Everything is created inside a transaction that is rolled back at the end (a throwaway
programme, counties, libraries and a project leader), so it is safe on any database. It prints
figures and asserts nothing about time.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from portal.models import CompetenceArea, County, Library, Programme, RoleAssignment, User
from surveys.models import Answer
from surveys.results import views as results_views
from surveys.synthetic import add_responses, wide_survey


class Rollback(Exception):
    """Raised to undo everything the benchmark created."""


class Command(BaseCommand):
    help = "Fill a throwaway survey with many responses and time its results page and export."

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=3000)
        parser.add_argument("--questions", type=int, default=40)
        parser.add_argument("--libraries", type=int, default=10)

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                self._run(options["responses"], options["questions"], options["libraries"])
                raise Rollback
        except Rollback:
            self.stdout.write("Everything the benchmark created was rolled back.")

    def _line(self, label: str, seconds: float, queries: int | None = None, extra: str = ""):
        text = f"{label:<34} {seconds * 1000:10.1f} ms"
        if queries is not None:
            text += f" {queries:6d} queries"
        self.stdout.write(text + (f"  {extra}" if extra else ""))

    def _run(self, responses: int, questions: int, library_count: int) -> None:
        self.stdout.write(
            f"Database: {connection.vendor}; {responses} responses to {questions} questions."
        )
        started = time.perf_counter()
        counties = [
            County.objects.get_or_create(number=number, defaults={"name": f"Benchmark {number}"})[0]
            for number in ("97", "98", "99")
        ]
        programme = Programme.objects.create(
            name="Benchmark programme",
            start_date="2011-03-01",
            end_date="2012-12-31",
            lead_county=counties[0],
        )
        programme.counties.set(counties)
        areas = [
            CompetenceArea.objects.create(programme=programme, code=f"area-{i}", name=f"Area {i}")
            for i in range(5)
        ]
        libraries = [
            Library.objects.create(
                name=f"Benchmark library {i}", county=counties[i % len(counties)]
            )
            for i in range(max(1, library_count))
        ]
        leader = User.objects.create_user(email="benchmark-leader@example.invalid")
        RoleAssignment.objects.create(
            user=leader, role=RoleAssignment.Role.PROJECT_LEADER, programme=programme
        )
        survey = wide_survey(programme=programme, areas=areas, questions=questions)
        per_library, rest = divmod(responses, len(libraries))
        answers = 0
        for index, library in enumerate(libraries):
            count = per_library + (1 if index < rest else 0)
            if count:
                answers += add_responses(survey, count=count, library=library, seed=index)
        self._line("create data", time.perf_counter() - started, extra=f"{answers} answers")
        stored = Answer.objects.filter(response__survey=survey).count()
        if stored != answers:
            raise CommandError(f"{stored} answers stored, {answers} expected")

        factory = RequestFactory()
        for attempt in ("results page (first)", "results page (again)"):
            request = factory.get(f"/undersokelser/{survey.pk}/resultater/")
            request.user = User.objects.get(pk=leader.pk)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = results_views.results(request, pk=survey.pk)
                elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise CommandError(f"The results page answered {response.status_code}")
            self._line(attempt, elapsed, len(queries), f"{len(response.content)} bytes")

        for name in ("responses-wide.csv", "responses-long.csv", "results.csv"):
            request = factory.get(f"/undersokelser/{survey.pk}/resultater/eksport/{name}")
            request.user = User.objects.get(pk=leader.pk)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = results_views.results_export(request, pk=survey.pk, name=name)
                size = sum(len(chunk) for chunk in response.streaming_content)
                elapsed = time.perf_counter() - started
            self._line(f"export {name}", elapsed, len(queries), f"{size} bytes")
