"""The model libraries' part of the generated regional programme: two model libraries in each
county, each with three goals, two indicators a goal, four milestones and three plans, and a
report for each of the programme's four half-years in every state of the cycle (approved ones
frozen as the services freeze them). Written with bulk_create, a few INSERTs per table."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from portal.models import Library
from portal.region import (
    PageVisit,
    Region,
    register_pages,
    register_region,
    register_region_cleanup,
)

from .models import (
    Goal,
    Indicator,
    IndicatorValue,
    Milestone,
    ModelLibrary,
    PlanAnchoring,
    ProgressReport,
    ReportPeriod,
    Unit,
)
from .selectors import report_content

PER_COUNTY = 2
STATES = [
    ProgressReport.Status.APPROVED,
    ProgressReport.Status.APPROVED,
    ProgressReport.Status.RETURNED,
    ProgressReport.Status.SUBMITTED,
    ProgressReport.Status.DRAFT,
]


def _periods(region: Region) -> list[ReportPeriod]:
    programme = region.programme
    start, end = programme.start_date, programme.end_date
    span = (end - start).days // 4
    periods = []
    for number in range(4):
        starts = start + timedelta(days=span * number)
        ends = min(starts + timedelta(days=span - 1), end - timedelta(days=30))
        periods.append(
            ReportPeriod(
                programme=programme,
                title=f"Halvår {number + 1}",
                starts_on=starts,
                ends_on=ends,
                due_on=min(ends + timedelta(days=30), end),
            )
        )
    return ReportPeriod.objects.bulk_create(periods)


def _projects(region: Region, rng) -> list[ModelLibrary]:
    programme = region.programme
    projects = []
    for county in region.counties:
        public = [
            lib
            for lib in region.libraries
            if lib.county_id == county.pk and lib.kind == Library.Kind.PUBLIC
        ]
        for library in rng.sample(public, min(region.size(PER_COUNTY), len(public))):
            projects.append(
                ModelLibrary(
                    programme=programme,
                    library=library,
                    title=f"Modellbibliotek {library.name}",
                    description="Kompetanse i hele personalet og biblioteket i planene.",
                    starts_on=programme.start_date,
                    ends_on=programme.end_date,
                    appointed_by=region.coordinators.get(county.pk),
                )
            )
    return ModelLibrary.objects.bulk_create(projects)


def _plan(projects, region: Region, rng) -> list[Indicator]:
    goals = Goal.objects.bulk_create(
        Goal(model_library=p, title=f"Mål {n + 1}", position=n) for p in projects for n in range(3)
    )
    programme = region.programme
    indicators = Indicator.objects.bulk_create(
        Indicator(
            goal=goal,
            name=name,
            unit=unit,
            baseline_number=Decimal(baseline),
            baseline_on=programme.start_date,
            target_number=Decimal(target),
            target_on=programme.end_date,
            position=n,
        )
        for goal in goals
        for n, (name, unit, baseline, target) in enumerate(
            [
                ("Andel ansatte som har fullført kursrekka", Unit.PERCENT, 10, 80),
                ("Arrangementer med lokale partnere", Unit.NUMBER, 2, 12),
            ]
        )
    )
    span = (programme.end_date - programme.start_date).days
    Milestone.objects.bulk_create(
        Milestone(
            model_library=p,
            title=f"Milepæl {n + 1}",
            due_on=programme.start_date + timedelta(days=span * (n + 1) // 5),
            status=rng.choice(Milestone.OPEN_STATUSES),
        )
        for p in projects
        for n in range(4)
    )
    PlanAnchoring.objects.bulk_create(
        PlanAnchoring(
            model_library=p,
            kind=kind,
            name=name,
            level=level,
            status=status,
            decided_on=programme.start_date if status == PlanAnchoring.Status.ADOPTED else None,
        )
        for p in projects
        for (kind, name, level), status in zip(
            [
                (PlanAnchoring.Kind.MASTER, "Kommuneplanens samfunnsdel", "municipal"),
                (PlanAnchoring.Kind.LIBRARY, "Bibliotekplan", "municipal"),
                (PlanAnchoring.Kind.REGIONAL, "Regional plan for kultur", "regional"),
            ],
            rng.choices(PlanAnchoring.Status.values, k=3),
            strict=True,
        )
    )
    return indicators


def _reports(projects, periods, indicators, region: Region, rng) -> int:
    today = region.now.date()
    reports = []
    for index, project in enumerate(projects):
        for number, period in enumerate(periods):
            if period.starts_on > today:
                continue
            status = STATES[(index + number) % len(STATES)]
            reports.append(
                ProgressReport(
                    model_library=project,
                    period=period,
                    status=status,
                    activities="Samlinger og arrangementer.",
                    results="Flere ansatte har fullført kursrekka.",
                    submitted_at=None if status == ProgressReport.Status.DRAFT else region.now,
                    # Filled below, once the values exist (the database asks for it at once).
                    frozen={} if status == ProgressReport.Status.APPROVED else None,
                )
            )
    reports = ProgressReport.objects.bulk_create(reports)
    by_project: dict[int, list] = {}
    for indicator in indicators:
        by_project.setdefault(indicator.goal.model_library_id, []).append(indicator)
    highest = {Unit.PERCENT: 90, Unit.NUMBER: 15}
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            indicator=indicator,
            report=report,
            unit=indicator.unit,
            number=Decimal(rng.randint(1, highest[indicator.unit])),
        )
        for report in reports
        for indicator in by_project[report.model_library_id]
    )
    approved = [r for r in reports if r.status == ProgressReport.Status.APPROVED]
    for report in approved:
        report.frozen = report_content(report=report)
    ProgressReport.objects.bulk_update(approved, ["frozen"])
    return len(reports)


@register_region_cleanup
def model_libraries_region_delete(programme) -> None:
    # Reports hold their period and indicator values their indicator (both protected).
    ProgressReport.objects.filter(model_library__programme=programme).delete()
    ModelLibrary.objects.filter(programme=programme).delete()


@register_region
def model_libraries(region: Region) -> str:
    rng = region.random("modelbibliotek")
    periods = _periods(region)
    projects = _projects(region, rng)
    indicators = _plan(projects, region, rng)
    reports = _reports(projects, periods, indicators, region, rng)
    return f"{len(projects)} model libraries with {reports} progress reports"


@register_pages
def model_library_pages(programme) -> list[PageVisit]:
    overview = reverse("modelbibliotek:model_library_list") + f"?programme={programme.pk}"
    pages = [
        PageVisit("model library overview", overview, "leader"),
        PageVisit("model library overview", overview, "coordinator"),
    ]
    for pk, county_id in ModelLibrary.objects.filter(programme=programme).values_list(
        "pk", "library__county_id"
    ):
        url = reverse("modelbibliotek:model_library_detail", args=[pk])
        pages.append(PageVisit("model library", url, "coordinator", county_id=county_id))
    return pages
