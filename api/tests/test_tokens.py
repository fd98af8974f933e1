"""Personal API tokens: created and revoked by their owner on the profile page, shown once,
stored only as a hash, carrying the person's scope; an expired, revoked or unknown token, or one
of a deactivated person, is refused (401) and the refusal logged."""

import logging
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from api import services
from api.models import ApiToken
from portal.models import AuditLogEntry, User
from portal.tokens import token_hash

pytestmark = pytest.mark.django_db


def _get(client, token, url="/api/v1/programmes/"):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_token_is_created_on_the_profile_shown_once_and_stored_only_as_a_hash(world, client_for):
    client = client_for(world.coordinator_a)
    profile = client.get(reverse("profile")).content.decode()
    assert 'id="api-tokens"' in profile and "You have no API tokens." in profile
    response = client.post(reverse("api_token_create"), {"name": "Power BI", "expires_on": ""})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = response.context["token"]
    assert token.startswith("kp_") and token in response.content.decode()
    stored = ApiToken.objects.get(user=world.coordinator_a)
    assert stored.token_hash == token_hash(token) and token not in str(vars(stored))
    assert AuditLogEntry.objects.filter(action="api.token.created").exists()
    # Listed on the profile by name and first characters, never in full.
    profile = client.get(reverse("profile")).content.decode()
    assert "Power BI" in profile and stored.hint in profile and token not in profile
    client.logout()
    answer = _get(client, token)
    assert answer.status_code == 200
    assert [p["id"] for p in answer.json()["results"]] == [world.programme.pk]


def test_a_bad_token_form_keeps_the_input_and_says_why(world, client_for):
    client = client_for(world.staff_a)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(reverse("api_token_create"), {"name": "Skript", "expires_on": yesterday})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose today or a later day." in page and 'value="Skript"' in page
    response = client.post(reverse("api_token_create"), {"name": "", "expires_on": "31.02.2030"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_owner_revokes_a_token_and_it_stops_working_at_once(world, client_for):
    api_token, token = services.api_token_create(user=world.staff_a, name="Excel")
    client = client_for(world.staff_a)
    response = client.post(reverse("api_token_revoke", args=[api_token.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#api-tokens")
    api_token.refresh_from_db()
    assert api_token.revoked_at is not None
    client.logout()
    assert _get(client, token).status_code == 401


def test_someone_elses_token_cannot_be_revoked_or_seen(world, client_for):
    api_token, token = services.api_token_create(user=world.staff_a, name="Excel")
    client = client_for(world.library_leader_a)
    assert client.post(reverse("api_token_revoke", args=[api_token.pk])).status_code == 404
    assert "Excel" not in client.get(reverse("profile")).content.decode()
    api_token.refresh_from_db()
    assert api_token.revoked_at is None


def test_expired_unknown_malformed_and_deactivated_tokens_are_refused_and_logged(
    world, client, caplog
):
    expired, expired_token = services.api_token_create(
        user=world.staff_a, name="Gammel", expires_on=timezone.localdate()
    )
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    _active, active_token = services.api_token_create(user=world.staff_b, name="Ny")
    caplog.set_level(logging.WARNING, logger="portal.access")
    assert _get(client, expired_token).status_code == 401
    assert _get(client, "kp_nonsense").status_code == 401
    response = client.get("/api/v1/programmes/", HTTP_AUTHORIZATION="Bearer two parts")
    assert response.status_code == 401
    assert "Bearer" in response.json()["detail"]
    response = client.get("/api/v1/programmes/", HTTP_AUTHORIZATION="Bearer bl\u00e5b\u00e6r")
    assert response.status_code == 401
    User.objects.filter(pk=world.staff_b.pk).update(is_active=False)
    assert _get(client, active_token).status_code == 401
    refusals = [r.getMessage() for r in caplog.records if "status=401" in r.getMessage()]
    assert len(refusals) == 5 and all("path=/api/v1/programmes/" in r for r in refusals)


def test_a_token_expires_at_the_end_of_its_last_day(world, client):
    _api_token, token = services.api_token_create(
        user=world.staff_a, name="I dag", expires_on=timezone.localdate()
    )
    assert _get(client, token).status_code == 200


def test_answers_are_in_the_persons_language(world, client):
    api_token, token = services.api_token_create(user=world.staff_a, name="Skript")
    services.api_token_revoke(token=api_token, revoked_by=world.staff_a)
    revoked = client.get(
        "/api/v1/programmes/", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT_LANGUAGE="nn"
    )
    assert revoked.json()["detail"] == (
        "Tokenet er ikkje gyldig: det kan ha gått ut eller vorte trekt tilbake."
    )
    nobody = client.get("/api/v1/programmes/", HTTP_ACCEPT_LANGUAGE="nn")
    assert nobody.json()["detail"] == "Du har ikkje gitt noko token eller logga inn."
    # A token's owner gets their own language, whatever the client sends.
    User.objects.filter(pk=world.staff_b.pk).update(preferred_language="nn")
    _other, other_token = services.api_token_create(user=world.staff_b, name="Skript")
    answer = client.get(
        "/api/v1/libraries/?page=0&county=x",
        HTTP_AUTHORIZATION=f"Bearer {other_token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400 and answer["Content-Language"] == "nn"
    assert answer.json()["county"] == ["Oppgje eit heiltal."]


def test_use_is_recorded_at_most_once_a_minute(world, client, django_assert_num_queries):
    api_token, token = services.api_token_create(user=world.staff_a, name="Skript")
    assert _get(client, token).status_code == 200
    api_token.refresh_from_db()
    first_use = api_token.last_used_at
    assert first_use is not None
    assert _get(client, token).status_code == 200
    api_token.refresh_from_db()
    assert api_token.last_used_at == first_use


def test_tokens_go_with_the_persons_data(world):
    from portal.privacy import person_erase, personal_data_sections

    services.api_token_create(user=world.staff_a, name="Power BI")
    sections = {s.name: s.rows for s in personal_data_sections(user=world.staff_a)}
    assert sections["api-tokens"][0]["name"] == "Power BI"
    person_erase(erased_by=world.site_admin, person=world.staff_a)
    assert not ApiToken.objects.filter(user=world.staff_a).exists()
