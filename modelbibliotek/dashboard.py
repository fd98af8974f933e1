"""The model libraries' panel of the programme dashboard: each model library of the counties the
reader sees, with its four traffic lights (reports on time, milestones, indicators on track, plan
anchoring; see modelbibliotek.overview). A fixed number of queries, whatever their number."""

from __future__ import annotations

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboard import (
    DashboardPanel,
    DashboardTable,
    KeyFigure,
    TimelineEvent,
    register,
    register_timeline,
)

from .models import Milestone, ModelLibrary, ProgressReport, ReportPeriod
from .overview import side_by_side


@register
def model_library_panel(*, programme, county_ids, user) -> DashboardPanel | None:
    model_libraries = ModelLibrary.objects.filter(programme=programme)
    if county_ids is not None:
        model_libraries = model_libraries.filter(library__county_id__in=county_ids)
    rows = side_by_side(
        model_libraries=model_libraries,
        reports=ProgressReport.objects.filter(model_library__programme=programme),
        today=timezone.localdate(),
    )
    if not rows:
        return None
    panel = DashboardPanel(
        key="model-libraries",
        title=gettext_lazy("Model libraries"),
        template="modelbibliotek/dashboard_panel.html",
        context={
            "rows": rows,
            "url": reverse("modelbibliotek:model_library_list") + f"?programme={programme.pk}",
        },
        order=50,
    )
    # Each county's card and the exports (and so the funder report): every light with its word.
    for row in rows:
        panel.key_figures.setdefault(row.model_library.library.county_id, []).append(
            KeyFigure(
                _("Model library: %(library)s") % {"library": row.model_library.library},
                items=[KeyFigure(light.label, _light_text(light)) for light in row.lights],
                order=50,
                key=f"model-library-{row.model_library.pk}",
            )
        )
    for county_id, figure in _milestones_per_county(model_libraries).items():
        panel.key_figures.setdefault(county_id, []).insert(0, figure)
    panel.tables.append(
        DashboardTable(
            key="model-libraries",
            title=_("Model libraries per county"),
            columns=[_("Model library"), _("County"), *(light.label for light in rows[0].lights)],
            rows=[
                [
                    str(row.model_library.library),
                    row.model_library.library.county.name,
                    *(_light_text(light) for light in row.lights),
                ]
                for row in rows
            ],
        )
    )
    return panel


def _milestones_per_county(model_libraries) -> dict[int, KeyFigure]:
    """Per county, its model libraries' milestones (not cancelled) done on time, late (done
    after the due date, or still open after it) and still to come. One query, counted in the
    database."""
    today = timezone.localdate()
    Status = Milestone.Status
    done_on_time = Q(status=Status.DONE) & (Q(done_on__isnull=True) | Q(done_on__lte=F("due_on")))
    late = Q(status=Status.DONE, done_on__gt=F("due_on")) | Q(
        status__in=Milestone.OPEN_STATUSES, due_on__lt=today
    )
    rows = (
        Milestone.objects.filter(model_library__in=model_libraries)
        .exclude(status=Status.CANCELLED)
        .values("model_library__library__county_id")
        .annotate(
            on_time=Count("id", filter=done_on_time),
            late=Count("id", filter=late),
            coming=Count("id", filter=Q(status__in=Milestone.OPEN_STATUSES, due_on__gte=today)),
        )
        .order_by()
    )
    return {
        row["model_library__library__county_id"]: KeyFigure(
            _("Model-library milestones"),
            items=[
                KeyFigure(_("Done on time"), str(row["on_time"]), key="milestones.on-time"),
                KeyFigure(_("Late"), str(row["late"]), key="milestones.late"),
                KeyFigure(_("Still to come"), str(row["coming"]), key="milestones.to-come"),
            ],
            order=49,
            key="milestones",
        )
        for row in rows
    }


def _light_text(light) -> str:
    return f"{light.word} ({light.detail})" if light.detail else light.word


@register_timeline
def model_library_timeline(*, programme, county_ids, period=None) -> list[TimelineEvent]:
    """The model libraries' milestones (not cancelled; a late one says so) in the counties the
    reader sees, and the report periods' due dates (the whole programme's). Two queries."""
    today = timezone.localdate()
    milestones = (
        Milestone.objects.filter(model_library__programme=programme)
        .exclude(status=Milestone.Status.CANCELLED)
        .select_related("model_library__library__county")
    )
    reports_due = ReportPeriod.objects.filter(programme=programme)
    if county_ids is not None:
        milestones = milestones.filter(model_library__library__county_id__in=county_ids)
    if period is not None:
        milestones = milestones.filter(due_on__range=(period.start, period.end))
        reports_due = reports_due.filter(due_on__range=(period.start, period.end))
    events = [
        TimelineEvent(
            day=milestone.due_on,
            kind="milestone",
            kind_label=_("Milestone"),
            title=f"{milestone.model_library.library}: {milestone.title}",
            county=milestone.model_library.library.county,
            note=_("late") if milestone.is_late(today) else milestone.get_status_display(),
        )
        for milestone in milestones
    ]
    events += [
        TimelineEvent(
            day=report_period.due_on,
            kind="report",
            kind_label=_("Progress reports due"),
            title=report_period.title,
        )
        for report_period in reports_due
    ]
    return events
