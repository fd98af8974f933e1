"""Tests run against the real PostgreSQL and Redis on this machine (see README)."""

import os

os.environ.setdefault("SECRET_KEY", "test-key-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kompetanseportalen")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("PORTAL_ALLOW_DEMO", "true")

from .base import *  # noqa: E402,F403

# One test database per run, so parallel runs on one machine never share (or drop) each other's.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.environ.get("TEST_DATABASE_NAME", f"test_kompetanseportalen_{os.getpid()}")
}
# Django's PostgreSQL backend, emptying the database after a committing test with DELETE rather
# than TRUNCATE (see portal/tests/postgresql/base.py).
DATABASES["default"]["ENGINE"] = "portal.tests.postgresql"  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
# Rate limits are tested on their own; they must not trip across unrelated tests.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405

# Static files are served from the finders (node_modules and static/) without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None

# Tests read the dashboard and the results as they are after each write; the figures shown as
# they were (for a while after a write) are tested on their own (portal/tests/
# test_dashboard_cache.py, surveys/results/tests/test_figures_cache.py).
PORTAL_FIGURES_FRESHNESS_SECONDS = 0
# The same for the exchange's gaps (tested in hospitering/tests/test_matching.py).
HOSPITERING_GAPS_FRESHNESS_SECONDS = 0
