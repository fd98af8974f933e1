"""The stored report to the funder: the service and its task make a PDF and a DOCX from the
dashboard's figures (hand-computed in portal/tests/test_dashboard.py's `build_loop`), in the
chosen language, with the foreword and the comments; failures end as "failed" and can be asked
again; one report at a time per programme, period and language, also under parallel clicks."""

from __future__ import annotations

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from courses.tests.test_concurrency import run_at_once
from portal import funder_documents, services
from portal.models import FunderReport, RoleAssignment
from portal.tasks import funder_report_generate
from portal.tests.test_dashboard import build_loop
from tests.test_two_servers import BUCKET, object_store  # noqa: F401 - the object store fixture

pytestmark = pytest.mark.django_db
Status = FunderReport.Status


def pdf_text(report: FunderReport) -> str:
    with report.pdf.open("rb") as file:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(file.read())).pages)
    return re.sub(r"\s+", " ", text)


def docx_text(report: FunderReport) -> str:
    with report.docx.open("rb") as file:
        document = Document(io.BytesIO(file.read()))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return re.sub(r"\s+", " ", "\n".join(parts))


def generate(world, capture, **fields) -> FunderReport:
    arguments = {"programme": world.programme, "user": world.project_leader, "year": None}
    arguments |= {"language": "en"} | fields
    with capture(execute=True):
        report = services.funder_report_request(**arguments)
    report.refresh_from_db()
    return report


def test_the_report_holds_the_dashboards_figures_in_pdf_and_docx(
    world, django_capture_on_commit_callbacks
):
    build_loop(world)
    report = generate(
        world,
        django_capture_on_commit_callbacks,
        foreword="The programme reached both counties.",
        comments={"loop": "Samarbeid improved most.", "courses": "Courses were full."},
    )
    assert (report.status, report.progress, report.message) == (Status.DONE, 100, "")
    assert report.finished_at and report.pdf.name.endswith(".pdf")
    assert report.docx.name.endswith(".docx")
    for text in (pdf_text(report), docx_text(report)):
        assert "Report to the funder – Kompetente regionbibliotek" in text
        assert "The whole programme period (2011–2012)" in text
        assert "Foreword" in text and "The programme reached both counties." in text
        # Key figures (county A's attendance, 3 of 3) and the loop matrix (A's Samarbeid gap
        # before, 4.00); Hedmark's follow-up has too few answers, so it shows none.
        assert "Attendance rate" in text and "100 % (3 of 3)" in text
        assert "Gap before: 4.00" in text and "too few answers" in text
        assert "Competence change per county and area" in text
        assert "Samarbeid improved most." in text and "Courses were full." in text
        assert "Courses, gatherings and attendance per county" in text
        assert "Budget" in text


@pytest.mark.parametrize(
    ("language", "foreword", "title"),
    [
        ("nn", "Føreord", "Rapport til tilskotsgjevar – Kompetente regionbibliotek"),
        ("nb", "Forord", "Rapport til tilskuddsgiver – Kompetente regionbibliotek"),
        ("en", "Foreword", "Report to the funder – Kompetente regionbibliotek"),
    ],
)
def test_the_report_is_written_in_the_chosen_language(
    world, django_capture_on_commit_callbacks, language, foreword, title
):
    build_loop(world)
    report = generate(
        world, django_capture_on_commit_callbacks, language=language, foreword="Eit godt år."
    )
    for text in (pdf_text(report), docx_text(report)):
        assert title in text
        assert foreword in text
    if language == "nn":
        assert "Kompetanseendring per fylke og område" in docx_text(report)


def test_a_year_report_counts_that_year(world, django_capture_on_commit_callbacks):
    build_loop(world)
    report = generate(world, django_capture_on_commit_callbacks, year=2011)
    assert report.status == Status.DONE
    assert "Report period 2011" in docx_text(report).replace(":", "")
    assert report.pdf.name.startswith("funder-reports/")


def test_a_failure_ends_as_failed_and_can_be_asked_again(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("ReportLab broke")

    monkeypatch.setattr(funder_documents, "funder_report_pdf", broken)
    report = generate(world, django_capture_on_commit_callbacks)
    assert report.status == Status.FAILED and report.message == services.REPORT_FAILED
    assert not report.pdf and report.finished_at
    monkeypatch.undo()
    again = generate(world, django_capture_on_commit_callbacks)
    assert again.status == Status.DONE


def test_a_broker_that_refuses_the_task_leaves_a_failed_report(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    def refused(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(funder_report_generate, "delay", refused)
    report = generate(world, django_capture_on_commit_callbacks)
    assert report.status == Status.FAILED and report.message == services.REPORT_NOT_STARTED


def test_the_task_makes_a_waiting_report_once(world):
    report = services.funder_report_request(
        programme=world.programme, user=world.project_leader, year=2012, language="nn"
    )  # no commit in this test's transaction: the task has not run
    assert report.status == Status.QUEUED
    funder_report_generate(report.pk)
    report.refresh_from_db()
    assert report.status == Status.DONE and "Føreord" not in docx_text(report)  # none written
    first = report.pdf.name
    funder_report_generate(report.pk)  # delivered twice: nothing more happens
    report.refresh_from_db()
    assert report.pdf.name == first
    funder_report_generate(report.pk + 1000)  # a report deleted meanwhile: nothing to do


def test_a_person_who_lost_the_role_gets_no_report(world):
    report = services.funder_report_request(
        programme=world.programme, user=world.project_leader, year=None, language="en"
    )
    RoleAssignment.objects.filter(user=world.project_leader).delete()
    funder_report_generate(report.pk)
    report.refresh_from_db()
    assert report.status == Status.FAILED and report.message == services.REPORT_NOT_ALLOWED


def test_one_report_at_a_time_per_period_and_language(world):
    def request(**fields):
        arguments = {"programme": world.programme, "user": world.project_leader}
        return services.funder_report_request(**(arguments | {"year": 2011} | fields))

    request(language="nb")
    with pytest.raises(ValidationError, match="being generated already"):
        request(language="nb")
    request(language="nn")  # another language
    request(language="nb", year=None)  # another period
    # A report that stopped showing signs of life is given up, so it can be asked again.
    FunderReport.objects.filter(language="nb", year=2011).update(
        updated_at=services.timezone.now() - services.FUNDER_REPORT_STALE_AFTER * 2
    )
    request(language="nb")
    stale = FunderReport.objects.filter(language="nb", year=2011).order_by("pk").first()
    assert (stale.status, stale.message) == (Status.FAILED, services.REPORT_STOPPED)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"foreword": "x" * (services.FOREWORD_MAX_LENGTH + 1)}, "foreword"),
        ({"comments": {"loop": "x" * (services.COMMENT_MAX_LENGTH + 1)}}, "comment_loop"),
        ({"language": "sv"}, "language"),
        ({"year": 2030}, "period"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(world, fields, field):
    arguments = {"programme": world.programme, "user": world.project_leader, "year": None}
    with pytest.raises(ValidationError) as refused:
        services.funder_report_request(**(arguments | {"language": "en"} | fields))
    assert field in refused.value.error_dict
    assert not FunderReport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_parallel_clicks_start_one_report(world, monkeypatch):
    monkeypatch.setattr(services, "_funder_report_start", lambda report_id: None)
    errors = run_at_once(
        [
            lambda: services.funder_report_request(
                programme=world.programme, user=world.project_leader, year=2012, language="nb"
            )
        ]
        * 4
    )
    assert FunderReport.objects.count() == 1
    assert len(errors) == 3 and all(isinstance(e, ValidationError) for e in errors)


def test_a_panel_another_app_registers_appears_with_its_comment(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    """The documents follow the overview's panels and tables, whatever app adds them."""
    from portal import dashboard

    def costs_panel(*, programme, county_ids, user, **kwargs):
        return dashboard.DashboardPanel(
            key="travel",
            title="Travel costs",
            template="portal/dashboard/reach.html",
            order=60,
            tables=[
                dashboard.DashboardTable(
                    "travel", "Travel per county", ["County", "NOK"], [["X", 1234]]
                )
            ],
        )

    monkeypatch.setattr(dashboard, "providers", [*dashboard.providers, costs_panel])
    report = generate(world, django_capture_on_commit_callbacks, comments={"travel": "Cheap."})
    for text in (pdf_text(report), docx_text(report)):
        assert "Travel costs" in text and "Travel per county" in text and "NOK" in text
        assert "Cheap." in text


def test_the_files_are_kept_in_an_s3_object_store(
    world,
    settings,
    object_store,  # noqa: F811 - the fixture imported above
    client_for,
    django_capture_on_commit_callbacks,
):
    import boto3

    settings.STORAGES = settings.STORAGES | {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": object_store,
                "region_name": "eu-north-1",
                "access_key": "test",
                "secret_key": "test",
                "location": "media",
                "default_acl": "private",
                "file_overwrite": False,
            },
        }
    }
    report = generate(world, django_capture_on_commit_callbacks, year=2011)
    assert report.status == Status.DONE
    keys = [
        item["Key"]
        for item in boto3.client(
            "s3",
            endpoint_url=object_store,
            region_name="eu-north-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",  # noqa: S106 - moto accepts any
        ).list_objects_v2(Bucket=BUCKET)["Contents"]
    ]
    assert f"media/{report.pdf.name}" in keys and f"media/{report.docx.name}" in keys
    download = reverse("funder_report_download", args=[world.programme.pk, report.pk, "pdf"])
    response = client_for(world.project_leader).get(download)
    assert b"".join(response.streaming_content).startswith(b"%PDF")
