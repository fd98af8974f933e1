"""Profile page, managing invitations, the MFA rule with SSO, e-mails in the reader's language."""

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from courses.models import Registration
from courses.tasks import registration_approval_request
from courses.tests.factories import GatheringFactory, RegistrationFactory, oslo
from portal import profile
from portal.adapters import SESSION_INVITATION
from portal.models import AuditLogEntry, Invitation
from portal.sso import SESSION_SECOND_FACTOR, claims_report_second_factor
from portal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _invitation(world, **fields):
    defaults = {
        "email": "ny@example.no",
        "full_name": "Nora Ny",
        "library": world.library_a,
        "token_hash": f"t-{timezone.now().timestamp()}",
        "invited_by": world.library_leader_a,
        "expires_at": timezone.now() + timedelta(days=14),
    }
    return Invitation.objects.create(**{**defaults, **fields})


# --- the profile page ---


def test_the_name_in_the_menu_opens_the_profile_with_every_section(world, client_for):
    client = client_for(world.coordinator_a)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("profile")}"' in home
    page = client.get(reverse("profile")).content.decode()
    for text in [
        "Name and language",
        "E-mail addresses",
        "koord.a@example.no",
        reverse("account_change_password"),
        reverse("mfa_index"),
        "Single sign-on",
        "County coordinator, Sør-Trøndelag",
        "Kompetente regionbibliotek",
        "Sør-Trøndelag fylkesbibliotek",
        reverse("profile_data"),
    ]:
        assert text in page, text


def test_profile_saves_name_and_language_and_keeps_bad_input(world, client_for):
    client = client_for(world.staff_a)
    data = {"full_name": "Anne B. Ansatt", "preferred_language": "nn"}
    response = client.post(reverse("profile"), data)
    assert response.status_code == 302
    world.staff_a.refresh_from_db()
    assert world.staff_a.full_name == "Anne B. Ansatt" and world.staff_a.preferred_language == "nn"
    response = client.post(reverse("profile"), {"full_name": "", "preferred_language": "xx"})
    assert response.status_code == 400
    world.staff_a.refresh_from_db()
    assert world.staff_a.full_name == "Anne B. Ansatt"


def test_other_apps_add_profile_sections_without_touching_the_template(world, client_for):
    def api_tokens(*, request, user):
        return profile.ProfileSection("tokens", "Personal tokens", "portal/profile/data.html")

    profile.register(order=60)(api_tokens)
    try:
        page = client_for(world.staff_a).get(reverse("profile")).content.decode()
    finally:
        profile.providers[:] = [p for p in profile.providers if p[1] is not api_tokens]
    assert 'id="tokens"' in page and "Personal tokens" in page
    assert page.index("Roles") < page.index("Personal tokens") < page.index("Your data")


def test_the_profile_needs_a_login(client):
    assert client.get(reverse("profile")).status_code == 302


# --- invitations: pending list, withdraw, re-send, expiry ---


def test_pending_invitations_show_age_and_expiry(world, client_for):
    invitation = _invitation(world)
    three_days_ago = timezone.now() - timedelta(days=3)
    Invitation.objects.filter(pk=invitation.pk).update(created_at=three_days_ago)
    _invitation(world, email="gammel@example.no", expires_at=timezone.now() - timedelta(days=1))
    page = client_for(world.library_leader_a).get(
        reverse("library_detail", args=[world.library_a.pk])
    )
    text = page.content.decode()
    assert "3\xa0days ago" in text and "Expired" in text and "valid until" in text
    assert "Withdraw the invitation to ny@example.no" in text


def test_withdrawing_an_invitation_kills_its_link(
    world, client_for, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.library_leader_a).post(
            reverse("invitation_create", args=[world.library_a.pk]),
            {"email": "ny@example.no", "role": "staff"},
        )
    invitation = Invitation.objects.get()
    link = mail.outbox[-1].body.split("/invitasjon/")[1].split("/")[0]
    leader = client_for(world.library_leader_a)
    response = leader.post(reverse("invitation_withdraw", args=[world.library_a.pk, invitation.pk]))
    assert response.status_code == 302
    assert not Invitation.objects.exists()
    assert AuditLogEntry.objects.filter(action="portal.invitation.withdrawn").exists()
    leader.logout()
    assert client.get(reverse("invitation_accept", args=[link])).status_code == 404


def test_resending_gives_a_new_link_and_a_new_expiry(
    world, client_for, client, django_capture_on_commit_callbacks
):
    invitation = _invitation(world, expires_at=timezone.now() - timedelta(days=2), language="nn")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.library_leader_a).post(
            reverse("invitation_resend", args=[world.library_a.pk, invitation.pk])
        )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.is_open and invitation.last_sent_at
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    (message,) = mail.outbox
    assert "Du er invitert til Kompetanseportalen" in message.body  # the invitation's Nynorsk
    client.logout()
    link = message.body.split("/invitasjon/")[1].split("/")[0]
    assert client.get(reverse("invitation_accept", args=[link])).status_code == 200


@pytest.mark.parametrize("who", ["staff_a", "library_leader_b", "coordinator_b"])
def test_only_those_who_manage_the_staff_withdraw_or_resend(world, client_for, who):
    invitation = _invitation(world)
    client = client_for(getattr(world, who))
    for name in ("invitation_withdraw", "invitation_resend"):
        response = client.post(reverse(name, args=[world.library_a.pk, invitation.pk]))
        assert response.status_code in (403, 404)
    assert Invitation.objects.filter(pk=invitation.pk, token_hash=invitation.token_hash).exists()
    assert not mail.outbox


def test_an_invitation_of_another_library_is_not_found(world, client_for):
    invitation = _invitation(world, library=world.library_b)
    response = client_for(world.library_leader_a).post(
        reverse("invitation_withdraw", args=[world.library_a.pk, invitation.pk])
    )
    assert response.status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_the_invited_name_fills_the_sign_up_form(world, client):
    invitation = _invitation(world, language="nn")
    session = client.session
    session[SESSION_INVITATION] = invitation.pk
    session.save()
    form = client.get(reverse("account_signup")).context["form"]
    assert form.initial["full_name"] == "Nora Ny"
    assert form.initial["preferred_language"] == "nn"


def test_an_existing_person_is_added_to_a_second_library(
    world, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.library_leader_b).post(
            reverse("invitation_create", args=[world.library_b.pk]),
            {"email": world.staff_a.email, "role": "staff", "language": "en"},
        )
    assert set(world.staff_a.roles.values_list("library__name", flat=True)) == {
        "Trondheim folkebibliotek",
        "Hamar folkebibliotek",
    }
    assert mail.outbox[-1].to == [world.staff_a.email]


# --- the MFA rule with single sign-on ---


@pytest.mark.parametrize(
    ("claims", "accepted", "expected"),
    [
        ({"amr": ["pwd", "mfa"]}, [], True),
        ({"amr": ["pwd", "otp"]}, [], True),
        ({"amr": ["pwd"]}, [], False),
        ({}, [], False),
        ({"acr": "idporten-loa-substantial"}, ["idporten-loa-substantial"], True),
        ({"acr": "idporten-loa-low"}, ["idporten-loa-substantial"], False),
        ({"acr": "idporten-loa-substantial"}, [], False),
    ],
)
def test_which_provider_reports_count_as_a_second_factor(claims, accepted, expected):
    assert claims_report_second_factor(claims, accepted_acr=accepted) is expected


def test_a_manager_signed_in_with_provider_mfa_needs_no_totp(world, client_for, settings):
    settings.PORTAL_REQUIRE_MFA_FOR_MANAGERS = True
    client = client_for(world.coordinator_a)
    assert client.get(reverse("home")).status_code == 302  # password-style session: TOTP first
    session = client.session
    session[SESSION_SECOND_FACTOR] = True
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_the_second_factor_is_read_from_the_id_token_at_login(world, rf, settings):
    from allauth.socialaccount.models import SocialLogin
    from django.contrib.sessions.backends.db import SessionStore

    from portal.adapters import AccountAdapter

    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "idporten",
                    "name": "ID-porten",
                    "client_id": "x",
                    "secret": "y",
                    "settings": {
                        "server_url": "https://idporten.example",
                        "mfa_acr_values": ["idporten-loa-high"],
                    },
                }
            ]
        }
    }
    account = SocialAccount(
        user=world.coordinator_a,
        provider="idporten",
        uid="1",
        extra_data={"id_token": {"acr": "idporten-loa-high"}},
    )
    sociallogin = SocialLogin(user=world.coordinator_a, account=account)
    request = rf.get("/")
    request.session = SessionStore()
    request.user = world.coordinator_a
    from django.contrib.messages.storage.fallback import FallbackStorage

    request._messages = FallbackStorage(request)
    AccountAdapter(request).post_login(
        request,
        world.coordinator_a,
        email_verification="none",
        signal_kwargs={"sociallogin": sociallogin},
        email=None,
        signup=False,
        redirect_url=None,
    )
    assert request.session[SESSION_SECOND_FACTOR] is True


# --- e-mails in the recipient's language, dates in the recipient's locale ---


def test_password_reset_mail_is_in_the_recipients_language(world, client):
    world.staff_a.preferred_language = "nn"
    world.staff_a.save()
    client.post(reverse("account_reset_password"), {"email": world.staff_a.email})
    (message,) = mail.outbox
    assert "passord" in message.body.lower() and "password" not in message.subject.lower()


def test_approval_requests_reach_each_leader_in_their_language(
    world, django_capture_on_commit_callbacks
):
    world.library_leader_a.preferred_language = "nn"
    world.library_leader_a.save()
    second = UserFactory(preferred_language="en")
    from portal.tests.factories import grant

    grant(second, "library_leader", library=world.library_a)
    gathering = GatheringFactory(
        course__programme=world.programme,
        starts_at=oslo(2031, 5, 6, 10, 0),
        ends_at=oslo(2031, 5, 7, 15, 0),
        requires_leader_approval=True,
    )
    registration = RegistrationFactory(
        gathering=gathering,
        user=world.staff_a,
        library=world.library_a,
        status=Registration.Status.AWAITING_APPROVAL,
    )
    from django.utils import translation

    with translation.override("nb"), django_capture_on_commit_callbacks(execute=True):
        registration_approval_request(registration.pk)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    nynorsk = by_recipient[world.library_leader_a.email]
    english = by_recipient[second.email]
    assert "tysdag 6. mai 2031 10:00 – onsdag 7. mai 2031 15:00" in nynorsk.body
    assert "Tuesday May 6, 2031 10 a.m. – Wednesday May 7, 2031 3 p.m." in english.body
    assert "approve" in english.subject.lower()


def test_a_staff_list_gives_existing_people_the_role_and_invites_the_rest(
    world, client_for, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = f"e-post;navn\nny.person@example.no;Ny Person\n{world.staff_b.email};Arne\n"
    upload = SimpleUploadedFile("ansatte.csv", content.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(world.coordinator_a).post(
            reverse("staff_list_import", args=[world.library_a.pk]),
            {"file": upload, "language": "nn"},
            follow=True,
        )
    page = response.content.decode()
    assert "Invitations were sent to 1 people." in page
    assert "1 who already had an account got the role directly." in page
    assert Invitation.objects.get().language == "nn"
    assert world.staff_b.roles.filter(library=world.library_a).exists()
    assert {m.to[0] for m in mail.outbox} == {"ny.person@example.no", world.staff_b.email}


def test_an_invitation_accepted_meanwhile_cannot_be_withdrawn(world, client_for, monkeypatch):
    invitation = _invitation(world)
    real_lock = Invitation.objects.select_for_update

    def accepted_meanwhile(*args, **kwargs):
        Invitation.objects.filter(pk=invitation.pk).update(accepted_at=timezone.now())
        return real_lock(*args, **kwargs)

    monkeypatch.setattr(Invitation.objects, "select_for_update", accepted_meanwhile)
    response = client_for(world.library_leader_a).post(
        reverse("invitation_withdraw", args=[world.library_a.pk, invitation.pk]), follow=True
    )
    assert response.status_code == 200
    assert "already been accepted" in response.content.decode()
    assert Invitation.objects.filter(pk=invitation.pk).exists()
