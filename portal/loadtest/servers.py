"""Start gunicorn processes for a benchmark or test, and stop them again.

Each server is a separate `gunicorn portal.wsgi` process on its own loopback port, started with
the environment given (the same settings module, database and Redis for all of them), so two of
them behave like two web servers behind a load balancer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

GUNICORN = Path(sys.executable).with_name("gunicorn")
CELERY = Path(sys.executable).with_name("celery")


def wait_until_up(url: str, *, timeout: float = 90.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"The server for {url} stopped at start-up ({process.returncode}).")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"No answer from {url} within {timeout:.0f} s.")


@contextlib.contextmanager
def gunicorn_servers(
    ports: list[int], *, env: dict[str, str], workers: int = 2, log=None
) -> Iterator[list[str]]:
    """Run one gunicorn per port; yields their base URLs; stops them on exit."""
    processes = []
    try:
        for port in ports:
            processes.append(
                subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
                    [
                        str(GUNICORN),
                        "portal.wsgi",
                        "--config",
                        "python:portal.gunicorn",  # the production settings: workers warmed up
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        str(workers),
                        "--timeout",
                        "120",
                        "--graceful-timeout",
                        "5",
                    ],
                    cwd=settings.BASE_DIR,
                    env={**os.environ, **env},
                    stdout=log or subprocess.DEVNULL,
                    stderr=log or subprocess.DEVNULL,
                    start_new_session=True,
                )
            )
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            wait_until_up(f"{url}/healthz", process=process)
        yield urls
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def celery_queue_purge() -> None:
    """Drop the tasks a run queued that its worker had not taken yet."""
    from portal.celery import app

    if not app.conf.task_always_eager:
        app.control.purge()


@contextlib.contextmanager
def celery_worker(*, env: dict[str, str], log=None) -> Iterator[None]:
    """Run one Celery worker (one process) beside the servers, as in production: it computes the
    dashboard's panels anew in the background and sends the e-mails; stopped on exit."""
    process = subprocess.Popen(  # noqa: S603 - our own celery, fixed arguments
        [str(CELERY), "-A", "portal", "worker", "--concurrency", "1", "--loglevel", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
