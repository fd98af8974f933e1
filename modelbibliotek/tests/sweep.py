"""The model libraries' pages for the accessibility sweep (tests/sweep.py)."""

from modelbibliotek.models import ModelLibrary, ProgressReport, ReportPeriod
from tests.sweep import Page

from .factories import writer

POST_ONLY = "a form's POST only"
NOT_PAGES = {
    "modelbibliotek:report_create": POST_ONLY,
    "modelbibliotek:report_submit": POST_ONLY,
    "modelbibliotek:report_decide": POST_ONLY,
    "modelbibliotek:report_comment": POST_ONLY,
    "modelbibliotek:attachment_add": POST_ONLY,
    "modelbibliotek:attachment_delete": POST_ONLY,
    "modelbibliotek:attachment_download": "the attached file",
    "modelbibliotek:overview_csv": "a CSV file",
    "modelbibliotek:overview_xlsx": "an Excel file",
    "modelbibliotek:report_pdf": "a PDF file",
}


def pages(world) -> list[Page]:
    manager = world.coordinator_a
    project = ModelLibrary.objects.get(library=world.library_a)
    library_writer = writer(project)
    goal = project.goals.first()
    indicator = goal.indicators.first()
    milestone = project.milestones.first()
    plan = project.plans.first()
    period = ReportPeriod.objects.first()
    Status = ProgressReport.Status
    draft = project.reports.filter(status=Status.DRAFT).first()
    submitted = project.reports.filter(status=Status.SUBMITTED).first()
    ids = {"pk": project.pk}
    return [
        Page("modelbibliotek:model_library_list", manager),
        Page("modelbibliotek:model_library_appoint", world.project_leader),
        Page("modelbibliotek:period_list", world.project_leader),
        Page("modelbibliotek:period_add", world.project_leader),
        Page("modelbibliotek:period_update", world.project_leader, {"period_pk": period.pk}),
        Page("modelbibliotek:model_library_detail", manager, ids),
        Page("modelbibliotek:model_library_update", library_writer, ids),
        Page("modelbibliotek:goal_add", library_writer, ids),
        Page("modelbibliotek:goal_update", library_writer, {**ids, "goal_pk": goal.pk}),
        Page("modelbibliotek:indicator_add", library_writer, {**ids, "goal_pk": goal.pk}),
        Page(
            "modelbibliotek:indicator_update",
            library_writer,
            {**ids, "goal_pk": goal.pk, "indicator_pk": indicator.pk},
        ),
        Page("modelbibliotek:milestone_add", library_writer, ids),
        Page(
            "modelbibliotek:milestone_update", library_writer, {**ids, "milestone_pk": milestone.pk}
        ),
        Page("modelbibliotek:plan_add", library_writer, ids),
        Page("modelbibliotek:plan_update", library_writer, {**ids, "plan_pk": plan.pk}),
        Page("modelbibliotek:report_detail", manager, {"pk": submitted.pk}),
        Page("modelbibliotek:report_edit", library_writer, {"pk": draft.pk}),
    ]
