"""The demo model libraries: one public library in each of the five counties, with goals,
indicators, milestones, plan anchoring and a history of reports in every state.

Everything is written through the services (the plan, the reports and their cycle), so the demo
keeps their audit log; the report periods are the programme's four half-years, with dates
relative to today like the rest of the demo. Each county's library stands at another point of
the cycle, so every state can be seen: approved reports (frozen), one returned with the
coordinator's comment, one submitted again, one waiting for approval, a draft, and an overdue
period with no report. In a finished programme every report of every period is approved, written
in that state as the regional generator does (no e-mails today about reports of 2012).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from portal.demo import OSLO, DemoCalendar
from portal.models import CompetenceArea, Library, User
from portal.permissions import users_for

from . import services
from .models import (
    Indicator,
    Milestone,
    ModelLibrary,
    PlanAnchoring,
    ProgressReport,
    ReportPeriod,
)
from .selectors import report_content

# (county, municipality, project title, the states of its reports period by period)
LIBRARIES = [
    ("16", "1601", "Biblioteket som samfunnsaktør", ["approved", "approved", "draft", None]),
    ("04", "0403", "Hamar bibliotek i kommuneplanen", ["approved", "returned", None, None]),
    ("15", "1502", "Molde: kulturhus og bibliotek", ["approved", "resubmitted", None, None]),
    (
        "17",
        "1702",
        "Steinkjer: partnerskap i regionen",
        ["approved", "approved", "submitted", None],
    ),
    ("05", "0501", "Lillehammer: lokal utvikling", ["submitted", None, None, None]),
]


def _periods(programme) -> list[ReportPeriod]:
    """Four half-years from the programme's start (the demo's dates move with the calendar), each
    report due a month after its period, within the programme."""
    start, end = programme.start_date, programme.end_date
    span = (end - start).days // 4
    periods = []
    for number in range(4):
        starts = start + timedelta(days=span * number)
        ends = min(starts + timedelta(days=span - 1), end - timedelta(days=30))
        title = f"Halvår {number + 1}"
        periods.append(
            ReportPeriod.objects.filter(programme=programme, title=title).first()
            or services.report_period_save(
                programme=programme,
                saved_by=None,
                title=title,
                starts_on=starts,
                ends_on=ends,
                due_on=min(ends + timedelta(days=30), end),
            )
        )
    return periods


def _plan(model_library: ModelLibrary, by: User, areas: dict, index: int) -> None:
    programme = model_library.programme
    goal = services.goal_save(
        model_library=model_library,
        saved_by=by,
        title="Et kompetent personale som når nye brukere",
        competence_areas=[areas[c] for c in ("samfunnsaktor", "partnerskap") if c in areas],
    )
    services.indicator_save(
        goal=goal,
        saved_by=by,
        name="Andel ansatte som har fullført kursrekka",
        unit="percent",
        baseline="10",
        baseline_on=programme.start_date,
        target="80",
        target_on=programme.end_date,
        portal_figure=Indicator.PortalFigure.GATHERING,
    )
    services.indicator_save(
        goal=goal,
        saved_by=by,
        name="Arrangementer med lokale partnere",
        unit="number",
        baseline="2",
        baseline_on=programme.start_date,
        target="12",
        target_on=programme.end_date,
    )
    politics = services.goal_save(
        model_library=model_library,
        saved_by=by,
        title="Biblioteket forankret i kommunens planer",
        competence_areas=[areas[c] for c in ("politiske-prosesser", "planarbeid") if c in areas],
    )
    services.indicator_save(
        goal=politics,
        saved_by=by,
        name="Biblioteket nevnt i kommuneplanens samfunnsdel",
        unit="yes_no",
        baseline="no",
        target="yes",
        target_on=programme.end_date,
    )
    services.indicator_save(
        goal=politics, saved_by=by, name="Hva planene sier om biblioteket", unit="text"
    )
    start = programme.start_date
    for title, due, goal_of in [
        ("Kursrekka er i gang", start + timedelta(days=120), goal),
        ("Avtale med to lokale partnere", start + timedelta(days=300), goal),
        ("Innspill til kommuneplanen levert", start + timedelta(days=450), politics),
    ]:
        services.milestone_save(
            model_library=model_library, saved_by=by, title=title, due_on=due, goal=goal_of
        )
    services.plan_save(
        model_library=model_library,
        saved_by=by,
        kind=PlanAnchoring.Kind.MASTER,
        name="Kommuneplanens samfunnsdel",
        level=PlanAnchoring.Level.MUNICIPAL,
        status=PlanAnchoring.Status.MENTIONED if index % 2 else PlanAnchoring.Status.NOT_MENTIONED,
    )
    services.plan_save(
        model_library=model_library,
        saved_by=by,
        kind=PlanAnchoring.Kind.REGIONAL,
        name="Regional plan for kultur",
        level=PlanAnchoring.Level.REGIONAL,
        status=PlanAnchoring.Status.ADOPTED if index < 3 else PlanAnchoring.Status.MENTIONED,
        decided_on=programme.start_date + timedelta(days=60) if index < 3 else None,
    )


def _report(model_library, period, state, by, number: int, *, finished: bool) -> None:
    report = services.report_create(model_library=model_library, period=period, created_by=by)
    values = {}
    for indicator in Indicator.objects.filter(goal__model_library=model_library):
        values[indicator.pk] = {
            "percent": (str(10 + 18 * (number + 1)), ""),
            "number": (str(2 + 3 * (number + 1)), ""),
            "yes_no": ("yes" if number >= 2 else "no", ""),
            "text": ("Biblioteket er nevnt i høringsutkastet.", ""),
        }[indicator.unit]
    milestone = model_library.milestones.order_by("due_on")[min(number, 2)]
    services.report_update(
        report=report,
        updated_by=by,
        narrative={
            "activities": f"Samlinger for personalet og to arrangementer ({period.title}).",
            "results": "Flere ansatte har tatt kursrekka; nye samarbeidspartnere.",
            "challenges": "Lite tid til planarbeid i travle perioder.",
            "next_steps": "Møte med kommunens planavdeling.",
        },
        values=values,
        milestones={
            milestone.pk: (
                Milestone.Status.DONE,
                min(period.ends_on, timezone.localdate()),
                "Gjennomført.",
            )
        },
    )
    if state == "draft":
        return
    if finished:
        _approved_when_due(report, period)
        return
    services.report_submit(report=report, submitted_by=by)
    if state == "submitted":
        return
    coordinator = users_for("decide", report).order_by("pk").first()
    if state in ("returned", "resubmitted"):
        services.report_return(
            report=report,
            returned_by=coordinator,
            comment="Skriv litt mer om hvordan samarbeidet med kommunen har gått.",
        )
        if state == "resubmitted":
            services.report_submit(report=report, submitted_by=by)
        return
    services.report_approve(report=report, approved_by=coordinator, comment="Godt arbeid!")


def _approved_when_due(report: ProgressReport, period: ReportPeriod) -> None:
    """A report of a programme that is over, written in the state it ended in (as the regional
    generator writes its reports): its milestones updated, submitted a week before it was due,
    approved five days later and its content frozen, without the e-mails the services would send
    today about a report of 2012."""
    services._apply_milestone_updates(report)
    submitted = datetime.combine(period.due_on - timedelta(days=7), time(12), tzinfo=OSLO)
    report.status = ProgressReport.Status.APPROVED
    report.submitted_at, report.approved_at = submitted, submitted + timedelta(days=5)
    report.frozen = report_content(report=report)
    report.save(update_fields=["status", "submitted_at", "approved_at", "frozen", "updated_at"])


@transaction.atomic
def model_library_demo_load(*, programme, calendar: DemoCalendar | None = None) -> None:
    calendar = calendar or DemoCalendar.current()
    if ModelLibrary.objects.filter(programme=programme).exists():
        return
    periods = _periods(programme)
    areas = {a.code: a for a in CompetenceArea.objects.filter(programme=programme)}
    for index, (county, municipality, title, states) in enumerate(LIBRARIES):
        library = Library.objects.filter(
            county__number=county, municipality_number=municipality, kind=Library.Kind.PUBLIC
        ).first()
        if library is None or not programme.counties.filter(number=county).exists():
            continue
        model_library = services.model_library_appoint(
            programme=programme,
            library=library,
            appointed_by=None,
            title=title,
            description=(
                f"{library} bygger kompetanse i hele personalet og forankrer biblioteket i "
                "kommunens og regionens planer."
            ),
            starts_on=programme.start_date,
            ends_on=programme.end_date,
            competence_areas=list(areas.values())[:3],
        )
        # The portal's demo gives every county a library leader and staff (portal.demo).
        by = users_for("member", model_library).order_by("pk").first()
        if by is None:
            continue
        _plan(model_library, by, areas, index)
        if calendar.finished:
            states = ["approved"] * len(periods)
        for number, (period, state) in enumerate(zip(periods, states, strict=True)):
            if state is not None:
                _report(model_library, period, state, by, number, finished=calendar.finished)
