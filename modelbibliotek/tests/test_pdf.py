"""A report downloads as a PDF with its tables and charts, through the policy."""

import pytest
from django.urls import reverse

from modelbibliotek.pdf import report_pdf
from modelbibliotek.selectors import report_display, report_history

from .factories import model_library, periods, report_at

pytestmark = pytest.mark.django_db


def test_an_approved_report_as_pdf(world, client_for):
    project = model_library(world)
    report = report_at(project, periods(world.programme, 1)[0], "approved", value="35")
    body = report_pdf(
        report=report,
        content=report_display(report=report),
        comments=list(report.comments.all()),
        history=report_history(report=report),
        compress=False,
    )
    assert body.startswith(b"%PDF-")
    for text in (b"Periode 1", b"35 %", b"80 %", b"Approved the report", b"Milestones"):
        assert text in body, text
    response = client_for(world.staff_a).get(reverse("modelbibliotek:report_pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    other = client_for(world.staff_b).get(reverse("modelbibliotek:report_pdf", args=[report.pk]))
    assert other.status_code == 404
