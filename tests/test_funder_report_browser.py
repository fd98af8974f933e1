"""Generating the report to the funder in a real browser: the project leader writes a foreword,
generates, watches the row's progress (htmx polling, no inline script) and downloads the PDF;
axe checks each state, at desktop and phone width."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from portal import services
from portal.models import FunderReport
from portal.tasks import funder_report_generate
from portal.tests.test_dashboard import build_loop


@pytest.fixture
def held_tasks(monkeypatch):
    """The reports asked for in the browser, held back so the test runs their task itself and
    the page's progress can be seen step by step."""
    held: list[int] = []
    monkeypatch.setattr(services, "_funder_report_start", held.append)
    return held


def _generate_and_download(b, world, held_tasks) -> None:
    build_loop(world)
    b.login(world.project_leader)
    b.goto(f"/programmer/{world.programme.pk}/rapport/2011/")
    page = b.page
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert page.get_by_text("No report has been generated yet.").is_visible()
    page.get_by_label("Foreword").fill("A year of shared work across the counties.")
    page.get_by_label("Comment on “Competence change per county and area”").fill(
        "Samarbeid narrowed most."
    )
    page.get_by_label("Period").select_option("all")
    page.get_by_role("button", name="Generate the report").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("The report is being generated.").is_visible()
    row = page.locator("#stored-reports + div tbody tr").first
    assert "Waiting to start" in row.inner_text()
    assert row.get_by_role("progressbar").is_visible()
    b.check()
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    (report_id,) = held_tasks
    FunderReport.objects.filter(pk=report_id).update(status="running", progress=60)
    page.locator(f"#report-{report_id} progress[value='60']").wait_for(timeout=10_000)
    assert "Being generated" in page.locator(f"#report-{report_id}").inner_text()
    b.check()

    FunderReport.objects.filter(pk=report_id).update(status="queued", progress=0)
    funder_report_generate(report_id)  # what the worker does
    download_link = page.get_by_role("link", name=re.compile("Download PDF"))
    download_link.wait_for(timeout=10_000)
    b.check()
    with page.expect_download() as download:
        download_link.click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"%PDF")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Kompetente regionbibliotek" in text
    assert "A year of shared work across the counties." in text
    assert "Samarbeid narrowed most." in text and "100 % (3 of 3)" in text
    assert download.value.suggested_filename == "kompetente-regionbibliotek-2011-2012-en.pdf"


def test_generate_the_report_and_download_it_at_desktop_width(browser_session, world, held_tasks):
    _generate_and_download(browser_session, world, held_tasks)


def test_generate_the_report_and_download_it_at_phone_width(phone_session, world, held_tasks):
    _generate_and_download(phone_session, world, held_tasks)
