"""Two web servers behind one address: nothing a request needs lives on one server.

Two gunicorn processes with the production settings, on different ports, share the test database
and Redis. Uploaded files go to an S3-compatible object store (moto's server on loopback), never to
a server's disk.
"""

from __future__ import annotations

import secrets
import socket
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse
from moto.server import ThreadedMotoServer

from courses.learning.models import Lesson, Module
from courses.tests.factories import CourseFactory
from portal.loadtest.servers import gunicorn_servers
from portal.tests.factories import TEST_PASSWORD

BUCKET = "kompetanse-media"
PDF = b"%PDF-1.4\n% a tiny learning material\n%%EOF\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def object_store():
    """An S3-compatible object store on loopback with an empty bucket."""
    import boto3

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="eu-north-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - moto accepts any
    ).create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    yield endpoint
    # Moto keeps its buckets in the process, not in the server: empty them for the next test.
    requests.post(f"{endpoint}/moto-api/reset", timeout=10).raise_for_status()
    server.stop()


def server_env(object_store: str, media: Path) -> dict[str, str]:
    db = connection.settings_dict
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "two-servers-" + "x" * 50,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_HTTPS": "false",
        "PORTAL_BENCHMARK_VIEWS": "true",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": "redis://127.0.0.1:6379/1",
        "MEDIA_ROOT": str(media),
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": object_store,
        "AWS_S3_REGION_NAME": "eu-north-1",
        "AWS_S3_ACCESS_KEY_ID": "test",
        "AWS_S3_SECRET_ACCESS_KEY": "test",
    }


def browser() -> requests.Session:
    """A client with a CSRF cookie of its own making (32 characters, as Django's secret)."""
    session = requests.Session()
    session.cookies.set(settings.CSRF_COOKIE_NAME, secrets.token_hex(16), domain="127.0.0.1")
    return session


def csrf(client: requests.Session) -> str:
    """The CSRF token to post: the cookie's secret (the server renews it at sign-in)."""
    return client.cookies[settings.CSRF_COOKIE_NAME]


@pytest.mark.django_db(transaction=True)
def test_signed_in_and_files_on_every_server(world, object_store, tmp_path):
    coordinator = world.coordinator_a
    # The servers check passwords with the production hashers, not the tests' fast one.
    hasher = PBKDF2PasswordHasher()
    coordinator.password = hasher.encode(TEST_PASSWORD, hasher.salt())
    coordinator.save(update_fields=["password"])
    module = Module.objects.create(
        course=CourseFactory(programme=world.programme, county=world.county_a), title="Modul 1"
    )
    env = server_env(object_store, tmp_path / "media")
    with gunicorn_servers([free_port(), free_port()], env=env, workers=1) as (a, b):
        client = browser()
        signed_in = client.post(
            f"{a}{reverse('account_login')}",
            {
                "login": coordinator.email,
                "password": TEST_PASSWORD,
                "csrfmiddlewaretoken": csrf(client),
            },
            allow_redirects=False,
        )
        assert signed_in.status_code == 302
        # Signed in on A, so signed in on B.
        assert client.get(f"{b}/benchmark/ok/", allow_redirects=False).text == "ok"

        # A file uploaded through A downloads through B.
        uploaded = client.post(
            f"{a}{reverse('learning:lesson_create', args=[module.pk])}",
            data={"title": "Planarbeid", "kind": "file", "csrfmiddlewaretoken": csrf(client)},
            files={"file": ("plan.pdf", PDF, "application/pdf")},
            allow_redirects=False,
        )
        assert uploaded.status_code == 302, uploaded.text[:500]
        lesson = Lesson.objects.get(module=module)
        downloaded = client.get(f"{b}{reverse('learning:lesson_file', args=[lesson.pk])}")
        assert downloaded.status_code == 200
        assert downloaded.content == PDF
        # In the object store, not on a server's disk.
        assert not [path for path in tmp_path.rglob("*.pdf")]

        # Signed out on B, so signed out on A (no server keeps a stale copy of the session).
        client.post(
            f"{b}{reverse('account_logout')}",
            {"csrfmiddlewaretoken": csrf(client)},
            allow_redirects=False,
        )
        assert client.get(f"{a}/benchmark/ok/", allow_redirects=False).status_code == 302
