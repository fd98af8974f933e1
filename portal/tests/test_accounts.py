"""Login, rate limits, password changes, two-factor requirement, language choice, the admin."""

import pytest
from django.urls import reverse

from portal.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
QUERIES_HOME_STAFF = 11  # user, roles, programmes, and each app's actions


def login(client, email, password=TEST_PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_login_with_email_and_a_new_session(world, client):
    client.get(reverse("account_login"))
    before = client.session.session_key
    response = login(client, world.staff_a.email)
    assert response.status_code == 302
    assert client.session.session_key != before  # no session fixation
    assert client.get(reverse("home")).context["user"] == world.staff_a


def test_failed_logins_are_rate_limited(world, client):
    from django.core.cache import cache

    cache.clear()
    for _ in range(6):
        response = login(client, world.staff_a.email, "wrong-password")
    assert response.status_code == 200
    # Even the right password is refused while the limit holds.
    response = login(client, world.staff_a.email)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not response.context["user"].is_authenticated
    cache.clear()


def test_one_person_at_a_shared_address_locks_out_only_themselves(world, client):
    """Failed logins count per account and address together: a library's shared address is not
    locked for everyone by one person's typos, and a guesser elsewhere cannot lock anyone out."""
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    library, elsewhere = "10.20.30.40", "192.0.2.7"
    guesser = Client(REMOTE_ADDR=library)
    for _ in range(6):
        login(guesser, world.staff_a.email, "wrong-password")
    refused = login(guesser, world.staff_a.email)  # the right password, too late
    assert refused.status_code == 200 and not refused.context["user"].is_authenticated
    assert "Too many failed login attempts" in str(refused.context["form"].non_field_errors())
    # A colleague at the same address signs in.
    assert login(Client(REMOTE_ADDR=library), world.staff_b.email).status_code == 302
    # Staff A herself, from another address, signs in.
    assert login(Client(REMOTE_ADDR=elsewhere), world.staff_a.email).status_code == 302
    cache.clear()


def test_guessing_from_one_address_is_limited_for_every_account(world, client):
    """The per-address limit stays for brute force: 20 failures from one address, over any
    accounts, and that address is refused even with a right password; others are not."""
    from django.core.cache import cache
    from django.test import Client

    cache.clear()
    attacker = Client(REMOTE_ADDR="198.51.100.9")
    for number in range(20):
        response = login(attacker, f"gjetning{number}@example.no", "wrong-password")
        assert "Too many" not in str(response.context["form"].non_field_errors()), number
    refused = login(attacker, world.staff_b.email)
    assert not refused.context["user"].is_authenticated
    assert "Too many failed login attempts" in str(refused.context["form"].non_field_errors())
    assert login(Client(REMOTE_ADDR="198.51.100.10"), world.staff_b.email).status_code == 302
    cache.clear()


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_admin_is_for_site_admins_only(world, client_for):
    assert client_for(world.site_admin).get("/admin/portal/library/").status_code == 200
    world.coordinator_a.is_staff = True
    world.coordinator_a.save()
    response = client_for(world.coordinator_a).get("/admin/portal/library/")
    assert response.status_code == 403


def test_password_change_logs_out(world, client):
    login(client, world.staff_a.email)
    new = "et-helt-nytt-passord-2012"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": TEST_PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_managers_must_set_up_two_factor_when_required(world, client_for, settings):
    settings.PORTAL_REQUIRE_MFA_FOR_MANAGERS = True
    response = client_for(world.coordinator_a).get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    assert client_for(world.staff_a).get(reverse("home")).status_code == 200


def test_managers_with_totp_pass(world, client_for, settings):
    from allauth.mfa.models import Authenticator

    settings.PORTAL_REQUIRE_MFA_FOR_MANAGERS = True
    Authenticator.objects.create(user=world.coordinator_a, type="totp", data={"secret": "x"})
    assert client_for(world.coordinator_a).get(reverse("home")).status_code == 200


def test_language_choice_sticks_for_the_person(world, client_for):
    client = client_for(world.staff_a)
    response = client.post(reverse("language_set"), {"language": "nn", "next": "/bibliotek/"})
    assert response.status_code == 302 and response["Location"] == "/bibliotek/"
    world.staff_a.refresh_from_db()
    assert world.staff_a.preferred_language == "nn"
    assert client.cookies["django_language"].value == "nn"
    assert '<html lang="nn">' in client.get(reverse("home")).content.decode()


def test_bokmal_is_the_default_language(client, settings, db):
    settings.LANGUAGE_CODE = "nb"
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="nb">' in page
    assert "Logg inn" in page


def test_new_people_prefer_bokmal():
    from portal.models import User

    assert User().preferred_language == "nb"


def test_language_choice_for_anonymous_visitors_uses_a_cookie(client):
    client.post(reverse("language_set"), {"language": "en"})
    assert '<html lang="en">' in client.get(reverse("home")).content.decode()


def test_language_switch_refuses_offsite_redirects_and_bad_values(client):
    response = client.post(
        reverse("language_set"), {"language": "xx", "next": "https://evil.example"}
    )
    assert response["Location"] == "/"


def test_home_page_lists_the_roles_and_actions(world, client_for):
    page = client_for(world.coordinator_a).get(reverse("home")).content.decode()
    assert "Kompetente regionbibliotek" in page
    assert "Sør-Trøndelag" in page
    assert reverse("library_list") in page
    assert (
        "You do not take part" in client_for(world.outsider).get(reverse("home")).content.decode()
    )


def test_anonymous_visitors_see_the_landing_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("account_login") in response.content.decode()


def test_pages_need_login(world, client):
    response = client.get(reverse("library_list"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_security_headers(client):
    response = client.get(reverse("home"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_password_reset_sends_a_link_that_works(world, client):
    import re

    from django.core import mail

    client.post(reverse("account_reset_password"), {"email": world.staff_a.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body)
    response = client.get(link.group(1), follow=True)
    new = "et-helt-nytt-passord-2012"
    client.post(response.redirect_chain[-1][0], {"password1": new, "password2": new})
    client.logout()
    assert login(client, world.staff_a.email, new).status_code == 302


def test_unknown_address_gets_no_reset_link_and_no_hint(client, db):
    from django.core import mail

    response = client.post(reverse("account_reset_password"), {"email": "ingen@example.no"})
    assert response.status_code == 302  # the same answer as for a known address
    assert all("password/reset/key" not in m.body for m in mail.outbox)


@pytest.mark.parametrize("size", [1, 8])
def test_home_page_query_count_does_not_grow(world, client_for, django_assert_num_queries, size):
    """The home page gathers every app's actions; more surveys and courses cost no queries."""
    from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
    from surveys.builder.services import survey_invite_users
    from surveys.tests.factories import build_survey, open_survey

    for _ in range(size):
        survey = open_survey(build_survey(world), user=world.project_leader)
        survey_invite_users(survey=survey, users=[world.staff_a])
        gathering = GatheringFactory(course=CourseFactory(programme=world.programme))
        RegistrationFactory(gathering=gathering, user=world.staff_a, library=world.library_a)
    client = client_for(world.staff_a)
    client.get(reverse("home"))
    with django_assert_num_queries(QUERIES_HOME_STAFF):
        client.get(reverse("home"))
