"""The exchange's panel of the programme dashboard: placements, reports and what they cost.

Counted per participant's home county (the county whose staff learnt): placements (not
cancelled), completed, with a report, with the host's feedback, and the planned and actual
costs; per competence area, the completed placements with a report on offers of that area, so
the reader sees which gaps the exchange worked on. A coordinator sees their counties only; the
total row is the project leader's. Four queries, whatever the number of placements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboard import (
    ActivityCosts,
    DashboardPanel,
    DashboardTable,
    KeyFigure,
    LoopFigure,
    TimelineEvent,
    dashboard_areas,
    dashboard_counties,
    register,
    register_costs,
    register_timeline,
)

from .models import Offer, OfferPeriod
from .selectors import exchange_costs, exchange_statistics


@dataclass
class ExchangeRow:
    label: str
    placements: int = 0
    completed: int = 0
    reports: int = 0
    feedback: int = 0
    planned: Decimal = Decimal("0")
    actual: Decimal = Decimal("0")
    per_area: list[int] = field(default_factory=list)


@register
def exchange_panel(*, programme, county_ids, user, period=None, **kwargs) -> DashboardPanel:
    counties = dashboard_counties(programme=programme, county_ids=county_ids)
    areas = dashboard_areas(programme=programme)
    statistics = exchange_statistics(programme=programme, county_ids=county_ids, period=period)
    costs = exchange_costs(programme=programme, county_ids=county_ids, period=period)
    rows = []
    for county in counties:
        figures = statistics["per_county"].get(county.pk, {})
        cost = costs["counties"].get(county.pk)
        rows.append(
            ExchangeRow(
                label=county.name,
                placements=figures.get("placements", 0),
                completed=figures.get("completed", 0),
                reports=figures.get("reports", 0),
                feedback=figures.get("feedback", 0),
                planned=cost.planned if cost else Decimal("0"),
                actual=cost.actual if cost else Decimal("0"),
                per_area=[
                    statistics["per_area_county"].get(area.pk, {}).get(county.pk, 0)
                    for area in areas
                ],
            )
        )
    total = None
    if county_ids is None:
        total = ExchangeRow(
            label=_("All counties"),
            placements=sum(r.placements for r in rows),
            completed=sum(r.completed for r in rows),
            reports=sum(r.reports for r in rows),
            feedback=sum(r.feedback for r in rows),
            planned=costs["total"].planned,
            actual=costs["total"].actual,
            per_area=[sum(r.per_area[i] for r in rows) for i in range(len(areas))],
        )
    panel = DashboardPanel(
        key="exchange",
        title=gettext_lazy("Job shadowing"),
        template="hospitering/dashboard_panel.html",
        context={
            "rows": rows,
            "total": total,
            "areas": [area.localized_name for area in areas],
            "funding": list(costs["funding"].values()) if county_ids is None else [],
            "calendar_url": reverse("hospitering:calendar"),
        },
        order=40,
    )
    for county, row in zip(counties, rows, strict=True):
        panel.key_figures[county.pk] = [
            KeyFigure(
                _("Job shadowing: applied / approved / with a report"),
                f"{statistics['applied'].get(county.pk, 0)} / {row.placements} / {row.reports}",
                order=40,
                key="job-shadowing-applied-approved-reported",
            )
        ]
        for area, count in zip(areas, row.per_area, strict=True):
            panel.loop[(county.pk, area.pk)] = [LoopFigure(4, _("Exchange reports"), str(count))]
    panel.tables.append(
        DashboardTable(
            key="exchange",
            title=_("Job shadowing per home county"),
            columns=[
                _("County"),
                _("Placements"),
                _("Completed"),
                _("Reports"),
                _("Host feedback"),
                _("Planned cost"),
                _("Actual cost"),
            ],
            rows=[
                [r.label, r.placements, r.completed, r.reports, r.feedback, r.planned, r.actual]
                for r in [*rows, *([total] if total else [])]
            ],
        )
    )
    return panel


@register_costs
def exchange_costs_for_budget(*, programme, county_ids, period=None) -> ActivityCosts:
    """The exchanges' actual costs for the dashboard's budget, in the participant's home county."""
    costs = exchange_costs(programme=programme, county_ids=county_ids, period=period)
    return ActivityCosts(
        label=_("job shadowing"),
        counties={pk: row.actual for pk, row in costs["counties"].items()},
        funding={pk: row.actual for pk, row in costs["funding"].items()},
        order=40,
    )


@register_timeline
def exchange_timeline(*, programme, county_ids, period=None) -> list[TimelineEvent]:
    """The periods in which host libraries of the counties the reader sees take visitors (offers
    not withdrawn). One query."""
    periods = (
        OfferPeriod.objects.filter(offer__programme=programme)
        .exclude(offer__status=Offer.Status.WITHDRAWN)
        .select_related("offer__host_library__county")
    )
    if county_ids is not None:
        periods = periods.filter(offer__host_library__county_id__in=county_ids)
    if period is not None:
        periods = periods.filter(starts_on__lte=period.end, ends_on__gte=period.start)
    return [
        TimelineEvent(
            day=p.starts_on,
            until=p.ends_on,
            kind="exchange",
            kind_label=_("Job-shadowing period"),
            title=f"{p.offer.host_library}: {p.offer.title}",
            county=p.offer.host_library.county,
        )
        for p in periods
    ]
