"""Property-based tests against the committed OpenAPI description (schemathesis): for every
operation, requests generated from the description, valid and invalid, never get a 5xx, and every
answer matches the description (status, content type, body). They run as the project leader of
the test world. `SCHEMATHESIS_MAX_EXAMPLES=150` looks harder for rare failures (the default keeps
the run short).

In-process, not against a live server: the requests go through `portal.wsgi.application`, the
very object a server runs, with all its middleware (sessions, locale, CSP, the API's token
authentication, throttling and the refusal log), so the answers are the ones a server would send.
What a live server (pytest-django's `live_server`) would add is only the socket and the HTTP
parsing of Django's development server, which is not the server of production either; it would
cost a transactional database, flushed after each of the many operations, for no further check.
"""

import os
from pathlib import Path

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth

from api import services
from portal.wsgi import application

SCHEMA = schemathesis.openapi.from_path(Path(__file__).resolve().parent.parent / "openapi.yaml")


@pytest.fixture
def token(world):
    # Requests go through the WSGI handler itself, which would close the test's database
    # connection after each one; Django's test client holds these signals back the same way.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield services.api_token_create(user=world.project_leader, name="schemathesis")[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@SCHEMA.parametrize()
@settings(
    max_examples=int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_description(case, token, settings):
    settings.PORTAL_API_RATE = "100000/minute"  # the examples come faster than any person's
    case.call_and_validate(
        app=application,
        headers={"Authorization": f"Bearer {token}"},
        # Probing without the token would leave the application for the network; refusals
        # without a token are tested in test_tokens.py.
        excluded_checks=[ignored_auth],
    )
