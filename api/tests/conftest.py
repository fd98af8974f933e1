import pytest
from django.core.cache import cache

from api import services


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with no requests counted against its tokens."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client(client):
    """api_client(user): a test client that sends a new personal token of this person."""

    def with_token(user):
        _api_token, token = services.api_token_create(user=user, name="test")
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return with_token
