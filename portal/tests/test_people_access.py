"""The new pages (profile, my data, the two statements, invitation actions) as every person of the
world and anonymously: the policy decides; out of scope is 404; nobody reaches another's export."""

import pytest
from django.db import transaction
from django.urls import reverse

from portal import permissions
from portal.models import Invitation, PersonalDataExport

pytestmark = pytest.mark.django_db


def _as(client, full_world, who):
    client.logout()
    person = getattr(full_world, who) if who else None
    if person:
        client.force_login(person)
    return person


def test_own_pages_and_public_pages(full_world, client):
    for who in [*full_world.people(), None]:
        _own_and_public_pages(full_world, client, who)


def _own_and_public_pages(full_world, client, who):
    person = _as(client, full_world, who)
    for url in (reverse("privacy_notice"), reverse("accessibility_statement")):
        assert client.get(url).status_code == 200
    for url in (reverse("profile"), reverse("profile_data")):
        response = client.get(url)
        assert response.status_code == (200 if person else 302), url
        if person:
            page = response.content.decode()
            others = [p for p in full_world.people().values() if p != person]
            assert not [p.email for p in others if p.email in page], url
    for export in PersonalDataExport.objects.all():
        response = client.get(reverse("profile_data_download", args=[export.pk]))
        expected = 302 if person is None else (200 if export.user == person else 404)
        assert response.status_code == expected, (who, export.user)


@pytest.mark.parametrize("action", ["invitation_withdraw", "invitation_resend"])
def test_invitation_actions_follow_the_policy(full_world, client, action):
    for who in [*full_world.people(), None]:
        with transaction.atomic():  # each person starts from the same invitations
            _invitation_actions(full_world, client, who, action)
            transaction.set_rollback(True)


def _invitation_actions(full_world, client, who, action):
    person = _as(client, full_world, who)
    for invitation in list(Invitation.objects.select_related("library")):
        before = list(Invitation.objects.values_list("pk", "token_hash", "expires_at"))
        response = client.post(reverse(action, args=[invitation.library_id, invitation.pk]))
        library = invitation.library
        if person is None or permissions.can(person, "manage_staff", library):
            expected = 302
        elif permissions.can(person, "view", library):
            expected = 403
        else:
            expected = 404
        assert response.status_code == expected, (who, library)
        if person is None or expected != 302:
            after = list(Invitation.objects.values_list("pk", "token_hash", "expires_at"))
            assert after == before, (who, library)
        elif action == "invitation_withdraw":
            assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_a_malformed_or_foreign_invitation_id_is_not_found(full_world, client):
    client.force_login(full_world.library_leader_a)
    foreign = Invitation.objects.filter(library=full_world.library_b).first()
    for args in ((full_world.library_a.pk, foreign.pk), (full_world.library_a.pk, 10**12)):
        assert client.post(reverse("invitation_resend", args=args)).status_code == 404
