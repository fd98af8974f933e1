"""Sign-up is by invitation only: one at a time, or from a CSV staff list (all-or-nothing)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLogEntry, Invitation, RoleAssignment, User

pytestmark = pytest.mark.django_db
PASSWORD = "en-lang-og-trygg-frase-2011"


def invite(client, library, **data):
    return client.post(
        reverse("invitation_create", args=[library.pk]),
        {"role": "staff", **data},
    )


def link_from(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitasjon/[^\s]+/)", message.body).group(1)


def test_library_leader_invites_and_the_person_signs_up(
    world, client_for, client, django_capture_on_commit_callbacks
):
    leader = client_for(world.library_leader_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            leader, world.library_a, email="Ny.Kollega@Example.no", full_name="Nina Ny"
        )
    assert response.status_code == 302
    assert AuditLogEntry.objects.filter(action="portal.invitation.created").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ny.kollega@example.no"]
    link = link_from(mail.outbox[0])
    leader.logout()

    welcome = client.get(link)
    assert welcome.status_code == 200
    assert "Trondheim folkebibliotek" in welcome.content.decode()
    signup = client.post(
        reverse("account_signup"),
        {
            "email": "ny.kollega@example.no",
            "full_name": "Nina Ny",
            "preferred_language": "nn",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert signup.status_code == 302, signup.content.decode()[:2000]
    person = User.objects.get(email="ny.kollega@example.no")
    assert person.full_name == "Nina Ny" and person.preferred_language == "nn"
    assert RoleAssignment.objects.filter(
        user=person, role="staff", library=world.library_a
    ).exists()
    assert EmailAddress.objects.get(user=person).verified  # the link proved the address
    assert Invitation.objects.get().accepted_by == person
    # Signed in, and the link cannot be used twice.
    assert client.get(reverse("home")).context["user"] == person
    client.logout()
    assert client.get(link).status_code == 404


def test_signup_is_closed_without_an_invitation(client):
    response = client.get(reverse("account_signup"))
    assert "account/signup_closed.html" in [t.name for t in response.templates]
    client.post(
        reverse("account_signup"),
        {"email": "x@example.no", "full_name": "X", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert not User.objects.filter(email="x@example.no").exists()


def test_signup_must_use_the_invited_address(world, client, django_capture_on_commit_callbacks):
    from portal import services

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            invited_by=world.coordinator_a,
            library=world.library_a,
            email="a@example.no",
            role="staff",
        )
    client.get(link_from(mail.outbox[0]))
    response = client.post(
        reverse("account_signup"),
        {
            "email": "someone.else@example.no",
            "full_name": "Y",
            "preferred_language": "nb",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "a@example.no" in response.content.decode()
    assert not User.objects.filter(email="someone.else@example.no").exists()


def test_short_or_common_passwords_are_refused(world, client, django_capture_on_commit_callbacks):
    from portal import services

    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_create(
            invited_by=world.coordinator_a,
            library=world.library_a,
            email="b@example.no",
            role="staff",
        )
    client.get(link_from(mail.outbox[0]))
    for password in ("kort-pass", "password1234"):
        response = client.post(
            reverse("account_signup"),
            {
                "email": "b@example.no",
                "full_name": "B",
                "preferred_language": "nb",
                "password1": password,
                "password2": password,
            },
        )
        assert response.status_code == 200
        assert response.context["form"].errors["password1"]
    assert not User.objects.filter(email="b@example.no").exists()


def test_expired_invitation_is_refused(world, client, django_capture_on_commit_callbacks):
    from portal import services

    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            invited_by=world.coordinator_a,
            library=world.library_a,
            email="c@example.no",
            role="staff",
        )
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    response = client.get(link_from(mail.outbox[0]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_inviting_an_existing_account_gives_the_role_at_once_and_tells_them(
    world, client_for, django_capture_on_commit_callbacks
):
    world.staff_b.preferred_language = "nn"
    world.staff_b.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            client_for(world.coordinator_a), world.library_a, email=world.staff_b.email.upper()
        )
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    assert RoleAssignment.objects.filter(
        user=world.staff_b, library=world.library_a, role="staff"
    ).exists()
    assert AuditLogEntry.objects.filter(action="portal.role.granted").exists()
    (message,) = mail.outbox
    assert message.to == [world.staff_b.email]
    assert "Trondheim folkebibliotek" in message.subject
    assert "Du har fått ei ny rolle" in message.subject  # in the recipient's Nynorsk


def test_a_person_with_a_role_here_already_is_refused(world, client_for):
    response = invite(client_for(world.coordinator_a), world.library_a, email=world.staff_a.email)
    assert response.status_code == 400
    assert "already has a role" in response.content.decode()
    assert world.staff_a.email in response.content.decode()  # the input is kept


def test_inviting_twice_is_refused(world, client_for):
    client = client_for(world.coordinator_a)
    assert invite(client, world.library_a, email="d@example.no").status_code == 302
    response = invite(client, world.library_a, email="D@example.no")
    assert response.status_code == 400
    assert "already been invited" in response.content.decode()
    assert Invitation.objects.count() == 1


def test_invalid_email_keeps_the_input(world, client_for):
    response = invite(
        client_for(world.coordinator_a), world.library_a, email="not-an-address", full_name="Kari"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="not-an-address"' in page and 'value="Kari"' in page
    assert not Invitation.objects.exists()


def upload(client, library, content: bytes, name="ansatte.csv"):
    return client.post(
        reverse("staff_list_import", args=[library.pk]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_csv_staff_list_invites_everyone(world, client_for, django_capture_on_commit_callbacks):
    content = (
        "e-post;navn;rolle\n"
        "en@example.no;En Ansatt;ansatt\n"
        "to@example.no;To Leder;leder\n"
        "\n"
        "tre@example.no;Tre Ansatt;\n"
    ).encode("cp1252")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client_for(world.library_leader_a), world.library_a, content)
    assert response.status_code == 302
    invitations = {i.email: i for i in Invitation.objects.all()}
    assert set(invitations) == {"en@example.no", "to@example.no", "tre@example.no"}
    assert invitations["to@example.no"].role == "library_leader"
    assert len(mail.outbox) == 3


def test_csv_with_errors_invites_nobody_and_lists_each_row(world, client_for):
    content = (
        "email,name,role\n"
        "ok@example.no,Ok,staff\n"
        "ikke-en-adresse,Feil,staff\n"
        f"{world.staff_b.email},Finnes,staff\n"
        "ok@example.no,Dobbel,staff\n"
        "x@example.no,Rar rolle,sjefen\n"
    ).encode()
    response = upload(client_for(world.coordinator_a), world.library_a, content)
    assert response.status_code == 400
    errors = response.context["staff_list_errors"]
    # Line 4 (a person with an account) is fine: they get the role directly.
    assert {e.line for e in errors} == {3, 5, 6}
    page = response.content.decode()
    assert "Nobody was invited" in page and "Line 3" in page
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    "content",
    [b"", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", b"navn\nKari\n", b"e-post\n"],
)
def test_bad_csv_files_give_a_clear_message(world, client_for, content):
    response = upload(client_for(world.coordinator_a), world.library_a, content)
    assert response.status_code == 400
    assert not Invitation.objects.exists()
    assert response.context["staff_list_errors"] or response.context["staff_list_form"].errors


def test_staff_list_upload_requires_manage_staff(world, client_for):
    response = upload(client_for(world.staff_a), world.library_a, b"e-post\nen@example.no\n")
    assert response.status_code == 403
    assert not Invitation.objects.exists()
