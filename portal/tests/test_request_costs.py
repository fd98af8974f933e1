"""What every request costs: no session write and no session query on an ordinary page view."""

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = [
    ("home", []),
    ("library_list", []),
    ("surveys:survey_list", []),
    ("courses:course_list", []),
    ("courses:registration_list", []),
]


@pytest.mark.parametrize("person", ["staff_a", "coordinator_a", "project_leader"])
def test_reading_pages_never_writes_the_session(
    world, client_for, person, django_assert_max_num_queries
):
    client = client_for(getattr(world, person))
    for name, args in PAGES * 2:
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200
        # The session middleware sets the cookie exactly when it saved the session.
        assert settings.SESSION_COOKIE_NAME not in response.cookies, name


def test_the_session_is_read_from_the_cache(world, client_for, django_assert_num_queries):
    """cached_db: signed in, a page reads the session from the cache, not the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(world.staff_a)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("home"))
    assert not [q for q in queries if "django_session" in q["sql"]]
