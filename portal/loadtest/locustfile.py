"""The load test's simulated people (locust). Run by `manage.py loadtest`, which prepares the plan
(LOADTEST_PLAN, a JSON file: sessions, pages, respondents, registrants) and reads the timings this
file writes (LOADTEST_TIMINGS) to print its figures.

This module does not import Django: locust runs it in its own process (gevent).

- staff read the home page, survey list, course list and library list;
- respondents answer the open survey (start, the page, submit, the thank-you page), each a
  different person;
- registrants register for a gathering whose registration has just opened;
- coordinators read participant lists of their county, the survey list and results;
- the project leader reads the programme dashboard and results;
- coordinators and the project leader call the API's heaviest reads with a token (survey
  results, the dashboard's key figures);
- everyone's requests are interleaved with the trivial view (`/benchmark/ok/`) of the same server.

A new page to read needs no change here: an app registers it with `portal.region.register_pages`.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from collections import defaultdict

from locust import HttpUser, between, events, task

from portal.loadtest.forms import form_of

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())  # noqa: SIM115
TIMINGS_PATH = os.environ.get("LOADTEST_TIMINGS")
WARMUP = float(os.environ.get("LOADTEST_WARMUP", "5"))
TRIVIAL = "/benchmark/ok/"
# The thank-you page's heading in Bokmål, Nynorsk or English.
THANKS = re.compile("Takk for svar|Thank you for your answers")

respondents = iter(PLAN["respondents"])
registrants = iter(PLAN["registrants"])
staff_sessions = itertools.cycle(PLAN["staff"])
timings: dict[str, list[float]] = defaultdict(list)
# Each page's slowest request: its time, when it came (seconds into the run) and its address,
# so that a p99 can be traced to the request behind it (a scope's first computation...).
slowest: dict[str, tuple[float, float, str]] = {}
statuses: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
started = time.monotonic()


@events.request.add_listener
def _record(request_type, name, response_time, response_length, response=None, **kwargs):
    """Every request's exact time in ms (locust's own percentiles are rounded), after warm-up."""
    if time.monotonic() - started < WARMUP:
        return
    timings[name].append(response_time)
    if name not in slowest or response_time > slowest[name][0]:
        slowest[name] = (response_time, time.monotonic() - started, kwargs.get("url") or "")
    status = getattr(response, "status_code", None) or "error"
    if kwargs.get("exception"):  # a failed check (not registered, not submitted) or no answer
        status = f"failed {status}"
    statuses[name][str(status)] += 1


@events.quitting.add_listener
def _write(environment, **kwargs):
    if TIMINGS_PATH:
        with open(TIMINGS_PATH, "w", encoding="utf-8") as handle:
            json.dump({"timings": timings, "statuses": statuses, "slowest": slowest}, handle)


class Person(HttpUser):
    abstract = True
    wait_time = between(0.5, 2.0)
    role = "staff"

    def sign_in(self, session_key: str) -> None:
        self.client.cookies.clear()
        self.client.cookies.set("sessionid", session_key)

    def read(self, role: str, county_id: str | None = None) -> None:
        """One page this role reads, the page names equally often (times their weight)."""
        by_name = defaultdict(list)
        for visit in PLAN["pages"]:
            if visit["role"] == role and (
                visit["county_id"] is None or str(visit["county_id"]) == county_id
            ):
                by_name[visit["name"]].append(visit)
        name = random.choices(
            list(by_name), weights=[max(v["weight"] for v in by_name[n]) for n in by_name]
        )[0]
        visit = random.choice(by_name[name])
        self.client.get(visit["url"], name=name, headers=visit.get("headers"))

    @task(1)
    def trivial(self):
        self.client.get(TRIVIAL, name="trivial view")


class Staff(Person):
    weight = 6

    def on_start(self):
        self.sign_in(next(staff_sessions))

    @task(3)
    def browse(self):
        self.read("staff")


class Respondent(Person):
    """Each iteration is another person answering the open survey (all 40 questions)."""

    weight = 3

    def on_start(self):
        self.sign_in(next(staff_sessions))

    @task(3)
    def answer(self):
        person = next(respondents, None)
        if person is None:
            return self.read("staff")
        self.sign_in(person["session"])
        url, rng = person["url"], random.Random(person["session"])
        start = self.client.get(url, name="survey: start page")
        data = {**form_of(start.text, rng), "action": "start"}
        with self.client.post(
            url, data, name="survey: start", allow_redirects=False, catch_response=True
        ) as started:
            if started.status_code != 302:
                started.failure(f"not started ({started.status_code})")
        page = self.client.get(url, name="survey: question page")
        data = form_of(page.text, rng)
        data["action"] = "submit"
        with self.client.post(
            url, data, name="survey: submit", allow_redirects=False, catch_response=True
        ) as submitted:
            # Submitted: a redirect to the thank-you page, not the question page with errors.
            if submitted.status_code != 302:
                submitted.failure(f"not submitted ({submitted.status_code})")
        with self.client.get(url, name="survey: thank-you page", catch_response=True) as thanks:
            if thanks.status_code != 200 or not THANKS.search(thanks.text):
                thanks.failure(f"no thank-you page ({thanks.status_code})")


class Registrant(Person):
    """Each iteration is another person registering for a gathering that has just opened."""

    weight = 3

    def on_start(self):
        self.sign_in(next(staff_sessions))

    @task(3)
    def register(self):
        person = next(registrants, None)
        if person is None:
            return self.read("staff")
        self.sign_in(person["session"])
        form = self.client.get(person["url"], name="registration: form")
        with self.client.post(
            person["url"],
            form_of(form.text, random.Random()),
            name="registration: submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"not registered ({response.status_code})")


class Coordinator(Person):
    weight = 2

    def on_start(self):
        self.county_id, session = random.choice(list(PLAN["coordinators"].items()))
        self.sign_in(session)

    @task(3)
    def browse(self):
        self.read("coordinator", self.county_id)


class ProjectLeader(Person):
    weight = 1

    def on_start(self):
        self.sign_in(PLAN["leader"])

    @task(2)
    def browse(self):
        self.read("leader")
