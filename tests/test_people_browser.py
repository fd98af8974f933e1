"""People and their data in Chromium: profile, invitations, a second library, export my data,
the privacy notice and the accessibility statement (axe on every page)."""

import io
import json
import re
import zipfile

from django.core import mail
from django.utils import timezone

from portal.models import Invitation, RoleAssignment


def test_the_profile_behind_the_name(browser_session, world):
    b = browser_session
    b.login(world.coordinator_a)
    b.goto("/")
    b.page.get_by_role("link", name=re.compile("Your profile: Kari Koordinator")).click()
    b.check()
    assert b.page.get_by_role("heading", level=1, name="Your profile").is_visible()
    for heading in ["Name and language", "E-mail addresses", "Single sign-on", "Roles"]:
        assert b.page.get_by_role("heading", level=2, name=heading).is_visible()
    assert b.page.get_by_text("County coordinator, Sør-Trøndelag").is_visible()
    b.page.get_by_label("Full name").fill("Kari K. Koordinator")
    b.page.get_by_label("Language").last.select_option("nn")
    b.page.get_by_role("button", name="Save").click()
    b.check()
    assert b.page.locator("html").get_attribute("lang") == "nn"
    assert b.page.get_by_role("link", name=re.compile("Kari K. Koordinator")).is_visible()
    b.page.get_by_role("link", name="Endre passordet ditt").click()
    b.check()
    b.goto("/accounts/2fa/")


def test_the_profile_on_a_phone(phone_session, world):
    phone_session.login(world.staff_a)
    phone_session.goto("/profil/")
    width = phone_session.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390


def test_withdraw_and_resend_an_invitation(browser_session, world):
    for email in ("nora@example.no", "ola@example.no"):
        Invitation.objects.create(
            email=email,
            library=world.library_a,
            token_hash=email,
            invited_by=world.library_leader_a,
            expires_at=timezone.now() - timezone.timedelta(days=1),
        )
    b = browser_session
    b.page.on("dialog", lambda dialog: dialog.accept())
    b.login(world.library_leader_a)
    b.goto(f"/bibliotek/{world.library_a.pk}/")
    assert b.page.get_by_text("Expired").first.is_visible()
    b.page.get_by_role("button", name="Send again to nora@example.no").click()
    b.check()
    assert b.page.get_by_text("sent to nora@example.no again").is_visible()
    assert mail.outbox[-1].to == ["nora@example.no"]
    assert Invitation.objects.get(email="nora@example.no").is_open
    b.page.get_by_role("button", name="Withdraw the invitation to ola@example.no").click()
    b.check()
    assert b.page.get_by_text("The invitation to ola@example.no was withdrawn.").is_visible()
    assert not Invitation.objects.filter(email="ola@example.no").exists()


def test_adding_a_person_who_has_an_account_to_a_second_library(browser_session, world):
    b = browser_session
    b.login(world.coordinator_b)
    b.goto(f"/bibliotek/{world.library_b.pk}/")
    form = b.page.locator("form", has=b.page.locator("input[name=email]"))
    form.locator("input[name=email]").fill(world.staff_a.email)
    form.get_by_label("Role").select_option("library_leader")
    form.locator("button[type=submit]").click()
    b.check()
    assert b.page.get_by_text("Anne Ansatt already has an account").is_visible()
    assert RoleAssignment.objects.filter(
        user=world.staff_a, library=world.library_b, role="library_leader"
    ).exists()
    assert "Hamar folkebibliotek" in mail.outbox[-1].subject
    # Anne sees both libraries on her profile.
    b.login(world.staff_a)
    b.goto("/profil/")
    assert b.page.get_by_role("link", name="Hamar folkebibliotek").is_visible()
    assert b.page.get_by_role("link", name="Trondheim folkebibliotek").is_visible()


def test_export_my_data_downloads_a_zip_of_json_and_csv(browser_session, world):
    b = browser_session
    b.login(world.staff_a)
    b.goto("/profil/")
    b.page.get_by_role("link", name="Export my data").click()
    b.check()
    b.page.get_by_role("button", name="Collect my data").click()
    b.check()
    assert b.page.get_by_role("cell", name="Ready").is_visible()
    with b.page.expect_download() as download:
        b.page.get_by_role("link", name=re.compile("Download the file")).click()
    archive = zipfile.ZipFile(io.BytesIO(open(download.value.path(), "rb").read()))  # noqa: SIM115
    names = set(archive.namelist())
    assert {"README.txt", "profile.json", "profile.csv", "roles.json", "roles.csv"} <= names
    assert json.loads(archive.read("profile.json"))[0]["full_name"] == "Anne Ansatt"
    assert "Trondheim folkebibliotek" in archive.read("roles.csv").decode("utf-8-sig")


def test_privacy_notice_and_accessibility_statement_from_the_footer(browser_session, world):
    b = browser_session
    b.goto("/")
    b.page.get_by_role("link", name="Privacy notice").click()
    b.check()
    assert b.page.get_by_role("heading", name="How long we keep it").is_visible()
    b.page.get_by_role("link", name="Accessibility statement").click()
    b.check()
    b.page.get_by_role("button", name="Send report").click()
    b.check()  # the error is shown accessibly
    b.page.get_by_label("What did not work for you?").fill("The menu traps the keyboard.")
    b.page.get_by_role("button", name="Send report").click()
    b.check()
    assert b.page.get_by_text("Your report was sent").is_visible()
    assert mail.outbox[-1].to == [world.site_admin.email]
    for language in ("nb", "nn"):
        b.page.locator("#language-select").select_option(language)
        b.page.locator("#language-select + button").click()
        b.check()
        assert b.page.locator("html").get_attribute("lang") == language
        assert "(WCAG) 2.1" in b.page.content()
