"""The foundation in a real browser: every role's home page, staff lists, invitation to sign-up."""

import re

import pytest
from django.core import mail

from portal.tests.factories import TEST_PASSWORD

ROLES = [
    "site_admin",
    "project_leader",
    "coordinator_a",
    "library_leader_a",
    "staff_a",
    "outsider",
]


def test_sign_in_with_the_form_and_walk_the_home_page(browser_session, world):
    b = browser_session
    b.goto("/")
    b.page.get_by_role("link", name=re.compile("Sign in|Logg inn", re.I)).first.click()
    b.check()
    b.login_with_form(world.coordinator_a.email, TEST_PASSWORD)
    b.check()
    assert b.page.get_by_role("heading", level=2, name="Kompetente regionbibliotek").is_visible()
    b.page.get_by_role(
        "link", name=re.compile("Libraries and staff|Bibliotek og ansatte")
    ).first.click()
    b.check()
    assert b.page.get_by_role("link", name="Trondheim folkebibliotek").is_visible()
    assert b.page.get_by_role("link", name="Hamar folkebibliotek").count() == 0


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_a_home_page_for_their_roles(browser_session, world, role):
    b = browser_session
    b.login(getattr(world, role))
    b.goto("/")
    if role != "outsider":
        b.goto(f"/programmer/{world.programme.pk}/")
    if role in ("site_admin", "project_leader", "coordinator_a", "library_leader_a", "staff_a"):
        b.goto("/bibliotek/")
        b.goto(f"/bibliotek/{world.library_a.pk}/")


def test_language_switcher_changes_and_keeps_the_language(browser_session, world):
    b = browser_session
    b.login(world.staff_a)
    b.goto("/")
    b.page.get_by_label("Language").select_option("nn")
    b.page.get_by_role("button", name="Change language").click()
    b.check()
    assert b.page.locator("html").get_attribute("lang") == "nn"
    assert b.page.get_by_role("link", name="Bibliotek og tilsette").first.is_visible()
    b.goto("/bibliotek/")
    assert b.page.locator("html").get_attribute("lang") == "nn"


def test_norwegian_pages_are_accessible_too(browser_session, world, settings):
    world.staff_a.preferred_language = "nb"
    world.staff_a.save()
    b = browser_session
    b.login(world.staff_a)
    b.goto("/")
    assert b.page.locator("html").get_attribute("lang") == "nb"
    assert b.page.get_by_role("heading", level=1).inner_text().startswith("Velkommen")
    b.goto(f"/bibliotek/{world.library_a.pk}/")


def test_invitation_by_a_library_leader_to_sign_up(browser_session, chromium, live_server, world):
    b = browser_session
    b.login(world.library_leader_a)
    b.goto(f"/bibliotek/{world.library_a.pk}/")
    form = b.page.locator("form", has=b.page.locator("input[name=email]"))
    form.locator("input[name=email]").fill("nina.ny@example.no")
    form.locator("input[name=full_name]").fill("Nina Ny")
    form.locator("button[type=submit]").click()
    b.check()
    assert "nina.ny@example.no" in b.page.content()
    link = re.search(r"https?://\S+/invitasjon/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("//", 1)[1].split("/", 1)[1]

    # The invited person, in their own browser.
    context = chromium.new_context(locale="nb-NO", reduced_motion="reduce")
    try:
        from tests.browser import BrowserSession

        invited = BrowserSession(context.new_page(), live_server.url)
        invited.goto("/" + path)
        invited.page.locator("main a.btn").click()
        invited.check()
        assert invited.page.locator("input[name=email]").input_value() == "nina.ny@example.no"
        invited.page.locator("input[name=full_name]").fill("Nina Ny")
        invited.page.locator("input[name=password1]").fill("en-lang-og-trygg-frase-2011")
        invited.page.locator("input[name=password2]").fill("en-lang-og-trygg-frase-2011")
        invited.page.locator("main form button[type=submit]").click()
        invited.check()
        assert "Trondheim folkebibliotek" in invited.page.content()
    finally:
        context.close()


def test_staff_list_upload_with_errors_shows_each_row(browser_session, world, tmp_path):
    b = browser_session
    b.login(world.coordinator_a)
    b.goto(f"/bibliotek/{world.library_a.pk}/")
    csv_file = tmp_path / "ansatte.csv"
    csv_file.write_text("e-post;navn\nok@example.no;Ok\nikke-gyldig;Feil\n", encoding="utf-8")
    b.page.locator("input[type=file]").set_input_files(str(csv_file))
    b.page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    b.check()
    alert = b.page.get_by_role("alert")
    assert "3" in alert.inner_text()


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/accounts/password/reset/", "/accounts/signup/", "/finnes-ikke/"]
)
def test_public_pages_are_accessible(browser_session, db, path):
    browser_session.goto(path)
