"""`manage.py loadtest_rush` (`make loadtest-rush`): the two moments a whole region arrives at once,
over HTTP against gunicorn with the production settings, PostgreSQL and Redis.

1. Registration rush: 500 staff register at the same moment for a gathering with 20 seats. Exactly
   20 get a seat, 480 wait in the order they came (positions 1–480 by time of registration), and
   no request fails.
2. Survey burst: 500 respondents answer a survey of 40 questions within seconds, 50 of them
   clicking "submit" twice at once. Every answer sent is stored once: none lost, none doubled.

Each part makes its own gathering or survey in the generated regional programme (generated first
when missing), prints what happened and fails (CommandError) when a rule is broken.
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Gathering, Registration
from portal.loadtest.forms import form_of
from portal.loadtest.servers import celery_queue_purge, celery_worker, gunicorn_servers
from portal.loadtest.sessions import signed_in_session
from portal.management.commands.loadtest import database_ensure
from portal.region import region_generate, region_people, region_programme
from surveys.models import Answer, Participation, Response, Survey
from surveys.results.disclosure import sums_token
from surveys.results.selectors import ResultFilters, ResultScope, tallied_numbers
from surveys.synthetic import wide_survey

PEOPLE = 500
SEATS = 20
DOUBLE_CLICKS = 50


def client_for(session_key: str) -> requests.Session:
    client = requests.Session()
    client.csrf = secrets.token_hex(16)  # a CSRF secret of the client's own, as a cookie
    client.cookies.set(settings.CSRF_COOKIE_NAME, client.csrf, domain="127.0.0.1")
    client.cookies.set(settings.SESSION_COOKIE_NAME, session_key, domain="127.0.0.1")
    return client


def at_once(jobs, *, threads: int) -> list:
    """Run the jobs in threads released together; their results in order."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait()
        return job()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, jobs))


class Command(BaseCommand):
    help = "500 registrations for 20 seats and 500 survey submissions at once, over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8132)
        parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")

    def handle(self, *args, **options):
        if not (settings.PORTAL_BENCHMARK_VIEWS and settings.PORTAL_ALLOW_DEMO):
            raise CommandError("Run it as `make loadtest-rush` (benchmark settings).")
        database_ensure()
        call_command("migrate", verbosity=0)
        programme = region_programme() or region_generate().programme
        call_command("collectstatic", interactive=False, verbosity=0)
        staff = random.Random(13).sample(region_people(programme)["staff"], PEOPLE)  # noqa: S311
        gathering = self._gathering(programme)
        survey = self._survey(programme, [user for user, _library in staff])
        registrants = [(signed_in_session(user), library) for user, library in staff]
        respondents = [signed_in_session(user) for user, _library in staff]
        connections.close_all()
        # With a Celery worker, as in production: it sends the e-mails and adds the burst's
        # submissions to the results' running sums while it goes on.
        with (
            celery_worker(env={"EMAIL_URL": "dummymail://"}),
            gunicorn_servers([options["port"]], env={}, workers=options["workers"]) as (url,),
        ):
            self._registration_rush(url, gathering, registrants)
            self._survey_burst(url, survey, respondents)
        celery_queue_purge()
        self.stdout.write(self.style.SUCCESS("Both rushes kept every rule."))

    # --- registration rush ---

    def _gathering(self, programme) -> Gathering:
        now = timezone.now()
        course = Course.objects.create(
            programme=programme, title="Rush: populært kurs", audience=Course.Audience.PROGRAMME
        )
        starts = now + timedelta(days=30)
        return Gathering.objects.create(
            course=course,
            title="Samling med 20 plasser",
            starts_at=starts,
            ends_at=starts + timedelta(hours=6),
            venue_name="Trondheim folkebibliotek",
            county=programme.lead_county,
            capacity=SEATS,
            registration_opens_at=now - timedelta(minutes=1),
            registration_deadline=starts - timedelta(days=1),
        )

    def _registration_rush(self, url, gathering, registrants) -> None:
        target = url + reverse("courses:registration_create", args=[gathering.pk])

        def register(session_key, library):
            def job():
                client = client_for(session_key)
                answer = client.post(
                    target,
                    {"csrfmiddlewaretoken": client.csrf, "library": library.pk},
                    allow_redirects=False,
                )
                return answer.status_code, time.monotonic()

            return job

        started = time.monotonic()
        results = at_once([register(s, lib) for s, lib in registrants], threads=PEOPLE)
        seconds = time.monotonic() - started
        statuses = Counter(status for status, _at in results)
        registrations = list(
            Registration.objects.filter(gathering=gathering).order_by("created_at", "id")
        )
        seats = [r for r in registrations if r.status == Registration.Status.CONFIRMED]
        waiting = [r for r in registrations if r.status == Registration.Status.WAITING]
        self.stdout.write(
            f"Registration rush: {PEOPLE} at once for {SEATS} seats in {seconds:.1f} s: "
            f"HTTP {dict(statuses)}; {len(seats)} confirmed, {len(waiting)} waiting."
        )
        problems = []
        if set(statuses) != {302}:
            problems.append(f"answers other than a redirect: {dict(statuses)}")
        if len(seats) != SEATS or len(waiting) != PEOPLE - SEATS:
            problems.append(f"{len(seats)} seats and {len(waiting)} waiting")
        if [r.waiting_position for r in waiting] != list(range(1, len(waiting) + 1)):
            problems.append("the waiting list is not in the order people registered")
        if any(w.created_at < s.created_at for w in waiting for s in seats[-1:]):
            problems.append("someone who came later got a seat before someone waiting")
        if problems:
            raise CommandError("Registration rush: " + "; ".join(problems))

    # --- survey burst ---

    def _survey(self, programme, users) -> Survey:
        now = timezone.now()
        survey = wide_survey(
            programme=programme,
            areas=list(programme.competence_areas.all()),
            questions=40,
            title="Rush: kartlegging",
            status=Survey.Status.OPEN,
            opens_at=now - timedelta(minutes=1),
            closes_at=now + timedelta(days=1),
        )
        Participation.objects.bulk_create(
            [
                Participation(
                    survey=survey, user=user, token_hash=f"unsent-{secrets.token_hex(16)}"
                )
                for user in users
            ]
        )
        return survey

    def _survey_burst(self, url, survey, respondents) -> None:
        target = url + reverse("surveys:answer_mine", args=[survey.pk])

        def prepare(session_key):
            """Start the response and read the question page (before the burst)."""
            client = client_for(session_key)
            client.post(target, {"csrfmiddlewaretoken": client.csrf, "action": "start"})
            page = client.get(target)
            data = form_of(page.text, random.Random(session_key))  # noqa: S311
            data.update(action="submit", csrfmiddlewaretoken=client.csrf)
            return client, data

        with ThreadPoolExecutor(max_workers=16) as pool:
            prepared = list(pool.map(prepare, respondents))
        sent = sum(len(_answer_fields(data)) for _client, data in prepared)

        def submit(client, data):
            return lambda: client.post(target, data, allow_redirects=False).status_code

        jobs = [submit(client, data) for client, data in prepared]
        jobs += [submit(client, data) for client, data in prepared[:DOUBLE_CLICKS]]
        started = time.monotonic()
        statuses = Counter(at_once(jobs, threads=len(jobs)))
        seconds = time.monotonic() - started
        submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False).count()
        stored = Answer.objects.filter(response__survey=survey).count()
        completed = Participation.objects.filter(survey=survey, completed_at__isnull=False).count()
        sums_token(survey)  # as a results reader does first: every submission counted in the sums
        counted = tallied_numbers(survey=survey, scope=ResultScope(), filters=ResultFilters())["n"]
        self.stdout.write(
            f"Survey burst: {PEOPLE} respondents ({DOUBLE_CLICKS} clicking twice) submitted "
            f"{sent} answers in {seconds:.1f} s: HTTP {dict(statuses)}; {submitted} responses "
            f"and {stored} answers stored, {completed} participations completed, {counted} "
            "responses in the results' running sums."
        )
        problems = []
        if any(status >= 500 for status in statuses):
            problems.append(f"server errors: {dict(statuses)}")
        if submitted != PEOPLE or completed != PEOPLE or counted != PEOPLE:
            problems.append(f"{submitted} responses, {completed} completed, {counted} counted")
        if stored != sent:
            problems.append(f"{stored} answers stored for {sent} sent")
        if problems:
            raise CommandError("Survey burst: " + "; ".join(problems))


def _answer_fields(data: dict) -> list[str]:
    """The fields of a posted page that become an answer (one each, as the form fills them)."""
    return [name for name in data if name.startswith("q") and not name.endswith("_other")]
