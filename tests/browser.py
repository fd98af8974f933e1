"""Browser-test harness: Debian's Chromium driven by Playwright, axe on every page visited.

The browser is Chromium's headless shell (Debian's `chromium-headless-shell`: the same Blink and
V8 as `chromium`, without the desktop browser around them; Playwright's own headless default). It
renders and runs axe as the full browser does, and the browser tests take about a third less time
and CPU with it (docs/performance.md, part 24). `PORTAL_CHROMIUM` names another executable.

Use the `browser_session` fixture:

    def test_something(browser_session, world):
        b = browser_session
        b.login(world.staff_a)
        b.goto("/")                  # visits and runs axe; any violation fails the test
        b.page.get_by_role("link", name="...").click()
        b.check()                    # axe again after an interaction that changed the page

Chromium missing is an error, never a skip. Content-Security-Policy violations reported by the
browser fail the test too, so the pages are proven to satisfy the policy.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


class AccessibilityError(AssertionError):
    pass


class BrowserSession:
    def __init__(self, page, live_server_url: str):
        self.page = page
        self.base_url = live_server_url
        self.console_errors: list[str] = []
        self.visited: list[str] = []
        page.on("console", self._on_console)

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)

    def url(self, path: str) -> str:
        return self.base_url + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        self.check()
        return response

    def check(self) -> None:
        """Run axe on the page as it is now; fail on any violation or CSP report."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        self.visited.append(self.page.url)
        results = Axe().run(self.page)
        if results.violations_count:
            ARTIFACTS.mkdir(exist_ok=True)
            self.page.screenshot(path=str(ARTIFACTS / "axe-failure.png"), full_page=True)
            raise AccessibilityError(
                f"axe found {results.violations_count} violation(s) on {self.page.url}:\n"
                + results.generate_report()
            )
        csp = [e for e in self.console_errors if "Content Security Policy" in e]
        if csp:
            raise AssertionError(f"CSP violations on {self.page.url}: {csp}")

    def login(self, user) -> None:
        """Sign in by session cookie (the login form itself is tested on its own)."""
        from django.test import Client

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        self.page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": self.base_url}]
        )

    def login_with_form(self, email: str, password: str) -> None:
        self.goto("/accounts/login/")
        self.page.locator("input[name=login]").fill(email)
        self.page.locator("input[name=password]").fill(password)
        self.page.locator("main form:has(input[name=password]) button[type=submit]").click()
        self.page.wait_for_load_state("load")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's headless Chromium (apt-get "
            "install chromium-headless-shell) or set PORTAL_CHROMIUM. Browser tests never skip."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Bootstrap's buttons fade their colours in 0.15 s unless the person asks for reduced motion; axe
# run in the middle of a fade measures a colour no one reads (a flaky contrast failure), so the
# browser tests ask for reduced motion and axe sees the colours as they settle.
CONTEXT = {"locale": "en-GB", "reduced_motion": "reduce"}


def _session(chromium, live_server, viewport):
    # English, so tests read the source strings; Norwegian pages are checked by their own tests.
    context = chromium.new_context(viewport=viewport, **CONTEXT)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, BrowserSession(page, live_server.url)


@pytest.fixture
def browser_session(chromium, live_server):
    context, session = _session(chromium, live_server, DESKTOP)
    yield session
    context.close()


@pytest.fixture
def phone_session(chromium, live_server):
    context, session = _session(chromium, live_server, PHONE)
    yield session
    context.close()


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser_session" in getattr(item, "fixturenames", ()) or "phone_session" in getattr(
            item, "fixturenames", ()
        ):
            item.add_marker(pytest.mark.browser)
