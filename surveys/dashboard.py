"""The surveys' panel of the programme dashboard: competence gaps per county and area.

The first and the fifth step of the programme's loop: the baseline survey shows where the gap
between how important an area is and how competent people feel is largest; the follow-up survey
(a survey whose `baseline` is set) shows how that gap has changed.

Which surveys: programme-wide surveys only (a county's own survey covers one county and cannot be
compared across the programme), never drafts. The latest follow-up survey and its baseline when
the baseline has answers; otherwise the latest survey with answers on its own. A follow-up
without answers yet is named, so the reader knows it is coming.

Every figure comes from `surveys.results.selectors.survey_numbers` (computed in the database,
under the one disclosure rule of surveys/results/disclosure.py, read from the snapshot after the
retention purge) and is limited to the counties the person may see: a coordinator's numbers are
computed from their county's responses only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboard import (
    DashboardPanel,
    DashboardTable,
    KeyFigure,
    LoopFigure,
    TimelineEvent,
    dashboard_areas,
    dashboard_counties,
    register,
    register_timeline,
    share_figure,
)

from .models import Survey
from .results.disclosure import survey_disclosure
from .results.selectors import (
    ResultFilters,
    ResultScope,
    response_rate_data,
    survey_numbers,
)

GAP_SCALE = 4  # the widest gap on a 1-5 scale: a full bar

WHOLE_PROGRAMME = "all"


@dataclass
class GapCell:
    """One gap figure: a value, hidden (too few answers) or absent (no answers for the area)."""

    gap: float | None = None
    n: int | None = None
    suppressed: bool = False

    @property
    def has_value(self) -> bool:
        return self.gap is not None


@dataclass
class GapRow:
    area_name: str
    baseline: GapCell
    follow_up: GapCell | None = None

    @property
    def change(self) -> float | None:
        """Follow-up gap minus baseline gap: negative when the gap has narrowed."""
        if self.follow_up is None or not (self.baseline.has_value and self.follow_up.has_value):
            return None
        return round(self.follow_up.gap - self.baseline.gap, 2)


@dataclass
class GapGroup:
    """The rows of one county (or of the whole programme)."""

    label: str
    rows: list[GapRow] = field(default_factory=list)
    suppressed: bool = False  # too few answers in the group for any figure


def _has_answers(survey: Survey) -> bool:
    return bool(survey.submitted_count or survey.raw_answers_purged_at)


def gap_surveys(*, programme, period=None) -> tuple[Survey | None, Survey | None, Survey | None]:
    """(baseline, follow-up with answers, follow-up still without answers), in one query; with
    a `period`, among the surveys opened before it ended."""
    surveys = Survey.objects.filter(programme=programme, county__isnull=True)
    if period is not None:
        surveys = surveys.filter(
            Q(opens_at__date__lte=period.end)
            | Q(opens_at__isnull=True, created_at__date__lte=period.end)
        )
    candidates = list(
        surveys.exclude(status=Survey.Status.DRAFT)
        .select_related("result_snapshot")
        .annotate(
            submitted_count=Count("responses", filter=Q(responses__submitted_at__isnull=False))
        )
        .order_by("-created_at", "-id")
    )
    by_id = {survey.pk: survey for survey in candidates}
    follow_up = next((s for s in candidates if s.baseline_id in by_id), None)
    if follow_up is not None and _has_answers(by_id[follow_up.baseline_id]):
        baseline = by_id[follow_up.baseline_id]
        if _has_answers(follow_up):
            return baseline, follow_up, None
        return baseline, None, follow_up
    baseline = next((s for s in candidates if s.baseline_id is None and _has_answers(s)), None)
    return baseline, None, None


def _group_numbers(survey: Survey, county_ids: set[int] | None, counties) -> dict:
    """{group key: suppressed numbers or None}; the whole programme only for the project leader.

    The project leader's figures come from one computation over the whole survey (its
    per-county cells are suppressed one by one); a coordinator's from their county's responses
    alone, one computation per county they coordinate.
    """
    no_filters = ResultFilters()
    disclosure = None if survey.raw_answers_purged_at else survey_disclosure(survey)
    if county_ids is None:
        numbers, _from_snapshot = survey_numbers(
            survey=survey,
            scope=ResultScope(),
            filters=no_filters,
            disclosure=disclosure,
            question_ids=(),
        )
        groups = {WHOLE_PROGRAMME: _cells(numbers, None)}
        for county in counties:
            groups[county.pk] = _cells(numbers, county.pk)
        return groups
    groups = {}
    for county in counties:
        numbers, _from_snapshot = survey_numbers(
            survey=survey,
            scope=ResultScope(county_ids=frozenset({county.pk})),
            filters=no_filters,
            disclosure=disclosure,
            question_ids=(),
        )
        groups[county.pk] = _cells(numbers, county.pk)
    return groups


def _cells(numbers: dict | None, county_id: int | None) -> dict | None:
    """The area cells of one group, or None when the whole group is hidden."""
    if numbers is None or numbers.get("suppressed"):
        return None
    if county_id is None:
        return numbers.get("areas", {})
    return numbers.get("area_counties", {}).get(str(county_id), {})


def _cell(cells: dict | None, area_id: int) -> GapCell:
    if cells is None:
        return GapCell(suppressed=True)
    cell = cells.get(str(area_id))
    if cell is None:
        return GapCell()
    if cell.get("suppressed"):
        return GapCell(suppressed=True)
    return GapCell(gap=cell.get("gap"), n=cell.get("n"))


@register
def gap_panel(*, programme, county_ids, user, period=None, **kwargs) -> DashboardPanel:
    counties = dashboard_counties(programme=programme, county_ids=county_ids)
    baseline, follow_up, pending = gap_surveys(programme=programme, period=period)
    context = {
        "baseline": baseline,
        "follow_up": follow_up,
        "pending_follow_up": pending,
        "groups": [],
        "survey_list_url": reverse("surveys:survey_list"),
    }
    panel = DashboardPanel(
        key="gaps",
        title=gettext_lazy("Competence gaps"),
        template="portal/dashboard/gaps.html",
        context=context,
        order=20,
    )
    _add_response_rates(panel, pending or follow_up or baseline, counties, county_ids)
    if baseline is None:
        return panel
    context["baseline_url"] = reverse("surveys:results", args=[baseline.pk])
    context["min_group_size"] = baseline.min_group_size
    before = _group_numbers(baseline, county_ids, counties)
    after = _group_numbers(follow_up, county_ids, counties) if follow_up else None
    if follow_up:
        context["follow_up_url"] = reverse("surveys:results", args=[follow_up.pk])
        context["min_group_size"] = max(baseline.min_group_size, follow_up.min_group_size)
    # The areas any visible group has figures (or hidden figures) for, in the programme's order.
    rated = {
        area_id
        for numbers in (before, after or {})
        for cells in numbers.values()
        if cells
        for area_id in cells
    }
    areas = [a for a in dashboard_areas(programme=programme) if str(a.pk) in rated]
    labels = [(WHOLE_PROGRAMME, _("Whole programme"))] if county_ids is None else []
    labels += [(county.pk, county.name) for county in counties]
    for key, label in labels:
        cells_before = before[key]
        cells_after = after[key] if after is not None else None
        group = GapGroup(
            label=label,
            suppressed=cells_before is None and (after is None or cells_after is None),
        )
        if not group.suppressed:
            group.rows = [
                GapRow(
                    area_name=area.localized_name,
                    baseline=_cell(cells_before, area.pk),
                    follow_up=_cell(cells_after, area.pk) if after is not None else None,
                )
                for area in areas
            ]
        context["groups"].append(group)
        if key != WHOLE_PROGRAMME:
            _add_county_figures(panel, key, group, areas, with_follow_up=after is not None)
    context["has_areas"] = bool(areas)
    columns = [_("County"), _("Competence area"), _("Gap at baseline"), _("Respondents")]
    if follow_up:
        columns += [_("Gap at follow-up"), _("Respondents"), _("Change")]
    panel.tables.append(
        DashboardTable(
            key="gaps",
            title=_("Competence gap per county and area"),
            columns=columns,
            rows=[
                [group.label, row.area_name, *_cell_values(row.baseline)]
                + ([*_cell_values(row.follow_up), row.change] if follow_up else [])
                for group in context["groups"]
                for row in group.rows
            ],
        )
    )
    return panel


def _cell_values(cell: GapCell) -> list:
    """A gap and its number of respondents, or why there is none."""
    if cell.has_value:
        return [cell.gap, cell.n]
    return [_("too few answers") if cell.suppressed else _("no answers"), None]


def _gap_text(cell: GapCell) -> str:
    if cell.has_value:
        return f"{cell.gap:.2f}"
    return _("too few answers") if cell.suppressed else _("no answers")


def _add_county_figures(panel, county_id, group: GapGroup, areas, *, with_follow_up) -> None:
    """The county's three largest gaps (the latest survey with figures) and, per area, its gap
    at baseline and follow-up in the loop. Only figures the disclosure rule let through."""
    latest = [
        (row.follow_up if with_follow_up and row.follow_up.has_value else row.baseline, row)
        for row in group.rows
    ]
    largest = sorted(
        ((cell, row) for cell, row in latest if cell.has_value), key=lambda pair: -pair[0].gap
    )[:3]
    panel.key_figures.setdefault(county_id, []).append(
        KeyFigure(
            _("Largest competence gaps"),
            "" if largest else _("too few answers"),
            items=[
                KeyFigure(row.area_name, f"{cell.gap:.2f}", share=cell.gap / GAP_SCALE)
                for cell, row in largest
            ],
            order=21,
            key="largest-gaps",
        )
    )
    if group.suppressed:
        for area in areas:
            panel.loop[(county_id, area.pk)] = [
                LoopFigure(1, _("Gap before"), _("too few answers"))
            ]
        return
    for area, row in zip(areas, group.rows, strict=True):
        figures = [LoopFigure(1, _("Gap before"), _gap_text(row.baseline))]
        if with_follow_up:
            change = row.change
            value = _gap_text(row.follow_up)
            if change is not None:
                value = f"{value} ({change:+.2f})"
            tone = "" if change is None else ("better" if change < 0 else "worse")
            figures.append(LoopFigure(6, _("Gap after"), value, tone))
        panel.loop[(county_id, area.pk)] = figures


def _add_response_rates(panel, survey: Survey | None, counties, county_ids) -> None:
    """Each county's share of the invited who have answered the latest survey (counts of who
    answered, not figures about answers). Two queries."""
    if survey is None:
        return
    scope = ResultScope(county_ids=None if county_ids is None else frozenset(county_ids))
    invited, completed = {}, {}
    for row in response_rate_data(survey=survey, scope=scope):
        invited[row["county_id"]] = invited.get(row["county_id"], 0) + row["invited"]
        completed[row["county_id"]] = completed.get(row["county_id"], 0) + row["completed"]
    for county in counties:
        panel.key_figures.setdefault(county.pk, []).append(
            share_figure(
                _("Response rate: %(survey)s") % {"survey": survey.localized_title},
                completed.get(county.pk, 0),
                invited.get(county.pk, 0),
                order=20,
                key="response-rate",
            )
        )


@register_timeline
def survey_timeline(*, programme, county_ids, period=None) -> list[TimelineEvent]:
    """When each survey (not a draft) is open, for the counties the reader sees and the
    programme-wide ones; a survey without dates has no place on the timeline. One query."""
    surveys = (
        Survey.objects.filter(programme=programme, opens_at__isnull=False)
        .exclude(status=Survey.Status.DRAFT)
        .select_related("county")
    )
    if county_ids is not None:
        surveys = surveys.filter(Q(county__isnull=True) | Q(county_id__in=county_ids))
    if period is not None:
        surveys = surveys.filter(opens_at__date__lte=period.end).filter(
            Q(closes_at__isnull=True) | Q(closes_at__date__gte=period.start)
        )
    return [
        TimelineEvent(
            day=timezone.localtime(survey.opens_at).date(),
            until=timezone.localtime(survey.closes_at).date() if survey.closes_at else None,
            kind="survey",
            kind_label=_("Survey open"),
            title=str(survey),
            county=survey.county,
        )
        for survey in surveys
    ]
