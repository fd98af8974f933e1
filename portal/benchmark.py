"""In-process benchmarks of the generated region (`manage.py generate_region`): pages requested
one at a time with Django's test client beside the trivial view, as the `benchmark_*` commands
print them.

Each page is asked once to warm up (caches too) and once more with its queries counted; then in
every round each page in turn (so a busy moment of a shared machine falls on all of them), with
the wall time and this process's CPU time (the database's own time is in the wall time only;
CPU is steadier than the clock on a busy machine). The figures are medians. Nothing here asserts
anything about time.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import statistics
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from portal.models import Programme, User
from portal.region import region_programme

TRIVIAL = "trivial view"
Request = Callable[[], HttpResponse]


def benchmark_programme() -> Programme:
    """The generated region's programme, with the trivial view on and the static files collected
    (pages render their assets' hashed names); a clear error where either is missing."""
    programme = region_programme()
    if programme is None:
        raise CommandError("No generated region: run manage.py generate_region first.")
    try:
        reverse("benchmark_trivial")
    except NoReverseMatch as error:
        raise CommandError("Set PORTAL_BENCHMARK_VIEWS=true (the trivial view).") from error
    call_command("collectstatic", interactive=False, verbosity=0)
    return programme


def benchmark_client(user: User) -> Client:
    """A test client signed in as this person, on a host the benchmark settings allow."""
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return client


def trivial_request(client: Client) -> Request:
    return lambda: client.get(reverse("benchmark_trivial"))


@dataclass
class Timings:
    """Each page's wall and CPU times (seconds) and the queries of one (warm) request."""

    walls: dict[str, list[float]] = field(default_factory=dict)
    cpus: dict[str, list[float]] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    sql: dict[str, list[dict]] = field(default_factory=dict)  # the counted request's queries

    def measure(
        self, name: str, send: Request, *, timed: bool = True, counted: bool | None = None
    ) -> HttpResponse:
        """Send one request, keep its times (when timed) and count its queries (`counted`; by
        default on a request not timed). Counting writes out each statement with its values
        (Django's debug cursor, through psycopg's `mogrify`), which production never does: ~10 %
        of the survey's submission (docs/performance.md, part 31), so timed requests are not
        counted unless asked."""
        counting = not timed if counted is None else counted
        with CaptureQueriesContext(connection) if counting else nullcontext() as captured:
            began, began_cpu = time.perf_counter(), time.process_time()
            response = send()
            wall, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        if counting:
            self.queries[name] = len(captured)
            self.sql[name] = captured.captured_queries
        if timed:
            self.walls.setdefault(name, []).append(wall)
            self.cpus.setdefault(name, []).append(cpu)
        return response

    def report(self, *, repeat: int, state: str = "") -> list[str]:
        """Lines to print: each page's medians, also as multiples of the trivial view's."""
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        lines = [
            f"Median of {repeat}{f', {state}' if state else ''}; load average {load}. CPU: this"
            " process's own time (the database's is not in it)."
        ]
        base = statistics.median(self.walls[TRIVIAL])
        base_cpu = statistics.median(self.cpus[TRIVIAL])
        width = max(len(name) for name in self.walls)
        for name, walls in self.walls.items():
            wall, cpu = statistics.median(walls), statistics.median(self.cpus[name])
            lines.append(
                f"{name:<{width}} {wall * 1000:9.1f} ms {wall / base:6.1f} × trivial"
                f" {self.queries[name]:4d} queries   CPU {cpu * 1000:7.1f} ms"
                f" {cpu / base_cpu:6.1f} × trivial"
            )
        return lines


def pages_time(
    pages: dict[str, Request], *, repeat: int, before_each: Callable[[], None] | None = None
) -> Timings:
    """Time these pages (the trivial view among them) as the module says. `before_each` runs
    before every request of a page other than the trivial view (e.g. emptying the cache) in place
    of the warm-up request."""
    timings = Timings()
    for name, send in pages.items():
        if before_each and name != TRIVIAL:
            before_each()
        else:
            send()
        status = timings.measure(name, send, timed=False).status_code
        if status not in (200, 302):
            raise CommandError(f"{name} answered {status}")
    for _round in range(repeat):
        for name, send in pages.items():
            if before_each and name != TRIVIAL:
                before_each()
            timings.measure(name, send)
    return timings


def page_profile(send: Request, *, repeat: int, sort: str = "cumulative") -> str:
    """cProfile's busiest functions over `repeat` requests of one page, after one to warm up
    (the first request loads the middleware, templates and catalogues)."""
    send()
    profiler = cProfile.Profile()
    profiler.enable()
    for _round in range(repeat):
        send()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(45)
    return out.getvalue()
