"""What the model libraries hold about a person is in their export and loses their name when
they are erased; the reports and their figures stay."""

import pytest

from modelbibliotek import services
from modelbibliotek.models import ProgressReport, ReportComment
from portal import privacy

from .factories import model_library, periods, report_at

pytestmark = pytest.mark.django_db


def test_export_and_erasure(world):
    project = model_library(world)
    services.model_library_update(
        model_library=project,
        updated_by=world.coordinator_a,
        title=project.title,
        starts_on=project.starts_on,
        ends_on=project.ends_on,
        contact_people=[world.staff_a],
    )
    report = report_at(project, periods(world.programme, 1)[0], "returned")
    services.report_comment(report=report, author=world.staff_a, text="Vi retter det nå.")
    sections = {s.name: s.rows for s in privacy.personal_data_sections(user=world.staff_a)}
    assert sections["model-library-contacts"] == [
        {"model_library": project.title, "library": "Trondheim folkebibliotek"}
    ]
    assert sections["model-library-report-comments"][0]["comment"] == "Vi retter det nå."
    privacy.person_erase(erased_by=world.site_admin, person=world.staff_a)
    assert not project.contact_people.exists()
    assert ReportComment.objects.get(text="Vi retter det nå.").author is None
    assert ProgressReport.objects.get(pk=report.pk).status == ProgressReport.Status.RETURNED
