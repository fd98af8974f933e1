"""The coordinator opens the results of a survey with responses: figures shown, axe passes."""

from surveys.synthetic import add_responses, full_survey

VALUES = {"likert": 4, "pair": {"p0": (5, 1), "p1": (4, 3), "p2": (3, 3)}}


def test_coordinator_sees_the_results_of_their_county(browser_session, world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, values=VALUES)
    add_responses(survey, count=5, library=world.library_b, values={**VALUES, "likert": 1})
    b = browser_session
    b.login(world.coordinator_a)
    b.goto("/undersokelser/resultater/")
    b.page.get_by_role("link", name="Kompetansekartlegging 2011").click()
    b.page.wait_for_load_state("load")
    b.check()
    page = b.page
    assert page.get_by_role("heading", level=1).count() == 1
    main = page.locator("main").inner_text()
    assert "6" in page.locator("#results-summary").inner_text()
    assert "Hamar" not in main  # another county's library never appears
    gaps = page.locator("#areas-heading ~ div table").first
    first_area = gaps.locator("tbody tr").first.inner_text()
    assert "Samarbeid" in first_area
    # Each question's figures are on a page of their own, reached from the list.
    page.locator("ol.results-questions a").first.click()
    page.wait_for_load_state("load")
    b.check()
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("article svg.results-bar").count() > 0
    assert "6" in page.locator("#results-summary").inner_text()
    page.get_by_role("link", name="Next question").click()
    page.wait_for_load_state("load")
    b.check()
    page.get_by_role("link", name="Back to the overview").click()
    page.wait_for_load_state("load")
    # The role filter narrows the group below the threshold: "too few answers".
    page.locator("#id_role").select_option("library_leader")
    page.locator("#filters-heading + form button[type=submit]").click()
    page.wait_for_load_state("load")
    b.check()
    assert page.locator("#results-summary .results-too-few").count() == 1
