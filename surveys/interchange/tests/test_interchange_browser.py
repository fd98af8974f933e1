"""A coordinator imports a LimeSurvey export in the browser; axe runs on every page."""

from pathlib import Path

from surveys.models import Question, Survey

FIXTURES = Path(__file__).parent / "fixtures"


def test_coordinator_uploads_lss_and_reads_the_report(browser_session, world):
    world.coordinator_a.preferred_language = "en"  # the messages are asserted as written
    world.coordinator_a.save(update_fields=["preferred_language"])
    b = browser_session
    b.login(world.coordinator_a)
    b.goto("/undersokelser/importer/")
    page = b.page
    assert page.get_by_role("heading", level=1).count() == 1

    # A damaged file first: the form comes back with the message, nothing is created.
    page.locator("#id_county").select_option(str(world.county_a.pk))
    page.locator("input[type=file]").set_input_files(str(FIXTURES / "truncated.lss"))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    b.check()
    assert "damaged or cut short" in page.content()
    assert not Survey.objects.exists()

    page.locator("input[type=file]").set_input_files(str(FIXTURES / "inline_many_types.lss"))
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    b.check()
    survey = Survey.objects.get()
    assert f"/undersokelser/{survey.pk}/importrapport/" in page.url
    text = page.locator("main").inner_text()
    assert "Ranking" in text and "Q4" in text
    assert Question.objects.filter(survey=survey).count() == 10
