"""`manage.py loadtest` (`make loadtest`): the regional programme under load, measured side by side
with a trivial view of the same server.

Run it with the production settings and PORTAL_BENCHMARK_VIEWS and PORTAL_ALLOW_DEMO on, against
a database of its own (`make loadtest` sets all of that). It creates that database if needed,
migrates it, generates the regional data anew (same seed, same data: every run starts equal),
folds the tables' states as production's beat does, collects the static files, starts gunicorn
and a Celery worker (e-mails not sent) on loopback, runs locust headless and prints requests per
second and p50/p95/p99 per page, each as a multiple of the trivial view's. It asserts nothing
about time; it fails only when a request failed (a 5xx, a refused registration...).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from portal.loadtest.plan import loadtest_plan
from portal.loadtest.report import figures, slowest_lines, table
from portal.loadtest.servers import celery_queue_purge, celery_worker, gunicorn_servers
from portal.region import region_generate, region_programme
from portal.table_versions import table_versions_compact

LOCUSTFILE = Path(__file__).resolve().parents[2] / "loadtest" / "locustfile.py"


def database_ensure() -> None:
    """Create the configured database when it does not exist (PostgreSQL)."""
    db = settings.DATABASES["default"]
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
        if not exists.fetchone():
            conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


class Command(BaseCommand):
    help = "Load-test the regional programme under gunicorn and print figures per page."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8130)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
        parser.add_argument("--users", type=int, default=8, help="simulated people at once")
        parser.add_argument("--seconds", type=int, default=60, help="length of the run")
        parser.add_argument("--warmup", type=int, default=10, help="seconds not counted")
        parser.add_argument("--seed", type=int, default=2011)
        parser.add_argument(
            "--keep-data", action="store_true", help="reuse the data of the last run"
        )
        parser.add_argument(
            "--exclude",
            default="",
            help="pages not to read, by name, comma-separated (e.g. 'results,dashboard')",
        )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The load test runs against PostgreSQL (DATABASE_URL).")
        if not (settings.PORTAL_BENCHMARK_VIEWS and settings.PORTAL_ALLOW_DEMO):
            raise CommandError("Set PORTAL_BENCHMARK_VIEWS and PORTAL_ALLOW_DEMO (see Makefile).")
        database_ensure()
        call_command("migrate", verbosity=0)
        programme = region_programme()
        if programme is None or not options["keep_data"]:
            self.stdout.write("Generating the regional data...")
            programme = region_generate(
                seed=options["seed"], output=lambda line: self.stdout.write(f"  {line}")
            ).programme
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("dashboards_warm", stdout=io.StringIO())  # as a deploy does (README)
        call_command("results_warm", stdout=io.StringIO())
        # Production's beat folds the rows that closed connections leave in the tables' states
        # every five minutes (portal.tasks.table_versions_compact); a run has no beat, and the
        # runs before it left theirs (1,316 rows after five: every cached figure's check read
        # them, 1.8 ms instead of 0.5). Folded here, as production's would be.
        table_versions_compact()
        plan = loadtest_plan(programme, seed=options["seed"])
        excluded = {name.strip() for name in options["exclude"].split(",") if name.strip()}
        plan["pages"] = [page for page in plan["pages"] if page["name"] not in excluded]
        connections.close_all()
        self.stdout.write(self._settings_line(options))
        with tempfile.TemporaryDirectory(prefix="loadtest-") as folder:
            plan_path, timings_path = Path(folder, "plan.json"), Path(folder, "timings.json")
            plan_path.write_text(json.dumps(plan), encoding="utf-8")
            with (
                celery_worker(env={"EMAIL_URL": "dummymail://"}),
                gunicorn_servers([options["port"]], workers=options["workers"], env={}) as urls,
            ):
                self._locust(urls[0], plan_path, timings_path, options)
            result = json.loads(timings_path.read_text(encoding="utf-8"))
        celery_queue_purge()
        seconds = options["seconds"] - options["warmup"]
        self.stdout.write(table(figures(result["timings"], seconds), result["statuses"], seconds))
        self.stdout.write(slowest_lines(result.get("slowest", {})))
        failed = {
            name: codes
            for name, codes in result["statuses"].items()
            if any(code.startswith(("error", "failed", "5")) for code in codes)
        }
        if failed:
            raise CommandError(f"Requests failed: {failed}")

    def _settings_line(self, options) -> str:
        db = settings.DATABASES["default"]
        return (
            f"gunicorn {options['workers']} workers on port {options['port']}; "
            f"{options['users']} simulated people for {options['seconds']} s "
            f"(first {options['warmup']} s not counted)"
            + (f", not reading {options['exclude']}" if options["exclude"] else "")
            + f"; CONN_MAX_AGE={db['CONN_MAX_AGE']}, "
            f"CONN_HEALTH_CHECKS={db.get('CONN_HEALTH_CHECKS', False)}, "
            f"SESSION_ENGINE={settings.SESSION_ENGINE}, "
            f"cache={settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
        )

    def _locust(self, url, plan_path, timings_path, options) -> None:
        command = [
            str(Path(sys.executable).with_name("locust")),
            "--locustfile",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            url,
            "--users",
            str(options["users"]),
            "--spawn-rate",
            str(max(1, options["users"] // 2)),
            "--run-time",
            f"{options['seconds']}s",
            "--stop-timeout",
            "10",
            "--only-summary",
            "--loglevel",
            "ERROR",
        ]
        env = {
            **os.environ,
            "LOADTEST_PLAN": str(plan_path),
            "LOADTEST_TIMINGS": str(timings_path),
            "LOADTEST_WARMUP": str(options["warmup"]),
            "PYTHONPATH": str(settings.BASE_DIR),
        }
        log_path = timings_path.with_name("locust.log")
        with open(log_path, "wb") as log:
            # locust's own exit status says "some request failed"; the figures say which.
            subprocess.run(command, env=env, stdout=log, stderr=log, check=False)  # noqa: S603
        if not timings_path.exists():
            raise CommandError("locust wrote no timings:\n" + log_path.read_text()[-3000:])
