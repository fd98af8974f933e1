import os

from celery import Celery, Task
from django.db import InterfaceError, OperationalError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.local")


class PortalTask(Task):
    """Every task retries when the database connection dropped (a restart, a failover).

    Retries run on a fresh connection: a connection that failed is closed before the task starts
    again (the worker closes it between tasks too; an eager retry runs in the same process)."""

    autoretry_for = (InterfaceError, OperationalError)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    max_retries = 5

    def before_start(self, task_id, args, kwargs):
        from django.db import connections

        for connection in connections.all(initialized_only=True):
            if connection.errors_occurred and not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()


app = Celery("portal", task_cls=PortalTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
