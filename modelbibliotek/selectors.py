"""Reads of the model libraries: a report's content (live, or as frozen at approval), indicator
time series, the report's history, and what is due.

A report's content is plain data (strings, numbers as strings, ISO dates), the same shape live and
frozen, so a report approved long ago renders with the same templates as today's draft and reads
exactly as it was approved. Display strings are made when it is shown, in the reader's language.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal.models import AuditLogEntry

from .charts import indicator_chart
from .figures import PortalFigure, figure_for, portal_figures
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
    value_display,
)

Status = ProgressReport.Status
# Reports whose values count in an indicator's time series (a draft's are not yet told).
TOLD = (Status.SUBMITTED, Status.APPROVED)


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _iso(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def indicator_series(
    *, model_library: ModelLibrary, up_to: ProgressReport | None = None
) -> dict[int, list[dict]]:
    """Indicator id → its reported values in period order: the values of submitted and approved
    reports (and of `up_to` itself, whatever its status), up to `up_to`'s period."""
    values = IndicatorValue.objects.filter(report__model_library=model_library)
    told = Q(report__status__in=TOLD)
    if up_to is not None:
        told |= Q(report=up_to)
        values = values.filter(report__period__starts_on__lte=up_to.period.starts_on)
    series: dict[int, list[dict]] = defaultdict(list)
    # Plain columns, not instances: a value, its report and its period were three models per row.
    for indicator_id, period, ends_on, number, text, report_id in (
        values.filter(told)
        .order_by("report__period__starts_on", "report__period_id")
        .values_list(
            "indicator_id",
            "report__period__title",
            "report__period__ends_on",
            "number",
            "text",
            "report_id",
        )
    ):
        series[indicator_id].append(
            {
                "period": period,
                "on": _iso(ends_on),
                "number": _number(number),
                "text": text,
                "report": report_id,
            }
        )
    return dict(series)


def _figures(model_library: ModelLibrary, goals: list[Goal]) -> dict:
    """The portal's own figures for the library, when an indicator of these goals (prefetched
    with their indicators) shows one."""
    if not any(i.portal_figure for goal in goals for i in goal.indicators.all()):
        return {}
    return portal_figures(programme=model_library.programme, library_ids=[model_library.library_id])


def _goals(model_library: ModelLibrary) -> list[Goal]:
    """The model library's goals with their indicators and competence areas. Ordered by their
    own columns: the models' Meta orderings begin with the parent (goal, model library,
    programme ...), which within one model library orders nothing but costs a join of each."""
    return list(
        model_library.goals.order_by("position", "id").prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id")),
            "competence_areas",
        )
    )


def _area_names(areas) -> list[dict]:
    return [{"nb": a.name, "nn": a.name_nn, "en": a.name_en} for a in areas]


def report_content(*, report: ProgressReport) -> dict:
    """What the report tells, as plain data: the goals with their indicators (baseline, target,
    this report's value and the series up to it), the milestones (with this report's status
    changes) and the plan anchoring (with the changes told in this report)."""
    model_library = report.model_library
    values = {v.indicator_id: v for v in report.indicator_values.all()}
    updates = {u.milestone_id: u for u in report.milestone_updates.all()}
    series = indicator_series(model_library=model_library, up_to=report)
    changed_plans = set(report.plan_changes.values_list("plan_id", flat=True))
    plan = _goals(model_library)
    figures = _figures(model_library, plan)
    goals = []
    for goal in plan:
        indicators = []
        for indicator in goal.indicators.all():
            value = values.get(indicator.pk)
            indicators.append(
                {
                    "id": indicator.pk,
                    "name": indicator.name,
                    "unit": indicator.unit,
                    "baseline": _number(indicator.baseline_number),
                    "baseline_text": indicator.baseline_text,
                    "baseline_on": _iso(indicator.baseline_on),
                    "target": _number(indicator.target_number),
                    "target_text": indicator.target_text,
                    "target_on": _iso(indicator.target_on),
                    "value": _number(value.number) if value else None,
                    "value_text": value.text if value else "",
                    "comment": value.comment if value else "",
                    "series": series.get(indicator.pk, []),
                    "portal_figure": indicator.portal_figure,
                    "portal": figure_for(
                        figures, model_library.library_id, indicator.portal_figure
                    ),
                }
            )
        goals.append(
            {
                "title": goal.title,
                "description": goal.description,
                "areas": _area_names(goal.competence_areas.all()),
                "indicators": indicators,
            }
        )
    milestones = []
    for milestone in model_library.milestones.all():
        update = updates.get(milestone.pk)
        milestones.append(
            {
                "title": milestone.title,
                "due_on": _iso(milestone.due_on),
                "status": update.status if update else milestone.status,
                "done_on": _iso(update.done_on if update else milestone.done_on),
                "note": update.note if update else "",
                "changed": update is not None,
            }
        )
    plans = [
        {
            "kind": plan.kind,
            "name": plan.name,
            "level": plan.level,
            "status": plan.status,
            "decided_on": _iso(plan.decided_on),
            "link": plan.link,
            "changed": plan.pk in changed_plans,
        }
        for plan in model_library.plans.all()
    ]
    return {
        "narrative": {
            "activities": report.activities,
            "results": report.results,
            "challenges": report.challenges,
            "next_steps": report.next_steps,
        },
        "goals": goals,
        "milestones": milestones,
        "plans": plans,
    }


def report_shown(*, report: ProgressReport) -> dict:
    """The content a reader sees: as frozen at approval, or as it stands now."""
    if report.status == Status.APPROVED and report.frozen is not None:
        return report.frozen
    return report_content(report=report)


def display_value(unit: str, number: str | None, text: str = "") -> str:
    """A value of a report's content, as a person reads it."""
    return value_display(unit, None if number is None else Decimal(number), text)


def _action_labels() -> dict[str, str]:
    return {
        "report.created": _("Started the report"),
        "report.saved": _("Saved the draft"),
        "report.attachment_added": _("Added an attachment"),
        "report.attachment_deleted": _("Removed an attachment"),
        "report.submitted": _("Submitted the report"),
        "report.resubmitted": _("Submitted the report again"),
        "report.returned": _("Returned the report for changes"),
        "report.approved": _("Approved the report"),
        "report.commented": _("Commented"),
        "plan.created": _("Added a plan anchoring"),
        "plan.updated": _("Changed a plan anchoring"),
    }


def report_history(*, report: ProgressReport) -> list[AuditLogEntry]:
    """Who did what to the report and when, oldest first (from the audit log)."""
    labels = _action_labels()
    entries = list(
        AuditLogEntry.objects.filter(
            object_type=ProgressReport._meta.label_lower, object_id=str(report.pk)
        )
        .select_related("user")
        .order_by("created_at", "id")
    )
    for entry in entries:
        short = entry.action.removeprefix("modelbibliotek.")
        entry.label = labels.get(short, short)
        if entry.data.get("name"):
            entry.label = f"{entry.label}: {entry.data['name']}"
    return entries


def model_library_related(queryset: QuerySet[ModelLibrary]) -> QuerySet[ModelLibrary]:
    return queryset.select_related("library__county", "programme").prefetch_related(
        "competence_areas", "contact_people"
    )


def reports_due_soon(*, today: date, days_before: int) -> list[tuple[int, int]]:
    """(model library id, period id) of reports due within `days_before` days and not yet
    submitted (no report yet, or a draft or returned one)."""
    periods = ReportPeriod.objects.filter(
        due_on__gte=today, due_on__lte=today + timedelta(days=days_before)
    )
    done = set(
        ProgressReport.objects.filter(period__in=periods, status__in=TOLD).values_list(
            "model_library_id", "period_id"
        )
    )
    due = []
    for period_id, programme_id in periods.values_list("pk", "programme_id"):
        for model_library_id in ModelLibrary.objects.filter(
            programme_id=programme_id, ends_on__gte=today
        ).values_list("pk", flat=True):
            if (model_library_id, period_id) not in done:
                due.append((model_library_id, period_id))
    return due


# --- what pages show --------------------------------------------------------------------------


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _indicator_display(indicator: dict) -> dict:
    """An indicator of a report's content with its display strings and its chart."""
    unit = indicator["unit"]
    points = [
        {**point, "display": display_value(unit, point["number"], point["text"])}
        for point in indicator["series"]
    ]
    return {
        **indicator,
        "unit_label": Unit(unit).label,
        "baseline_day": _day(indicator["baseline_on"]),
        "target_day": _day(indicator["target_on"]),
        "baseline_display": display_value(unit, indicator["baseline"], indicator["baseline_text"]),
        "target_display": display_value(unit, indicator["target"], indicator["target_text"]),
        "value_display": display_value(unit, indicator["value"], indicator["value_text"]),
        "points": points,
        "portal_label": Indicator.PortalFigure(indicator["portal_figure"]).label
        if indicator.get("portal_figure")
        else "",
        "portal_value": PortalFigure(**indicator["portal"]).display()
        if indicator.get("portal")
        else "",
        "chart": indicator_chart(
            unit=unit,
            baseline=_decimal(indicator["baseline"]),
            target=_decimal(indicator["target"]),
            points=[(p["period"], _decimal(p["number"])) for p in points],
        ),
    }


def _area_name(names: dict) -> str:
    language = (get_language() or "nb")[:2]
    return names.get(language) or names["nb"]


def report_display(*, report: ProgressReport) -> dict:
    """The report's content (frozen or live) with display strings in the reader's language."""
    content = report_shown(report=report)
    milestone_status = dict(Milestone.Status.choices)
    plan_status, plan_kind = dict(PlanAnchoring.Status.choices), dict(PlanAnchoring.Kind.choices)
    plan_level = dict(PlanAnchoring.Level.choices)
    return {
        "narrative": [
            (ProgressReport._meta.get_field(name).verbose_name, text)
            for name, text in content["narrative"].items()
        ],
        "goals": [
            {
                **goal,
                "area_names": [_area_name(names) for names in goal["areas"]],
                "indicators": [_indicator_display(i) for i in goal["indicators"]],
            }
            for goal in content["goals"]
        ],
        "milestones": [
            {
                **m,
                "status_label": milestone_status.get(m["status"], m["status"]),
                "due": _day(m["due_on"]),
                "done": _day(m["done_on"]),
            }
            for m in content["milestones"]
        ],
        "plans": [
            {
                **p,
                "status_label": plan_status.get(p["status"], p["status"]),
                "kind_label": plan_kind.get(p["kind"], p["kind"]),
                "level_label": plan_level.get(p["level"], p["level"]),
                "decided": _day(p["decided_on"]),
            }
            for p in content["plans"]
        ],
        "frozen": report.status == Status.APPROVED,
    }


def report_form_parts(report: ProgressReport) -> dict:
    model_library = report.model_library
    return {
        "indicators": Indicator.objects.filter(goal__model_library=model_library).select_related(
            "goal"
        ),
        "milestones": model_library.milestones.all(),
    }


def open_report(*, model_library: ModelLibrary) -> ProgressReport | None:
    """The report being written now (a draft or returned one), which plan changes are told in."""
    return (
        model_library.reports.filter(status__in=ProgressReport.EDITABLE_STATUSES)
        .order_by("-period__starts_on")
        .first()
    )


def model_library_plan_status(*, model_library_id: int, today: date) -> dict:
    """A model library's plan at a glance: the project itself, its goals and indicators (values
    over time against the target, as a chart and a table), milestones on time or late, and plan
    anchoring by level and status. Reads the model library itself (so that the page can keep
    what this returns exactly while these rows are unchanged: `portal.table_versions.kept`)."""
    model_library = model_library_related(ModelLibrary.objects.all()).get(pk=model_library_id)
    series = indicator_series(model_library=model_library)
    plan = _goals(model_library)
    figures = _figures(model_library, plan)
    goals = []
    for goal in plan:
        indicators = [
            _indicator_display(
                {
                    "id": i.pk,
                    "name": i.name,
                    "unit": i.unit,
                    "baseline": _number(i.baseline_number),
                    "baseline_text": i.baseline_text,
                    "baseline_on": _iso(i.baseline_on),
                    "target": _number(i.target_number),
                    "target_text": i.target_text,
                    "target_on": _iso(i.target_on),
                    "value": None,
                    "value_text": "",
                    "comment": "",
                    "series": series.get(i.pk, []),
                    "portal_figure": i.portal_figure,
                    "portal": figure_for(figures, model_library.library_id, i.portal_figure),
                }
            )
            for i in goal.indicators.all()
        ]
        goals.append({"goal": goal, "indicators": indicators})
    # Within one model library (and its programme) these orders are the models' Meta orders.
    milestones = list(model_library.milestones.order_by("due_on", "id"))
    for milestone in milestones:
        milestone.late = milestone.is_late(today)
    plans = list(model_library.plans.order_by("level", "kind", "id"))
    return {
        "model_library": model_library,
        "goals": goals,
        "milestones": milestones,
        "late_milestones": sum(1 for m in milestones if m.late),
        "plans_by_level": [
            (label, [p for p in plans if p.level == level])
            for level, label in PlanAnchoring.Level.choices
        ],
    }


def model_library_periods(*, model_library: ModelLibrary, today: date) -> list[dict]:
    """The report of each of the programme's periods (None where not started), overdue where it
    is due and not submitted."""
    # The page shows a report's status and links to it; its text and frozen content stay unread.
    reports = {
        r.period_id: r
        for r in model_library.reports.only("model_library", "period", "status").order_by()
    }
    periods = []
    for period in ReportPeriod.objects.filter(programme_id=model_library.programme_id).order_by(
        "starts_on", "id"
    ):
        report = reports.get(period.pk)
        overdue = period.due_on < today and (report is None or report.is_editable)
        periods.append({"period": period, "report": report, "overdue": overdue})
    return periods


def programme_overview(*, user, programme, today: date) -> list:
    """The model libraries of the programme this person sees, side by side with their traffic
    lights (modelbibliotek.overview)."""
    from portal import permissions

    from .overview import side_by_side

    return side_by_side(
        # Meta's order within one programme, without joining the programme to order by it.
        model_libraries=permissions.visible(user, ModelLibrary)
        .filter(programme=programme)
        .order_by("library__county__number", "library__name", "id"),
        reports=permissions.visible(user, ProgressReport),
        today=today,
    )
