"""Model libraries for tests, built through the services (so fixtures walk the real paths), and a
report in any state of its cycle (`report_at`)."""

from __future__ import annotations

from datetime import timedelta

from modelbibliotek import services
from modelbibliotek.models import Indicator, Milestone, ModelLibrary, PlanAnchoring, ReportPeriod
from portal.permissions import users_for


def periods(programme, count: int = 3) -> list[ReportPeriod]:
    """Half-year-ish report periods from the programme's start, each due 30 days after its end."""
    made = []
    start = programme.start_date
    for number in range(count):
        ends = start + timedelta(days=90)
        made.append(
            services.report_period_save(
                programme=programme,
                saved_by=None,
                title=f"Periode {number + 1}",
                starts_on=start,
                ends_on=ends,
                due_on=ends + timedelta(days=30),
            )
        )
        start = ends + timedelta(days=1)
    return made


def model_library(world, library=None, *, goals: int = 1, title="Biblioteket i planene"):
    """A model library of `library` (library A by default) with a goal, a percent and a yes/no
    indicator, two milestones and a plan anchoring."""
    library = library or world.library_a
    coordinator = (
        world.coordinator_a if library.county_id == world.county_a.pk else world.coordinator_b
    )
    programme = world.programme
    project = services.model_library_appoint(
        programme=programme,
        library=library,
        appointed_by=coordinator,
        title=title,
        description="Et modellbibliotek.",
        starts_on=programme.start_date,
        ends_on=programme.end_date,
        competence_areas=world.areas[:1],
    )
    for number in range(goals):
        goal = services.goal_save(
            model_library=project,
            saved_by=coordinator,
            title=f"Mål {number + 1}",
            competence_areas=world.areas[:2],
        )
        services.indicator_save(
            goal=goal,
            saved_by=coordinator,
            name=f"Andel ansatte som fullførte kursrekka {number + 1}",
            unit="percent",
            baseline="10",
            baseline_on=programme.start_date,
            target="80",
            target_on=programme.end_date,
            portal_figure=Indicator.PortalFigure.GATHERING,
        )
        services.indicator_save(
            goal=goal,
            saved_by=coordinator,
            name=f"Biblioteket nevnt i kommuneplanen {number + 1}",
            unit="yes_no",
            baseline="no",
            target="yes",
        )
        services.milestone_save(
            model_library=project,
            saved_by=coordinator,
            goal=goal,
            title=f"Kursrekke i gang {number + 1}",
            due_on=programme.start_date + timedelta(days=60),
        )
    services.plan_save(
        model_library=project,
        saved_by=coordinator,
        kind=PlanAnchoring.Kind.MASTER,
        name="Kommuneplanens samfunnsdel",
        level=PlanAnchoring.Level.MUNICIPAL,
        status=PlanAnchoring.Status.MENTIONED,
    )
    return project


def writer(report_or_project):
    return users_for("edit", report_or_project).order_by("pk").first()


def decider(report):
    return users_for("decide", report).order_by("pk").first()


def report_at(project: ModelLibrary, period: ReportPeriod, state: str, *, value: str = "40"):
    """A report of the period in `state` (draft, submitted, returned, resubmitted, approved),
    with a value for every indicator and the first milestone started."""
    person = users_for("lead", project).first() or writer(project)
    report = services.report_create(model_library=project, period=period, created_by=person)
    values = {
        i.pk: ("yes" if i.unit == "yes_no" else value, "")
        for i in Indicator.objects.filter(goal__model_library=project)
    }
    first = project.milestones.first()
    services.report_update(
        report=report,
        updated_by=person,
        narrative={"activities": "Vi holdt tre samlinger.", "results": "Flere lånere."},
        values=values,
        milestones={first.pk: (Milestone.Status.STARTED, None, "")} if first else {},
    )
    if state == "draft":
        return report
    services.report_submit(report=report, submitted_by=person)
    if state == "submitted":
        return report
    services.report_return(report=report, returned_by=decider(report), comment="Mer om effekt.")
    if state == "returned":
        return _fresh(report)
    services.report_submit(report=report, submitted_by=person)
    if state == "resubmitted":
        return _fresh(report)
    services.report_approve(report=report, approved_by=decider(report))
    return _fresh(report)


def _fresh(report):
    report.refresh_from_db()
    return report
