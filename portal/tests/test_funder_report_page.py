"""The funder report's page: the project leader writes a foreword and comments, picks period
and language, generates, follows the progress (the row the page polls) and downloads the PDF and
DOCX; coordinators and others get neither the form nor the files (404 like a missing report)."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from docx import Document

from portal import services
from portal.models import FunderReport
from portal.tests.test_dashboard import build_loop

pytestmark = pytest.mark.django_db
Status = FunderReport.Status


def page_url(world, year=2011):
    return reverse("funder_report", args=[world.programme.pk, year])


def generate_url(world, year=2011):
    return reverse("funder_report_generate", args=[world.programme.pk, year])


def download_url(report, fmt):
    return reverse("funder_report_download", args=[report.programme_id, report.pk, fmt])


def form_data(**fields):
    return {"period": "2011", "language": "nn", "foreword": "Eit godt år.", **fields}


def test_the_project_leader_generates_and_downloads_the_report(
    client_for, world, django_capture_on_commit_callbacks
):
    build_loop(world)
    client = client_for(world.project_leader)
    page = client.get(page_url(world))
    assert page.status_code == 200
    form = page.context["report_form"]
    # A comment field for each section of the overview, in the page's order.
    assert [name for name in form.fields if name.startswith("comment_")][:2] == [
        "comment_key-figures",
        "comment_loop",
    ]
    assert "comment_budget" in form.fields
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            generate_url(world), form_data(**{"comment_loop": "Samarbeid betra seg."})
        )
    assert response.status_code == 302
    assert response["Location"].endswith("/rapport/2011/#stored-reports")
    report = FunderReport.objects.get()
    assert (report.year, report.language, report.status) == (2011, "nn", Status.DONE)
    assert report.created_by == world.project_leader
    assert report.comments == {"loop": "Samarbeid betra seg."}
    listed = client.get(page_url(world)).content.decode()
    assert download_url(report, "pdf") in listed and download_url(report, "docx") in listed
    assert "Nynorsk" in listed and world.project_leader.get_full_name() in listed
    pdf = client.get(download_url(report, "pdf"))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    content = b"".join(pdf.streaming_content)
    assert content.startswith(b"%PDF")
    assert 'filename="kompetente-regionbibliotek-2011-nn.pdf"' in pdf["Content-Disposition"]
    docx = client.get(download_url(report, "docx"))
    text = "\n".join(
        p.text for p in Document(io.BytesIO(b"".join(docx.streaming_content))).paragraphs
    )
    assert "Eit godt år." in text and "Samarbeid betra seg." in text
    assert client.get(download_url(report, "odt")).status_code == 404


def test_the_row_shows_progress_and_is_polled_until_done(client_for, world):
    report = services.funder_report_request(
        programme=world.programme, user=world.project_leader, year=None, language="en"
    )  # not committed: no task has run
    FunderReport.objects.filter(pk=report.pk).update(status=Status.RUNNING, progress=60)
    client = client_for(world.project_leader)
    status_url = reverse("funder_report_status", args=[world.programme.pk, report.pk])
    row = client.get(status_url).content.decode()
    assert f'hx-get="{status_url}"' in row and 'hx-trigger="every 2s"' in row
    assert 'value="60"' in row and "Being generated" in row
    assert client.get(download_url(report, "pdf")).status_code == 404  # not ready yet
    FunderReport.objects.filter(pk=report.pk).update(status=Status.QUEUED)
    from portal.tasks import funder_report_generate

    funder_report_generate(report.pk)
    row = client.get(status_url).content.decode()
    assert "hx-get" not in row and download_url(report, "pdf") in row
    FunderReport.objects.filter(pk=report.pk).update(
        status=Status.FAILED, message=services.REPORT_FAILED
    )
    row = client_for(world.project_leader).get(status_url).content.decode()
    assert "Failed" in row and "Please try again" in row


def test_coordinators_and_others_get_no_form_and_no_files(client_for, world):
    build_loop(world)
    report = services.funder_report_request(
        programme=world.programme, user=world.project_leader, year=2011, language="en"
    )
    FunderReport.objects.filter(pk=report.pk).update(status=Status.QUEUED)
    from portal.tasks import funder_report_generate

    funder_report_generate(report.pk)
    missing = FunderReport(pk=report.pk + 1000, programme=world.programme)
    coordinator = client_for(world.coordinator_a)
    page = coordinator.get(page_url(world))
    assert page.status_code == 200 and page.context["report_form"] is None
    assert "Generate the report" not in page.content.decode()
    assert coordinator.post(generate_url(world), form_data()).status_code == 403
    for client in (coordinator, client_for(world.staff_a), client_for(world.outsider)):
        for url in (
            download_url(report, "pdf"),
            download_url(missing, "pdf"),
            reverse("funder_report_status", args=[world.programme.pk, report.pk]),
        ):
            assert client.get(url).status_code == 404
    # Another programme's address for the report: as missing, also for the project leader.
    other = reverse("funder_report_download", args=[world.programme.pk + 1, report.pk, "pdf"])
    assert client_for(world.project_leader).get(other).status_code == 404
    assert FunderReport.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"foreword": "x" * (services.FOREWORD_MAX_LENGTH + 1)}, "at most 10000 characters"),
        ({"comment_loop": "y" * (services.COMMENT_MAX_LENGTH + 1)}, "at most 5000 characters"),
        ({"period": "2031"}, "Select a valid choice"),
        ({"language": "sv"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_and_kept(client_for, world, fields, message):
    client = client_for(world.project_leader)
    response = client.post(generate_url(world), form_data(**({"foreword": "Kept text"} | fields)))
    assert response.status_code == 400
    text = response.content.decode()
    assert message in text
    assert (fields.get("foreword") or "Kept text")[:50] in text
    assert not FunderReport.objects.exists()


def test_a_second_click_while_one_is_being_made_is_told_to_wait(client_for, world):
    client = client_for(world.project_leader)
    assert client.post(generate_url(world), form_data()).status_code == 302  # left waiting
    again = client.post(generate_url(world), form_data(foreword="Second try"))
    assert again.status_code == 400
    assert "being generated already" in again.content.decode()
    assert "Second try" in again.content.decode()
    assert FunderReport.objects.count() == 1


def test_the_page_queries_do_not_grow_with_the_stored_reports(client, world):
    client.force_login(world.project_leader)
    for language in ("nb", "nn"):
        services.funder_report_request(
            programme=world.programme, user=world.project_leader, year=2011, language=language
        )
    client.get(page_url(world))
    with CaptureQueriesContext(connection) as few:
        assert client.get(page_url(world)).status_code == 200
    for year in (2012, None):
        for language in ("nb", "nn", "en"):
            services.funder_report_request(
                programme=world.programme, user=world.project_leader, year=year, language=language
            )
    with CaptureQueriesContext(connection) as many:
        page = client.get(page_url(world))
    assert len(page.context["stored_reports"]) == 8
    assert len(many) == len(few)
