"""Every endpoint of the API lists exactly what the one policy lets each person of the test world
see (`permissions.visible`, or `for_action` for an endpoint of another action), fetches each of
those objects, answers 403 for one they see but may not do that to, and 404 for every other one
(identical to a missing id): for every resource, person and object of tests/world.py. The
dashboard's key figures follow the dashboard's scope."""

import pytest

from api.urls import router
from portal import permissions
from portal.models import Programme
from tests.world import build_full_world

pytestmark = pytest.mark.django_db

MISSING_ID = 2**62


def _listed(client, url) -> list[int]:
    ids, page = [], 1
    while True:
        response = client.get(url, {"page": page, "page_size": 1000})
        assert response.status_code == 200, (url, response.content)
        body = response.json()
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return ids
        page += 1


def test_every_endpoint_lists_and_fetches_exactly_what_the_policy_lets_each_person_see(
    client, api_client
):
    world = build_full_world()
    resources = [
        (f"/api/v1/{prefix}/", viewset.model, viewset.policy_action)
        for prefix, viewset, _name in router.registry
    ]
    assert len(resources) >= 9
    checked = 0
    for name, person in world.people().items():
        client = api_client(person)
        for url, model, action in resources:
            allowed = set(
                permissions.for_action(person, model, action).values_list("pk", flat=True)
            )
            visible = set(permissions.visible(person, model).values_list("pk", flat=True))
            listed = _listed(client, url)
            assert len(listed) == len(set(listed)), (name, url, "listed twice")
            assert set(listed) == allowed, (name, url)
            for pk in model._default_manager.values_list("pk", flat=True):
                response = client.get(f"{url}{pk}/")
                expected = 200 if pk in allowed else 403 if pk in visible else 404
                assert response.status_code == expected, (name, url, pk)
                checked += 1
            missing = client.get(f"{url}{MISSING_ID}/")
            assert missing.status_code == 404
            if visible:
                # Out of scope and missing answer alike, to the byte.
                out = [pk for pk in model._default_manager.values_list("pk", flat=True)]
                out = [pk for pk in out if pk not in visible]
                if out:
                    refused = client.get(f"{url}{out[0]}/")
                    assert refused.content == missing.content
    assert checked > 500


def test_the_key_figures_follow_the_dashboards_scope(client, api_client):
    world = build_full_world()
    for name, person in world.people().items():
        client = api_client(person)
        for programme in Programme.objects.all():
            response = client.get(f"/api/v1/programmes/{programme.pk}/key-figures/")
            if permissions.can(person, "view_dashboard", programme):
                county_ids = permissions.dashboard_county_ids(person, programme)
                expected = (
                    {c.pk for c in programme.counties.all()} if county_ids is None else county_ids
                )
                assert response.status_code == 200, name
                assert {row["county"] for row in response.json()} == expected, name
            else:
                visible = permissions.visible(person, Programme).filter(pk=programme.pk).exists()
                assert response.status_code == (403 if visible else 404), name


def test_nobody_without_a_token_or_session_gets_anything(client, world):
    for prefix, _viewset, _name in router.registry:
        response = client.get(f"/api/v1/{prefix}/")
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
