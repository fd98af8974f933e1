"""A real OpenID Connect provider on loopback for the SSO tests (tests/oidc_provider.mjs).

`oidc_provider` starts it once per test session (node + panva's oidc-provider from npm, installed
by `make setup`); `sso_settings` points the portal at it for one test, beside a second provider
whose address answers nothing (to prove what happens when a provider is down).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings

SCRIPT = Path(settings.BASE_DIR) / "tests" / "oidc_provider.mjs"
CLIENT_ID, CLIENT_SECRET = "kompetanseportalen", "test-secret-not-real"
# Login names in the provider's form → the claims it vouches for.
ACCOUNTS = {
    "nina": {"email": "nina.ny@example.no", "email_verified": True, "name": "Nina Ny"},
    "anne": {"email": "ansatt.a@example.no", "email_verified": True, "name": "Anne A."},
    "ukjent": {"email": "ukjent@example.no", "email_verified": True, "name": "Ukjent Person"},
    "ubekreftet": {"email": "ansatt.b@example.no", "email_verified": False, "name": "Arne?"},
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class OidcProvider:
    issuer: str
    down_issuer: str  # nothing listens here


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the SSO tests (it runs the OpenID provider); see README")
    port = free_port()
    redirect_uri = f"{live_server.url}/accounts/oidc/testid/login/callback/"
    env = {
        **os.environ,
        "OIDC_CLIENT": json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": [redirect_uri],
            }
        ),
        "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
    }
    process = subprocess.Popen(  # noqa: S603 - our own script, fixed arguments
        [node, str(SCRIPT), str(port)],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1):  # noqa: S310
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                output = process.stdout.read().decode() if process.stdout else ""
                pytest.fail(f"the OpenID provider did not start:\n{output}")
            time.sleep(0.1)
    try:
        yield OidcProvider(issuer=issuer, down_issuer=f"http://127.0.0.1:{free_port()}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def provider_settings(provider: OidcProvider) -> dict:
    def app(provider_id, name, issuer):
        return {
            "provider_id": provider_id,
            "name": name,
            "client_id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "settings": {"server_url": issuer, "mfa_acr_values": []},
        }

    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                app("testid", "Test-ID", provider.issuer),
                app("nedeid", "Nede-ID", provider.down_issuer),
            ],
        }
    }


@pytest.fixture
def sso_settings(settings, oidc_provider):
    settings.SOCIALACCOUNT_PROVIDERS = provider_settings(oidc_provider)
    settings.SOCIALACCOUNT_REQUESTS_TIMEOUT = 2
    return oidc_provider
