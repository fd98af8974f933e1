"""Settings of the Celery workers that fault tests run as real processes (tests/faults.py).

The test gives the database (DATABASE_URL) and its own Redis (REDIS_URL) in the environment."""

import os

os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"

from portal.settings.test import *  # noqa: E402,F403

EMAIL_BACKEND = "tests.faults.FileMailbox"
# Beat's relay runs every half second and retries come after a second, so that a test of a
# killed worker takes seconds; a message the killed worker held comes back after two seconds.
CELERY_BEAT_SCHEDULE = {"outbox-relay": {"task": "portal.tasks.outbox_relay", "schedule": 0.5}}
PORTAL_OUTBOX_RETRY_SECONDS = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {  # noqa: F405
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 2,
}
