"""Production settings: secrets have no default, cookies are secure, HSTS is on."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings.production",
    "ALLOWED_HOSTS": "kompetanse.example.no",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/kompetanseportalen",
}


def run_with(env: dict, code: str) -> subprocess.CompletedProcess:
    set_by_test_settings = {
        "SECRET_KEY",
        "DJANGO_SETTINGS_MODULE",
        "DATABASE_URL",
        "REDIS_URL",
        "CELERY_TASK_ALWAYS_EAGER",
        "PORTAL_ALLOW_DEMO",
    }
    clean = {k: v for k, v in os.environ.items() if k not in set_by_test_settings}
    return subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_with(PRODUCTION_ENV, "pass")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_cookies_and_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_SAMESITE, s.SECURE_HSTS_SECONDS > 0, s.DEBUG, s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = run_with({**PRODUCTION_ENV, "SECRET_KEY": "x" * 60}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "Lax", "True", "False", "False"]


def test_quick_start_defaults_need_nothing_installed():
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings.local"}
    code = (
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND)"
    )
    result = run_with(env, code)
    assert result.returncode == 0, result.stderr
    engine, eager, backend = result.stdout.split()
    assert engine.endswith("sqlite3") and eager == "True" and "console" in backend


def test_production_keeps_connections_sessions_and_cache_off_the_request_path():
    code = (
        "from django.conf import settings as s; db = s.DATABASES['default']; "
        "print(db['CONN_MAX_AGE'] > 0, db['CONN_HEALTH_CHECKS'], s.SESSION_ENGINE, "
        "s.CACHES['default']['BACKEND'], s.STORAGES['default']['BACKEND'], "
        "s.PORTAL_BENCHMARK_VIEWS)"
    )
    result = run_with({**PRODUCTION_ENV, "SECRET_KEY": "x" * 60}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "True",
        "django.contrib.sessions.backends.cached_db",
        "portal.cache.ResilientRedisCache",
        "django.core.files.storage.FileSystemStorage",
        "False",
    ]


def test_a_statement_a_connection_runs_again_is_planned_once(db):
    """The tests run on the production's database options: values bound on the server, a
    statement prepared the second time a connection runs it (its plan kept, not made anew), and
    the planner's cost of reading out of order as for data in memory."""
    from django.db import connection

    from portal.models import County

    for number in ("03", "15", "34"):  # one statement, whatever the value
        County.objects.filter(number=number).exists()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "portal_county" WHERE "portal_county"."number" = $2%'],
        )
        assert cursor.fetchone()[0] == 1
    assert connection.connection.prepared_max == 250
    with connection.cursor() as cursor:  # and the planner's cost of reading out of order
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_prepared_statements_and_the_planners_cost_can_be_switched_off_for_a_pooler():
    """By default statements are prepared and every connection opens with random_page_cost 1.1
    (data in memory or on SSD); behind a pooler that shares connections or passes no connection
    options, both are switched off and nothing is sent."""
    code = (
        "from django.conf import settings as s; o = s.DATABASES['default'].get('OPTIONS', {}); "
        "print(o.get('server_side_binding'), o.get('prepare_threshold'), repr(o.get('options')))"
    )
    env = {**PRODUCTION_ENV, "SECRET_KEY": "x" * 60}
    assert run_with(env, code).stdout.strip().split(maxsplit=2) == [
        "True",
        "2",
        "'-c random_page_cost=1.1'",
    ]
    off = run_with(
        {**env, "DATABASE_PREPARED_STATEMENTS": "false", "DATABASE_RANDOM_PAGE_COST": ""}, code
    )
    assert off.returncode == 0, off.stderr
    assert off.stdout.split() == ["None", "None", "None"]


def test_uploaded_files_go_to_an_object_store_when_a_bucket_is_configured():
    env = {
        **PRODUCTION_ENV,
        "SECRET_KEY": "x" * 60,
        "AWS_STORAGE_BUCKET_NAME": "kompetanse-media",
        "AWS_S3_ENDPOINT_URL": "https://s3.example.no",
        "AWS_S3_ACCESS_KEY_ID": "key",
        "AWS_S3_SECRET_ACCESS_KEY": "secret",
    }
    code = (
        "from django.core.files.storage import storages; d = storages['default']; "
        "print(type(d).__name__, d.bucket_name, d.endpoint_url, d.default_acl, d.file_overwrite)"
    )
    result = run_with(env, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "S3Storage",
        "kompetanse-media",
        "https://s3.example.no",
        "private",
        "False",
    ]


def test_the_benchmark_view_exists_only_where_switched_on(client, settings, db):
    from django.core.checks import run_checks

    assert client.get("/benchmark/ok/").status_code == 404
    settings.PORTAL_BENCHMARK_VIEWS = True
    assert [m.id for m in run_checks(include_deployment_checks=True) if m.id == "portal.W001"]
