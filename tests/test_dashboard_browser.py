"""The programme dashboard in a real browser: the project leader finds it from the home page and
reads every county; a coordinator reads only theirs. axe checks every page."""

from portal.tests.test_dashboard import build_loop


def test_project_leader_opens_the_dashboard_from_home(browser_session, world):
    loop = build_loop(world)
    b = browser_session
    b.login(world.project_leader)
    b.goto("/")
    b.page.get_by_role("link", name="Programme dashboard").click()
    b.check()
    page = b.page
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Dashboard – Kompetente regionbibliotek"
    )
    gaps = page.get_by_role("table", name="Competence gap per county and area")
    for county in ("Whole programme", "Hedmark", "Sør-Trøndelag"):
        assert gaps.get_by_role("rowheader", name=county).is_visible()
    assert gaps.get_by_text("too few answers").count() >= 1
    courses = page.get_by_role("table", name="Courses, gatherings and attendance per county")
    assert courses.get_by_role("rowheader", name="Programme-wide courses").is_visible()
    page.get_by_role("link", name=loop.course_a.title).click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1, name=loop.course_a.title).is_visible()


def test_coordinator_sees_only_their_county(browser_session, world):
    loop = build_loop(world)
    b = browser_session
    b.login(world.coordinator_a)
    b.goto(f"/programmer/{world.programme.pk}/oversikt/")
    page = b.page
    main = page.locator("main")
    assert "Sør-Trøndelag" in main.inner_text()
    for hidden in ("Hedmark", "Hamar", "Whole programme", loop.course_b.title):
        assert hidden not in main.inner_text()
    gaps = page.get_by_role("table", name="Competence gap per county and area")
    # The follow-up's figures are hidden with Hedmark's three (see portal/tests/test_dashboard.py).
    assert gaps.get_by_role("row", name="Samarbeid 4.00 (n = 6) too few answers").is_visible()
