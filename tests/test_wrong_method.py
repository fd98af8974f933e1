"""A request with the wrong method (e.g. a GET on an address that takes only a form's POST,
after pressing Enter in the address bar) answers with a page in the portal's layout that leads
back, for every such address of the portal: never a bare 405."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db


def _paths(patterns, prefix=""):
    """Every address of the portal, with sample values for its parameters."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _paths(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and not route.startswith(("admin/", "accounts/")):
            path = re.sub(r"<int:\w+>", "1", route)
            path = re.sub(r"<(str:)?\w+>", "x", path)
            if "^" not in path and "(" not in path:
                yield "/" + path


def test_every_post_only_address_answers_get_with_a_page_that_leads_back(world, client_for):
    client = client_for(world.site_admin)
    found = []
    for path in sorted(set(_paths(get_resolver().url_patterns))):
        response = client.get(path)
        if response.status_code != 405:
            continue
        found.append(path)
        html = response.content.decode()
        assert '<main id="main"' in html, path  # the portal's layout
        assert "This page cannot be opened this way" in html, path
        assert re.search(r'<a class="btn btn-primary" href="/[^"]*">Go back</a>', html), path
        assert "POST" in response["Allow"], path
    # The courses' and the arena's one-click actions are among them.
    assert "/kurs/pameldinger/1/godkjenning/" in found
    assert "/laering/moduler/1/slett/" in found
    assert len(found) >= 10


def test_back_is_where_one_came_from_or_the_nearest_page_above(world, client_for):
    client = client_for(world.staff_a)
    response = client.get("/kurs/pameldinger/1/godkjenning/")
    assert 'href="/kurs/pameldinger/"' in response.content.decode()
    response = client.get(
        "/kurs/pameldinger/1/godkjenning/", HTTP_REFERER="http://testserver/kurs/godkjenning/"
    )
    assert 'href="http://testserver/kurs/godkjenning/"' in response.content.decode()
    # A referer from another site is not followed.
    response = client.get("/kurs/pameldinger/1/godkjenning/", HTTP_REFERER="https://evil.example/")
    assert "evil.example" not in response.content.decode()
