"""Every model library side by side, with a traffic light for each of four questions:

- reports on time: red when a report is overdue (due and not submitted), amber when one is
  returned or due within the reminder days and not submitted, green otherwise;
- milestones: green when none is late, amber when one is, red when more are;
- indicators on track: of the numeric indicators with a baseline, a target and a reported value,
  the share whose latest value has come at least as far from the baseline towards the target as
  the time since the baseline date asks (straight line to the target date): green from 75 %,
  amber from 40 %, red below; grey when no indicator can be judged yet;
- plan anchoring: green when a plan is adopted with library content, amber when the library is
  mentioned in one, red when in none.

Each light has a word beside its colour (never colour alone). Eight queries whatever the number
of model libraries (the policy's scope, the model libraries, reports, periods, milestones,
indicators, values and plans).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from .models import (
    NUMERIC_UNITS,
    Indicator,
    IndicatorValue,
    Milestone,
    ModelLibrary,
    PlanAnchoring,
    ProgressReport,
    ReportPeriod,
)

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"
Status = ProgressReport.Status
TOLD = (Status.SUBMITTED, Status.APPROVED)


@dataclass
class Light:
    colour: str
    label: str
    detail: str = ""

    @property
    def word(self) -> str:
        return {
            GREEN: _("Good"),
            AMBER: _("Watch"),
            RED: _("Needs action"),
            GREY: _("No data yet"),
        }[self.colour]


@dataclass
class Row:
    model_library: ModelLibrary
    reports: Light
    milestones: Light
    indicators: Light
    plans: Light

    @property
    def lights(self) -> list[Light]:
        return [self.reports, self.milestones, self.indicators, self.plans]


def _reports_light(periods, statuses: dict[int, str], today: date) -> Light:
    """`statuses`: each period's report's status, by the period's id (none: no report yet)."""
    soon = today + timedelta(days=settings.MODELBIBLIOTEK_REMINDER_DAYS)
    overdue = returned = due_soon = 0
    for period in periods:
        status = statuses.get(period.pk)
        told = status in TOLD
        if period.due_on < today and not told:
            overdue += 1
        elif status == Status.RETURNED:
            returned += 1
        elif today <= period.due_on <= soon and not told:
            due_soon += 1
    if overdue:
        return Light(RED, _("Reports"), _("%(count)s overdue") % {"count": overdue})
    if returned or due_soon:
        return Light(
            AMBER,
            _("Reports"),
            _("%(returned)s returned, %(soon)s due soon")
            % {"returned": returned, "soon": due_soon},
        )
    return Light(GREEN, _("Reports"), _("On time"))


def _milestones_light(milestones, today: date) -> Light:
    late = sum(1 for m in milestones if m.is_late(today))
    detail = _("%(late)s of %(total)s late") % {"late": late, "total": len(milestones)}
    colour = GREEN if late == 0 else AMBER if late == 1 else RED
    return Light(colour, _("Milestones"), detail)


def _on_track(indicator: Indicator, latest: tuple[date, Decimal] | None) -> bool | None:
    """Whether the latest value is where a straight line from baseline to target says it should
    be by then; None when the indicator cannot be judged."""
    if indicator.unit not in NUMERIC_UNITS or latest is None:
        return None
    baseline, target = indicator.baseline_number, indicator.target_number
    if baseline is None or target is None or baseline == target:
        return None
    on, value = latest
    if (
        indicator.baseline_on
        and indicator.target_on
        and indicator.target_on > indicator.baseline_on
    ):
        elapsed = (on - indicator.baseline_on).days / (
            indicator.target_on - indicator.baseline_on
        ).days
        share = Decimal(str(min(max(elapsed, 0.0), 1.0)))
    else:
        share = Decimal(1)
    expected = baseline + (target - baseline) * share
    return value >= expected if target > baseline else value <= expected


def _indicators_light(indicators, latest: dict) -> Light:
    judged = [_on_track(i, latest.get(i.pk)) for i in indicators]
    judged = [j for j in judged if j is not None]
    if not judged:
        return Light(GREY, _("Indicators"), _("None can be judged yet"))
    on_track = sum(judged)
    share = on_track / len(judged)
    colour = GREEN if share >= 0.75 else AMBER if share >= 0.4 else RED
    detail = _("%(on)s of %(total)s on track") % {"on": on_track, "total": len(judged)}
    return Light(colour, _("Indicators"), detail)


def _plans_light(plans) -> Light:
    statuses = {p.status for p in plans}
    adopted = sum(1 for p in plans if p.status == PlanAnchoring.Status.ADOPTED)
    mentioned = sum(1 for p in plans if p.status == PlanAnchoring.Status.MENTIONED)
    detail = _("%(adopted)s adopted, %(mentioned)s mentioned") % {
        "adopted": adopted,
        "mentioned": mentioned,
    }
    if PlanAnchoring.Status.ADOPTED in statuses:
        return Light(GREEN, _("Plan anchoring"), detail)
    if PlanAnchoring.Status.MENTIONED in statuses:
        return Light(AMBER, _("Plan anchoring"), detail)
    return Light(RED, _("Plan anchoring"), detail)


def side_by_side(
    *,
    model_libraries: QuerySet[ModelLibrary],
    reports: QuerySet[ProgressReport],
    today: date,
) -> list[Row]:
    """A row of traffic lights for each of these model libraries, judged from the reports the
    reader may see (a draft of another county counts as not yet submitted, as it is)."""
    projects = list(model_libraries.select_related("library__county", "programme"))
    ids = [p.pk for p in projects]
    programmes = {p.programme_id for p in projects}
    # Only the periods' order is shown (within a programme: as their Meta's). The models' Meta
    # orderings begin with the parent and so join the parents' own orderings in; here they
    # would order nothing that is shown (each list is counted or looked up), so none is asked.
    periods: dict[int, list] = defaultdict(list)
    for period in ReportPeriod.objects.filter(programme_id__in=programmes).order_by(
        "starts_on", "id"
    ):
        periods[period.programme_id].append(period)
    # A report's status is all the lights read of it: not its texts and frozen content (~4 KB
    # of JSON each in the generated region, decoded for nothing).
    statuses: dict[int, dict[int, str]] = defaultdict(dict)
    for model_library_id, period_id, status in (
        reports.filter(model_library_id__in=ids)
        .order_by()
        .values_list("model_library_id", "period_id", "status")
    ):
        statuses[model_library_id][period_id] = status
    milestones: dict[int, list] = defaultdict(list)
    for milestone in Milestone.objects.filter(model_library_id__in=ids).order_by():
        milestones[milestone.model_library_id].append(milestone)
    indicators: dict[int, list] = defaultdict(list)
    for indicator in (
        Indicator.objects.filter(goal__model_library_id__in=ids)
        .annotate(model_library_id=F("goal__model_library_id"))
        .order_by()
    ):
        indicators[indicator.model_library_id].append(indicator)
    latest: dict[int, tuple[date, Decimal]] = {}
    for indicator_id, on, number in (
        IndicatorValue.objects.filter(
            report__model_library_id__in=ids, report__status__in=TOLD, number__isnull=False
        )
        .order_by("report__period__ends_on")
        .values_list("indicator_id", "report__period__ends_on", "number")
    ):
        latest[indicator_id] = (on, number)
    plans: dict[int, list] = defaultdict(list)
    for plan in PlanAnchoring.objects.filter(model_library_id__in=ids).order_by():
        plans[plan.model_library_id].append(plan)
    rows = []
    for project in projects:
        rows.append(
            Row(
                model_library=project,
                reports=_reports_light(periods[project.programme_id], statuses[project.pk], today),
                milestones=_milestones_light(milestones[project.pk], today),
                indicators=_indicators_light(indicators[project.pk], latest),
                plans=_plans_light(plans[project.pk]),
            )
        )
    return rows
