"""The accessibility sweep: one instance of every page (tests/sweep.py), as the person who sees
most of it, in Chromium with axe: no violation anywhere at 1280 px, and none at 390 px on the pages
people use on phones, which also reflow there without sideways scrolling (WCAG 1.4.10).

One browser, one live server and one world for each half of the pages, so the sweep stays quick;
each page is loaded once and checked at each of its widths (the viewport is narrowed on the loaded
page).
First, every address the URL resolver knows must be registered as a page or named as not one. Every
problem is collected, so one run lists them all.
"""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client

from tests.browser import ARTIFACTS, CONTEXT, DESKTOP, PHONE
from tests.sweep import all_pages, not_pages, url_names
from tests.world import build_full_world

AXE = Axe()  # only for the axe-core script it carries
AXE_RUN = "axe.run(document, {resultTypes: ['violations']})"
NEXT_FRAME = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def _assert_every_address_is_swept_or_named_as_not_a_page(pages) -> None:
    registered = {page.name for page in pages}
    excluded = not_pages()
    known = url_names()
    unregistered = sorted(known - registered - set(excluded))
    assert not unregistered, f"register these in <app>/tests/sweep.py: {unregistered}"
    assert sorted((registered | set(excluded)) - known) == [], "no longer addresses"
    assert sorted(registered & set(excluded)) == [], "both a page and not a page"


def _axe(browser_page) -> list[str]:
    """axe's violations on the page as it is now (axe is injected once per loaded page)."""
    if not browser_page.evaluate("() => typeof axe !== 'undefined'"):
        browser_page.evaluate(AXE.axe_script)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + ", ".join(str(node["target"]) for node in violation["nodes"][:4])
        for violation in browser_page.evaluate(AXE_RUN)["violations"]
    ]


def _sign_in(context, base_url, person, cookies: dict) -> None:
    context.clear_cookies()
    if person is None:
        return
    if person.pk not in cookies:
        client = Client()
        client.force_login(person)
        cookies[person.pk] = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookies[person.pk], "url": base_url}]
    )


# The pages in two halves, each a test of its own, so that the suite's two workers share the sweep.
HALVES = ("first half", "second half")


def _middle(pages) -> int:
    """Where the second half starts: each half checks about as many widths (a phone page two)."""
    widths = [2 if page.phone else 1 for page in pages]
    total, done = sum(widths), 0
    for index, count in enumerate(widths):
        if done * 2 >= total:
            return index
        done += count
    return len(pages)


@pytest.mark.browser
@pytest.mark.parametrize("half", HALVES)
def test_every_page_passes_axe_at_desktop_and_phone_width(
    chromium, live_server, transactional_db, half
):
    every_page = all_pages(build_full_world())
    _assert_every_address_is_swept_or_named_as_not_a_page(every_page)
    middle = _middle(every_page)
    pages = every_page[:middle] if half == HALVES[0] else every_page[middle:]
    context = chromium.new_context(viewport=DESKTOP, **CONTEXT)
    browser_page = context.new_page()
    browser_page.set_default_timeout(10_000)
    console: list[str] = []
    browser_page.on("console", lambda m: m.type == "error" and console.append(m.text))
    problems: list[str] = []
    cookies: dict = {}
    viewer = object()
    for page in pages:
        where = f"{page.path} ({page.name}, as {page.viewer or 'anonymous'})"
        if page.viewer is not viewer:
            viewer = page.viewer
            _sign_in(context, live_server.url, viewer, cookies)
        browser_page.set_viewport_size(DESKTOP)
        console.clear()
        response = browser_page.goto(live_server.url + page.path)
        if response is None or response.status != page.status:
            problems.append(f"{where}: status {response and response.status}, not {page.status}")
            continue
        widths = (
            (("1280 px", DESKTOP), ("390 px", PHONE)) if page.phone else (("1280 px", DESKTOP),)
        )
        for width, viewport in widths:
            browser_page.set_viewport_size(viewport)
            browser_page.evaluate(NEXT_FRAME)  # let the page react to the new width
            problems += [f"{where} at {width}: {found}" for found in _axe(browser_page)]
        if page.phone:
            scroll = browser_page.evaluate("document.documentElement.scrollWidth")
            if scroll > PHONE["width"]:
                problems.append(f"{where}: {scroll} px wide at 390 px (scrolls sideways)")
                ARTIFACTS.mkdir(exist_ok=True)
                name = page.name.replace(":", "-")
                browser_page.screenshot(path=str(ARTIFACTS / f"reflow-{name}.png"), full_page=True)
        problems += [f"{where}: {error}" for error in console if "Content Security Policy" in error]
    context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    report = f"accessibility-sweep-{half.replace(' ', '-')}.txt"
    (ARTIFACTS / report).write_text("\n".join(problems) + "\n")
    assert not problems, f"{len(problems)} problem(s) on {len(pages)} pages:\n" + "\n".join(
        problems
    )
