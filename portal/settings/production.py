"""Production: HTTPS on, secrets from the environment with no defaults."""

import os

os.environ.setdefault("SECURE_HTTPS", "true")

from .base import *  # noqa: E402,F403

DEBUG = False
if CELERY_BROKER_URL.startswith("memory"):  # noqa: F405
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set CELERY_BROKER_URL or REDIS_URL in production.")
