"""Personal API tokens and the API documentation in Chromium, axe on every page, on a desktop
and on a phone: create a token on the profile, see it once, use it, revoke it."""

import re

from api import services
from api.models import ApiToken


def test_create_use_and_revoke_a_token(browser_session, world):
    b = browser_session
    b.login(world.coordinator_a)
    b.goto("/profil/")
    assert b.page.get_by_role("heading", level=2, name="API tokens").is_visible()
    b.page.get_by_label("Name").last.fill("Power BI")
    with b.page.expect_navigation():
        b.page.get_by_role("button", name="Create token").click()
    b.check()
    token = b.page.get_by_label("Token “Power BI”").input_value()
    assert token.startswith("kp_")
    answer = b.page.request.get(
        b.url("/api/v1/counties/"), headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 200 and answer.json()["count"] == 2
    with b.page.expect_navigation():
        b.page.get_by_role("link", name="Back to your profile").click()
    b.check()
    assert b.page.get_by_text("Power BI", exact=True).is_visible()
    assert token not in b.page.content()
    with b.page.expect_navigation():
        b.page.get_by_role("button", name=re.compile("Revoke.*Power BI")).click()
    b.check()
    assert b.page.get_by_text("The token “Power BI” was revoked.").is_visible()
    assert ApiToken.objects.get().revoked_at is not None
    answer = b.page.request.get(
        b.url("/api/v1/counties/"), headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status == 401


def test_tokens_on_a_phone(phone_session, world):
    for name in ("Excel-rapport for fylkesbiblioteket", "Skript"):
        services.api_token_create(user=world.staff_a, name=name)
    phone_session.login(world.staff_a)
    assert phone_session.goto("/profil/#api-tokens").status == 200
    assert phone_session.page.get_by_text("Skript", exact=True).is_visible()
    width = phone_session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_the_documentation_page(browser_session, world):
    b = browser_session
    b.login(world.staff_a)
    b.goto("/api/v1/docs/")
    b.page.get_by_text("/api/v1/programmes/").first.wait_for()
    b.check()
