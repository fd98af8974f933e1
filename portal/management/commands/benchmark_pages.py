"""`manage.py benchmark_pages`: the everyday pages of the generated region, timed in-process
beside the trivial view (see portal/benchmark.py).

The people are the load test's: a staff member, their county's coordinator and the project
leader; the model library pages are the load test's too (modelbibliotek.region): the overview
as the leader and the coordinator read it, and a model library of the coordinator's county.
The registration's POST runs in a transaction that is rolled back, so every round
registers the same person anew (the commit itself is not timed). `--profile NAME` prints
cProfile's busiest functions for one page, `--sql` each page's queries. `--survey-week` renews
the state of the programme's survey sums before every request, as a submission does (what the
load test's respondents do between two readers).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.db.models import Count, F, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from courses.models import Gathering, Registration
from modelbibliotek.region import model_library_pages
from portal.benchmark import (
    TRIVIAL,
    Request,
    benchmark_client,
    benchmark_programme,
    page_profile,
    pages_time,
    trivial_request,
)
from portal.region import region_people
from surveys.models import ResultTallyVersion, Survey


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
        parser.add_argument(
            "--survey-week",
            action="store_true",
            help="a new state of the survey sums before each request (as a submission makes)",
        )

    def handle(self, *args, **options):
        programme = benchmark_programme()
        self._registering = ThreadPoolExecutor(max_workers=1)  # see _rolled_back
        try:
            self._measure(programme, options)
        finally:
            self._registering.submit(connections.close_all).result()  # its own connection
            self._registering.shutdown()

    def _measure(self, programme, options):
        pages = self._pages(programme)
        only = {name.strip() for name in options["only"].split(",") if name.strip()}
        if only:
            pages = {k: v for k, v in pages.items() if k in only or k == TRIVIAL}
        if options["profile"]:
            profile = page_profile(
                pages[options["profile"]], repeat=options["repeat"], sort=options["sort"]
            )
            self.stdout.write(profile)
            return
        before_each = None
        if options["survey_week"]:
            survey_ids = list(
                Survey.objects.filter(programme=programme).values_list("pk", flat=True)
            )

            def before_each():
                for survey_id in survey_ids:
                    ResultTallyVersion.renew(survey_id=survey_id)

        timings = pages_time(pages, repeat=options["repeat"], before_each=before_each)
        if options["sql"]:
            for name, queries in timings.sql.items():
                self.stdout.write(f"--- {name}: {len(queries)} queries")
                for query in queries:
                    self.stdout.write(f"  {query['time']}s {query['sql'][:300]}")
        state = "a new state of the survey sums before each request" if before_each else ""
        self.stdout.write("\n".join(timings.report(repeat=options["repeat"], state=state)))

    def _pages(self, programme) -> dict[str, Request]:
        people = region_people(programme)
        now = timezone.now()
        opening = (
            Gathering.objects.filter(
                course__programme=programme,
                registration_opens_at__lte=now,
                registration_deadline__gt=now,
                capacity__gte=200,
            )
            .select_related("course")
            .order_by(
                F("course__county").asc(nulls_first=True), "pk"
            )  # the whole programme's first
            .first()
        )
        if opening is None:
            raise CommandError("No gathering open for registration: generate the region anew.")
        registered = set(
            Registration.objects.filter(gathering=opening).values_list("user_id", flat=True)
        )
        staff, library = next(
            (user, library)
            for user, library in people["staff"]
            if user.pk not in registered and opening.course.county_id in (None, library.county_id)
        )
        coordinator = people["coordinators"][library.county_id]
        listed = (
            Gathering.objects.filter(course__programme=programme, course__county=library.county_id)
            .annotate(n=Count("registrations", filter=~Q(registrations__status="cancelled")))
            .order_by("-n", "pk")
            .first()
        )
        clients = {}

        def client(user):
            if user.pk not in clients:
                clients[user.pk] = benchmark_client(user)
            return clients[user.pk]

        def get(user, url) -> Request:
            signed_in = client(user)
            return lambda: signed_in.get(url)

        register = reverse("courses:registration_create", args=[opening.pk])
        staff_client = client(staff)
        model_library_visits = model_library_pages(programme)
        overview = model_library_visits[0].url
        project = next(
            visit.url
            for visit in model_library_visits
            if visit.name == "model library" and visit.county_id == library.county_id
        )
        return {
            TRIVIAL: trivial_request(staff_client),
            "home (staff)": get(staff, reverse("home")),
            "home (coordinator)": get(coordinator, reverse("home")),
            "home (leader)": get(people["leader"], reverse("home")),
            "library list (staff)": get(staff, reverse("library_list")),
            "library list (coordinator)": get(coordinator, reverse("library_list")),
            "survey list (staff)": get(staff, reverse("surveys:survey_list")),
            "survey list (coordinator)": get(coordinator, reverse("surveys:survey_list")),
            "course list (staff)": get(staff, reverse("courses:course_list")),
            "course list (coordinator)": get(coordinator, reverse("courses:course_list")),
            "registration: form": get(staff, register),
            "registration: submit": lambda: self._rolled_back(staff_client, register),
            "participant list": get(
                coordinator, reverse("courses:participant_list", args=[listed.pk])
            ),
            "exchange offers": get(staff, reverse("hospitering:offer_list")),
            "exchange decisions": get(coordinator, reverse("hospitering:decide_list")),
            "model library overview (leader)": get(people["leader"], overview),
            "model library overview (coordinator)": get(coordinator, overview),
            "model library": get(coordinator, project),
        }

    def _rolled_back(self, client, url):
        """POST, then undo what it wrote (so that every round registers the same person).

        On a thread of its own, so with a database connection of its own: psycopg forgets every
        statement a connection has prepared when it rolls back, and on the pages' connection
        this rollback would leave every other page planned afresh in every round (in production
        nothing rolls back: a load test counted no such clearing in either worker). The
        queries it sent are added to this thread's log, so that counts and --sql show them
        (--profile, which watches this thread, sees only the wait)."""

        counted = connection.force_debug_cursor  # the queries of this request are counted

        def post():
            capture = CaptureQueriesContext(connection) if counted else nullcontext()
            try:
                with capture as sent, transaction.atomic():
                    response = client.post(url, {})
                    raise _Rollback
            except _Rollback:
                return response, sent.captured_queries if counted else []

        response, sent = self._registering.submit(post).result()
        connection.queries_log.extend(sent)
        return response
