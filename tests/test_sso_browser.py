"""Single sign-on in Chromium against a real OpenID provider on loopback (tests/oidc.py)."""

import re

import pytest
from django.utils import timezone

from portal.models import Invitation, RoleAssignment, User
from portal.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.browser
EXTERNAL = re.compile(r"^https?://(?!(127\.0\.0\.1|localhost)[:/])")


def _sign_in_at_provider(b, login: str) -> None:
    """Choose Test-ID on our login page, then sign in and consent on the provider's own pages."""
    b.goto("/accounts/login/")
    b.page.get_by_role("button", name="Sign in with Test-ID").click()
    b.page.wait_for_url(re.compile(r"/interaction/"))
    b.page.locator("input[name=login]").fill(login)
    b.page.locator("input[name=password]").fill("whatever")
    b.page.locator("button[type=submit]").click()
    b.page.get_by_role("button", name="Continue").click()
    b.page.wait_for_url(re.compile(r"^http://localhost:\d+/"))


@pytest.fixture
def b(browser_session, sso_settings):
    # The provider's pages ask for a web font; nothing leaves this machine.
    browser_session.page.context.route(EXTERNAL, lambda route: route.abort())
    return browser_session


def test_an_invited_person_signs_up_by_sso_and_gets_the_role(b, world):
    Invitation.objects.create(
        email="nina.ny@example.no",
        full_name="Nina Ny",
        library=world.library_a,
        token_hash="sso-test",
        language="nn",
        expires_at=timezone.now() + timezone.timedelta(days=3),
    )
    _sign_in_at_provider(b, "nina")
    b.check()
    nina = User.objects.get(email="nina.ny@example.no")
    assert nina.full_name == "Nina Ny" and nina.preferred_language == "nn"
    assert RoleAssignment.objects.filter(user=nina, library=world.library_a).exists()
    assert Invitation.objects.get().accepted_by == nina
    assert b.page.locator("html").get_attribute("lang") == "nn"
    b.page.get_by_role("link", name=re.compile("Nina Ny")).click()
    b.check()
    assert b.page.get_by_text("Test-ID").first.is_visible()  # the linked SSO account


def test_an_existing_account_with_that_verified_address_is_signed_in(b, world):
    _sign_in_at_provider(b, "anne")
    b.check()
    assert b.page.get_by_role("link", name=re.compile("Anne Ansatt")).is_visible()
    assert world.staff_a.socialaccount_set.filter(provider="testid").exists()


def test_an_uninvited_person_is_refused_with_a_way_forward(b, world):
    _sign_in_at_provider(b, "ukjent")
    b.check()
    assert b.page.get_by_role("heading", name="We found no account or invitation for you")
    assert "ukjent@example.no" in b.page.content()
    assert b.page.get_by_role("heading", name="How to get access").is_visible()
    assert not User.objects.filter(email="ukjent@example.no").exists()


def test_an_address_the_provider_has_not_verified_links_nothing(b, world):
    _sign_in_at_provider(b, "ubekreftet")  # claims staff_b's address, unverified
    b.check()
    assert "did not give us an e-mail address it has confirmed" in b.page.content()
    assert not world.staff_b.socialaccount_set.exists()


def test_a_provider_that_is_down_gets_a_clear_page_and_password_login_works(b, world):
    b.goto("/accounts/login/")
    b.page.get_by_role("button", name="Sign in with Nede-ID").click()
    b.check()
    assert b.page.get_by_role("heading", name="The sign-in service is not answering").is_visible()
    b.page.get_by_role("link", name="Sign in with e-mail and password").click()
    b.check()
    b.login_with_form(world.staff_a.email, TEST_PASSWORD)
    b.check()
    assert b.page.get_by_role("link", name=re.compile("Anne Ansatt")).is_visible()
