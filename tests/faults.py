"""Real services that fault tests stop, kill and start again: a redis-server of the test's own on a
free port (never the machine's shared one) and Celery workers as real processes.

The workers use tests/fault_worker_settings.py: the test's own database, the test's own Redis as
broker, beat's outbox relay every half second, and e-mail written to a folder (FileMailbox), one
JSON file per e-mail, so the test can count what reached each person.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager, suppress
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection

from portal import outbox
from portal.celery import app
from portal.outage import Outage

ROOT = Path(settings.BASE_DIR)


# Generous: a Celery worker (with beat) starting on a busy 2-core machine has been seen to need
# more than 30 s; a condition that holds returns at once, so only a real failure waits this long.
def wait_for(condition, *, timeout: float = 120, interval: float = 0.1, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(interval)
    raise AssertionError(f"waited {timeout} s for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """Our own redis-server: stopped and started again on the same port, like a restart."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(  # noqa: S603 - a fixed command line
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False


@contextmanager
def celery_broker(url: str):
    """The web process sends tasks to this broker (not eagerly), as in production."""
    saved = app.conf.broker_url, app.conf.task_always_eager, outbox._broker
    app.conf.broker_url, app.conf.task_always_eager = url, False
    app._after_fork()  # forget connections to the previous broker
    # A new broker is a new dependency: an outage an earlier test left behind (Redis stopped less
    # than `retry_after` seconds ago) must not keep this test's web process from dispatching.
    outbox._broker = Outage(saved[2].name, retry_after=saved[2].retry_after)
    try:
        yield
    finally:
        app.conf.broker_url, app.conf.task_always_eager, outbox._broker = saved
        app._after_fork()


class Worker:
    """`celery worker` as its own process (with beat if asked), killed or stopped by the test."""

    def __init__(self, redis: RedisServer, mailbox: Path, *, beat: bool = False, **env) -> None:
        self.redis, self.mailbox, self.beat, self.env = redis, mailbox, beat, env
        self.process: subprocess.Popen | None = None

    def start(self) -> Worker:
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "error"]
        if self.beat:
            command += ["--beat", "--schedule", str(self.mailbox / f"beat-{uuid.uuid4().hex}")]
        database = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.fault_worker_settings",
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}",
            "REDIS_URL": self.redis.url(),
            "PORTAL_TEST_MAILBOX": str(self.mailbox),
            **self.env,
        }
        # Its own process group: killing it kills beat's process too, and nothing else.
        self.process = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, start_new_session=True
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, nothing acknowledged, the open transaction dropped."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    stop = kill  # at the end of a test nothing needs a warm shutdown


def delivered(mailbox: Path) -> Counter:
    """How many e-mails reached each address."""
    return Counter(
        address for path in mailbox.glob("*.json") for address in json.loads(path.read_text())["to"]
    )


def sent(mailbox: Path) -> list[dict]:
    return [json.loads(path.read_text()) for path in sorted(mailbox.glob("*.json"))]


class FileMailbox(BaseEmailBackend):
    """The workers' mail server: one JSON file per e-mail in PORTAL_TEST_MAILBOX.

    With PORTAL_TEST_MAILBOX_HANG_AFTER=n, the e-mail after the n-th hangs mid-send (and says so
    in a file "hanging"), so a test can kill the worker in the middle of a batch."""

    def send_messages(self, messages):
        folder = Path(os.environ["PORTAL_TEST_MAILBOX"])
        hang_after = os.environ.get("PORTAL_TEST_MAILBOX_HANG_AFTER")
        for message in messages:
            if hang_after is not None and len(list(folder.glob("*.json"))) >= int(hang_after):
                (folder / "hanging").touch()
                time.sleep(3600)
            (folder / f"{time.time_ns()}.json").write_text(
                json.dumps({"to": message.to, "subject": message.subject, "body": message.body})
            )
        return len(messages)
