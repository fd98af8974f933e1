def test_home_page_for_staff(browser_session, world):
    b = browser_session
    b.goto("/")
    b.login(world.staff_a)
    b.goto("/")
    assert b.page.get_by_role("heading", level=1).inner_text().startswith(("Velkommen", "Welcome"))
