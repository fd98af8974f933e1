"""Reads of the exchange: the offer list with gap matching, the deciders' list, the calendar,
and the figures the programme dashboard and the funder report read.

Public contract used by other apps:
- `exchange_costs(*, programme, county_ids)`: planned and actual costs per county (the
  participant's home county), per kind and funding source, and in total (issue 12's budget).
- `exchange_statistics(*, programme, county_ids)`: placements, reports and competence areas.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import CompetenceArea, County, Library, Programme
from portal.plans import planned_once

from .models import Application, BudgetLine, Offer, OfferPeriod, Placement

Status = Application.Status


# --- offers ----------------------------------------------------------------------------------


def periods_with_places(qs: QuerySet[OfferPeriod] | None = None) -> QuerySet[OfferPeriod]:
    """Periods annotated with `taken` (approved applications) and `free` places."""
    qs = OfferPeriod.objects.all() if qs is None else qs
    return (
        qs.annotate(taken=Count("applications", filter=Q(applications__status=Status.APPROVED)))
        .annotate(free=Greatest(F("places") - F("taken"), Value(0)))
        .order_by("starts_on", "id")
    )


def offers_prefetched(qs: QuerySet[Offer]) -> QuerySet[Offer]:
    return qs.select_related("programme", "host_library__county").prefetch_related(
        "competence_areas", Prefetch("periods", queryset=periods_with_places())
    )


@dataclass(frozen=True)
class OfferFilters:
    area_id: int | None = None
    county_id: int | None = None
    from_date: date | None = None
    to_date: date | None = None
    free_places: bool = False


@dataclass
class OfferRow:
    offer: Offer
    periods: list[OfferPeriod]
    match: Gap | None = None
    areas: list[CompetenceArea] = field(default_factory=list)


def programme_area_queryset(*, programme: Programme) -> QuerySet[CompetenceArea]:
    """The programme's competence areas in their order (position, name)."""
    return CompetenceArea.objects.filter(programme=programme).order_by("position", "name")


def programme_county_queryset(*, programme: Programme) -> QuerySet[County]:
    """The programme's counties in their order (number)."""
    return programme.counties.order_by("number")


def programme_areas(*, programme: Programme) -> list[CompetenceArea]:
    """The programme's areas, read once by the offer list for the gaps, the offers' themes and
    the filter form."""
    return list(programme_area_queryset(programme=programme))


def programme_counties(*, programme: Programme) -> list[County]:
    """The programme's counties, read once by the offer list for its filter form."""
    return list(programme_county_queryset(programme=programme))


def offer_list(
    *,
    user,
    programme: Programme,
    filters: OfferFilters | None = None,
    gaps: list[Gap] = (),
    areas: list[CompetenceArea] | None = None,
) -> list[OfferRow]:
    """The open offers of a programme for this person, filtered; offers whose themes match one of
    the person's largest gaps first (the largest gap first), each with the gap it matches.

    `areas`: the programme's areas as `programme_areas` reads them, when the caller has them."""
    filters = filters or OfferFilters()
    if areas is None:
        areas = programme_areas(programme=programme)
    offers = permissions.visible(user, Offer).filter(programme=programme, status=Offer.Status.OPEN)
    if filters.area_id:
        offers = offers.filter(competence_areas=filters.area_id)
    if filters.county_id:
        offers = offers.filter(host_library__county_id=filters.county_id)
    # Each offer's themes as ids read with it, drawn from the programme's areas the page has
    # read already (in their order, as the areas' default order puts them): a prefetch built
    # ~80 areas again and cost more than the rest of the list. Periods read by offer id.
    offers = list(
        offers.select_related("host_library__county")
        .annotate(
            area_ids=ArraySubquery(
                Offer.competence_areas.through.objects.filter(offer_id=OuterRef("pk")).values(
                    "competencearea_id"
                )
            )
        )
        .order_by("-created_at", "-id")
    )
    periods_of = defaultdict(list)
    if offers:
        periods = periods_with_places(
            OfferPeriod.objects.filter(offer_id__in=[offer.pk for offer in offers])
        )
        for period in periods:
            periods_of[period.offer_id].append(period)
    position = {area.pk: index for index, area in enumerate(areas)}
    rows = []
    for offer in offers:
        periods = [
            period
            for period in periods_of[offer.pk]
            if (filters.from_date is None or period.ends_on >= filters.from_date)
            and (filters.to_date is None or period.starts_on <= filters.to_date)
            and (not filters.free_places or period.free > 0)
        ]
        if not periods:
            continue
        if all(area_id in position for area_id in offer.area_ids):
            offer_areas = [areas[index] for index in sorted(position[i] for i in offer.area_ids)]
        else:  # an area of another programme (not through the services): read as before
            offer_areas = list(offer.competence_areas.all())
        area_ids = set(offer.area_ids)
        match = next((gap for gap in gaps if gap.area.pk in area_ids), None)
        rows.append(OfferRow(offer=offer, periods=periods, match=match, areas=offer_areas))
    rank = {gap.area.pk: index for index, gap in enumerate(gaps)}
    rows.sort(key=lambda row: rank[row.match.area.pk] if row.match else len(rank))
    return rows


def offers_managed(*, user, programme: Programme) -> QuerySet[Offer]:
    """Offers (every status) this person manages as host, with application counts."""
    return (
        permissions.for_action(user, Offer, "manage")
        .filter(programme=programme)
        .select_related("host_library")
        .annotate(
            waiting=Count("applications", filter=Q(applications__status=Status.PENDING)),
            approved=Count("applications", filter=Q(applications__status=Status.APPROVED)),
        )
        .order_by("status", "-created_at", "-id")
    )


# --- gap matching ----------------------------------------------------------------------------

LARGEST_GAPS = 3


@dataclass(frozen=True)
class Gap:
    """One of a person's largest competence gaps and where it was measured."""

    area: CompetenceArea
    gap: float
    source: str  # "own", "library" or "county"
    # When the survey's figures it was read from were the sums' state, if they no longer are
    # (the library's and county's gaps in a survey week, see `_every_group_gaps`); None: now.
    as_of: datetime | None = None

    @property
    def reason(self) -> str:
        name = self.area.localized_name
        if self.source == "own":
            return _("Matches your gap in %(area)s") % {"area": name}
        if self.source == "library":
            return _("Matches your library's gap in %(area)s") % {"area": name}
        return _("Matches your county's gap in %(area)s") % {"area": name}


def _disclosed_gaps(numbers: dict | None) -> dict[int, float]:
    """The positive gap of each area that the disclosure rule left in these numbers."""
    if not numbers or numbers.get("suppressed"):
        return {}
    gaps = {}
    for area_id, figures in numbers.get("areas", {}).items():
        gap = figures.get("gap")
        if not figures.get("suppressed") and gap is not None and gap > 0:
            gaps[int(area_id)] = gap
    return gaps


def _largest(
    gaps: dict[int, float],
    areas: dict[int, CompetenceArea],
    source: str,
    as_of: datetime | None = None,
) -> list[Gap]:
    found = [
        Gap(area=areas[area_id], gap=gap, source=source, as_of=as_of)
        for area_id, gap in gaps.items()
        if area_id in areas
    ]
    found.sort(key=lambda g: (-g.gap, g.area.position, g.area.name))
    return found[:LARGEST_GAPS]


def _home_library(*, user, programme: Programme, counties: list[County] | None) -> Library | None:
    """The library whose gaps stand for the person's: the first by name where they work in a
    county of the programme. Where they work at one such library it is the one read with their
    roles (`role_assignments`, no query; `counties`: the programme's, when the caller has them)."""
    if counties is not None:
        county_ids = {county.pk for county in counties}
        libraries = {
            assignment.library_id: assignment.library
            for assignment in permissions.role_assignments(user)
            if assignment.library_id is not None and assignment.library.county_id in county_ids
        }
        if len(libraries) == 1:
            return next(iter(libraries.values()))
    return (
        Library.objects.filter(role_assignments__user=user, county__programmes=programme)
        .order_by("name", "id")
        .first()
    )


def applicant_gaps(
    *,
    user,
    programme: Programme,
    areas: list[CompetenceArea] | None = None,
    counties: list[County] | None = None,
) -> list[Gap]:
    """The person's largest competence gaps, largest first, as the surveys measured them.

    Their own, where they answered a confidential (non-anonymous) survey of the programme: their
    own answers, read back as `surveys.results.selectors.my_answers` does. Otherwise their
    library's, and failing that their county's, from the latest survey with answers there, as
    `surveys.results.selectors.survey_numbers` discloses them (so never from a group below the
    survey's minimum group size, nor one that a subtraction would reveal): every library's and
    county's at once, kept for a while in a survey week (`_every_group_gaps`). A fixed number of
    queries. `areas` and `counties`: the programme's (`programme_areas`, `programme_counties`),
    when the caller has them.
    """
    from surveys.models import Response, Survey
    from surveys.results.selectors import (
        ResultFilters,
        ResultScope,
        compute_numbers,
        survey_numbers,
    )

    if not user.is_authenticated:
        return []
    if areas is None:
        areas = programme_areas(programme=programme)
    areas = {a.pk: a for a in areas}
    own = (
        Response.objects.filter(
            survey__programme=programme,
            respondent=user,
            submitted_at__isnull=False,
            survey__raw_answers_purged_at__isnull=True,
        )
        .exclude(survey__anonymity=Survey.Anonymity.ANONYMOUS)
        .order_by("-submitted_at", "-id")
        .first()
    )
    if own is not None:
        numbers = compute_numbers(Response.objects.filter(pk=own.pk), with_texts=False)
        gaps = _largest(_disclosed_gaps(numbers), areas, "own")
        if gaps:
            return gaps
    library = _home_library(user=user, programme=programme, counties=counties)
    if library is None:
        return []
    # Whether the county has answered is asked with EXISTS, which stops at its first response:
    # a join read every response of the programme's surveys (~5,000 in a region, 1–2 ms).
    answered_in_county = Exists(
        Response.objects.filter(
            survey=OuterRef("pk"), county_id=library.county_id, submitted_at__isnull=False
        )
    )
    survey = (
        Survey.objects.filter(programme=programme)
        .filter(Q(county__isnull=True) | Q(county_id=library.county_id))
        .exclude(status=Survey.Status.DRAFT)
        .filter(answered_in_county | Q(raw_answers_purged_at__isnull=False))
        .select_related("result_snapshot")
        .order_by("-created_at", "-id")
        .first()
    )
    if survey is None:
        return []
    groups = (("library", library.pk), ("county", library.county_id))
    every_group = _every_group_gaps(survey)
    if every_group is not None:
        by_group, as_of = every_group
        for group in groups:
            gaps = _largest(by_group.get(group, {}), areas, group[0], as_of)
            if gaps:
                return gaps
        return []
    for source, group_id in groups:
        filters = (
            ResultFilters(library_id=group_id)
            if source == "library"
            else ResultFilters(county_id=group_id)
        )
        numbers, _from_snapshot = survey_numbers(
            survey=survey, scope=ResultScope(), filters=filters, question_ids=()
        )
        gaps = _largest(_disclosed_gaps(numbers), areas, source)
        if gaps:
            return gaps
    return []


# Part of the cache key: raise it when what is kept per survey changes.
GAPS_CACHE_VERSION = 1
GAPS_CACHE_SECONDS = 6 * 60 * 60


GroupGaps = dict[tuple[str, int], dict[int, float]]  # ("library"|"county", id): {area id: gap}


def _every_group_gaps(survey) -> tuple[GroupGaps, datetime | None] | None:
    """The disclosed gaps of every library and county of a survey (`area_numbers_of_every_group`:
    one state of the sums, blocks and figures together), kept per survey, and when they were
    computed if the sums have changed since (None: they are the sums as they are now).

    The gaps order offers; they are a guide, not published figures, and a library's move slowly.
    So in a survey week, where every submission makes a new state of the sums (and nearly every
    reader of a library's figures would compute the blocks and that library's figures anew),
    they are shown as they were for up to HOSPITERING_GAPS_FRESHNESS_SECONDS; then the first
    reader computes them anew (a cache lock, so only one does; the others still see them as
    they were, for at most 30 s more). None (the reader computes their own groups' figures as
    the sums are now, as before) with the setting at 0, after a purge (the snapshot is read),
    when nothing is kept and another reader is computing, and when the sums changed while they
    were read."""
    from surveys.results.disclosure import sums_token
    from surveys.results.selectors import area_numbers_of_every_group

    freshness = timedelta(seconds=settings.HOSPITERING_GAPS_FRESHNESS_SECONDS)
    if not freshness or survey.raw_answers_purged_at:
        return None
    token = sums_token(survey)
    if token is None:
        return None  # sums counted before tokens: no state to keep them under
    key = f"hospitering:gaps:{GAPS_CACHE_VERSION}:{survey.pk}:{survey.group_size_threshold}"
    kept = cache.get(key)  # (token, computed at, gaps per group)
    if kept is not None and kept[0] == token:
        return kept[2], None
    now = timezone.now()
    if kept is not None and now - kept[1] < freshness:
        return kept[2], kept[1]
    lock = f"{key}:computing"
    if not cache.add(lock, True, timeout=30):
        return (kept[2], kept[1]) if kept is not None else None
    try:
        computed = area_numbers_of_every_group(survey=survey)
        if computed is None:
            return None
        numbers, token = computed
        gaps = {group: _disclosed_gaps(figures) for group, figures in numbers.items()}
        gaps = {group: shown for group, shown in gaps.items() if shown}
        cache.set(key, (token, now, gaps), GAPS_CACHE_SECONDS)
        return gaps, None
    finally:
        cache.delete(lock)


# --- applications ----------------------------------------------------------------------------


def applications_related(qs: QuerySet[Application]) -> QuerySet[Application]:
    return qs.select_related(
        "applicant",
        "home_library__county",
        "offer__host_library__county",
        "offer__programme",
        "period",
    )


def applications_to_decide(*, user) -> list[Application]:
    """What waits for this person's decision now, the earliest visit first."""
    with planned_once():  # the policy's OR of rules over nine tables: 2.3 ms to plan
        return list(
            applications_related(
                permissions.for_action(user, Application, "decide").filter(status=Status.PENDING)
            ).order_by("starts_on", "created_at", "id")
        )


def applications_to_decide_count(*, user, programme: Programme) -> int:
    return (
        permissions.for_action(user, Application, "decide")
        .filter(status=Status.PENDING, offer__programme=programme)
        .count()
    )


def _placements_over(qs: QuerySet[Placement], programme: Programme) -> QuerySet[Placement]:
    return qs.filter(
        application__offer__programme=programme,
        cancelled_at__isnull=True,
        ends_on__lt=timezone.localdate(),
    )


def reports_to_write(*, user, programme: Programme) -> list[int]:
    """The ids of this person's finished placements still without a report, oldest first."""
    return list(
        _placements_over(permissions.for_action(user, Placement, "write_report"), programme)
        .filter(report__isnull=True)
        .order_by("ends_on", "id")
        .values_list("id", flat=True)
    )


def feedback_to_give(*, user, programme: Programme) -> list[int]:
    """The ids of finished placements this person hosts that still lack the host's feedback."""
    return list(
        _placements_over(permissions.for_action(user, Placement, "give_feedback"), programme)
        .filter(feedback__isnull=True)
        .order_by("ends_on", "id")
        .values_list("id", flat=True)
    )


def my_applications(*, user) -> QuerySet[Application]:
    return applications_related(
        Application.objects.filter(applicant=user).select_related("placement")
    ).order_by("-starts_on", "-id")


def offer_applications(*, offer: Offer) -> QuerySet[Application]:
    return applications_related(offer.applications.all()).order_by("period__starts_on", "starts_on")


# --- placements and the calendar -------------------------------------------------------------


def placements_visible(*, user) -> QuerySet[Placement]:
    return permissions.visible(user, Placement).select_related(
        "application__applicant",
        "application__home_library__county",
        "application__offer__host_library__county",
        "application__offer__programme",
    )


def calendar_placements(
    *,
    user,
    county_id: int | None = None,
    host_library_id: int | None = None,
    year: int | None = None,
) -> list[Placement]:
    """Placements this person may see (not cancelled), by start; `county_id` matches the host's
    or the participant's county."""
    qs = placements_visible(user=user).filter(cancelled_at__isnull=True)
    if county_id:
        qs = qs.filter(
            Q(application__offer__host_library__county_id=county_id)
            | Q(application__home_library__county_id=county_id)
        )
    if host_library_id:
        qs = qs.filter(application__offer__host_library_id=host_library_id)
    if year:
        qs = qs.filter(starts_on__year__lte=year, ends_on__year__gte=year)
    return list(qs.order_by("starts_on", "id"))


@dataclass
class CalendarMonth:
    first_day: date
    placements: list[Placement] = field(default_factory=list)


def calendar_months(placements: list[Placement]) -> list[CalendarMonth]:
    """The placements grouped by the month they start in."""
    months: dict[date, CalendarMonth] = {}
    for placement in placements:
        key = placement.starts_on.replace(day=1)
        months.setdefault(key, CalendarMonth(first_day=key)).placements.append(placement)
    return [months[key] for key in sorted(months)]


def participant_calendar(*, user) -> QuerySet[Placement]:
    """A person's own placements and those at libraries they host for (for their .ics)."""
    hosted = permissions.for_action(user, Placement, "manage")
    return (
        Placement.objects.filter(Q(application__applicant=user) | Q(pk__in=hosted.values("pk")))
        .select_related("application__applicant", "application__offer__host_library")
        .order_by("starts_on")
    )


# --- figures for the dashboard and the funder report ------------------------------------------


def _zero() -> Decimal:
    return Decimal("0.00")


@dataclass
class CostRow:
    label: str
    planned: Decimal = field(default_factory=_zero)
    actual: Decimal = field(default_factory=_zero)
    per_kind: dict[str, dict[str, Decimal]] = field(default_factory=dict)


def _budget_lines(programme: Programme, county_ids, period=None) -> QuerySet[BudgetLine]:
    lines = BudgetLine.objects.filter(
        placement__application__offer__programme=programme,
        placement__cancelled_at__isnull=True,
    )
    if county_ids is not None:
        lines = lines.filter(placement__application__home_library__county_id__in=county_ids)
    if period is not None:
        lines = lines.filter(placement__starts_on__range=(period.start, period.end))
    return lines


def exchange_costs(
    *, programme: Programme, county_ids: set[int] | None = None, period=None
) -> dict:
    """Planned and actual exchange costs (NOK), charged to the participant's home county.

    Returns {"counties": {county_id: CostRow}, "funding": {funding source id: CostRow},
    "total": CostRow}; `county_ids` None means every county (the project leader's view).
    Cancelled placements count for nothing; with a `period`, the placements starting in it.
    Two queries."""
    lines = _budget_lines(programme, county_ids, period)
    sums = {"planned": Sum("planned"), "actual": Sum("actual")}
    counties: dict[int, CostRow] = {}
    total = CostRow(label=_("All counties"))
    for row in (
        lines.values(
            "placement__application__home_library__county_id",
            "placement__application__home_library__county__name",
            "kind",
        )
        .annotate(**sums)
        .order_by()
    ):
        county_id = row["placement__application__home_library__county_id"]
        entry = counties.setdefault(
            county_id, CostRow(label=row["placement__application__home_library__county__name"])
        )
        planned, actual = row["planned"] or _zero(), row["actual"] or _zero()
        for target in (entry, total):
            target.planned += planned
            target.actual += actual
            kind = target.per_kind.setdefault(row["kind"], {"planned": _zero(), "actual": _zero()})
            kind["planned"] += planned
            kind["actual"] += actual
    funding = {
        row["funding_source_id"]: CostRow(
            label=row["funding_source__name"],
            planned=row["planned"] or _zero(),
            actual=row["actual"] or _zero(),
        )
        for row in lines.values("funding_source_id", "funding_source__name")
        .annotate(**sums)
        .order_by("funding_source__name")
    }
    return {"counties": counties, "funding": funding, "total": total}


def exchange_statistics(
    *, programme: Programme, county_ids: set[int] | None = None, period=None
) -> dict:
    """Per home county: applications (not withdrawn), placements (not cancelled), completed
    (ended), with a report, with host feedback; per competence area: completed placements with a
    report on offers of that area (they count towards the participants' competence areas in the
    loop). With a `period`, the visits starting in it. Three queries."""
    from django.utils import timezone

    today = timezone.localdate()
    placements = Placement.objects.filter(
        application__offer__programme=programme, cancelled_at__isnull=True
    )
    applications = Application.objects.filter(offer__programme=programme).exclude(
        status=Application.Status.WITHDRAWN
    )
    if county_ids is not None:
        placements = placements.filter(application__home_library__county_id__in=county_ids)
        applications = applications.filter(home_library__county_id__in=county_ids)
    if period is not None:
        placements = placements.filter(starts_on__range=(period.start, period.end))
        applications = applications.filter(starts_on__range=(period.start, period.end))
    applied = dict(
        applications.values_list("home_library__county_id").annotate(Count("id")).order_by()
    )
    counts = {
        "placements": Count("id"),
        "completed": Count("id", filter=Q(ends_on__lt=today)),
        "reports": Count("report"),
        "feedback": Count("feedback"),
    }
    per_county = defaultdict(lambda: dict.fromkeys(counts, 0))
    for row in (
        placements.values("application__home_library__county_id").annotate(**counts).order_by()
    ):
        per_county[row.pop("application__home_library__county_id")] = row
    per_area_county: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in (
        placements.filter(ends_on__lt=today, report__isnull=False)
        .values(
            "application__offer__competence_areas",
            "application__home_library__county_id",
        )
        .annotate(count=Count("id", distinct=True))
        .order_by()
    ):
        area_id = row["application__offer__competence_areas"]
        if area_id is not None:
            per_area_county[area_id][row["application__home_library__county_id"]] += row["count"]
    return {"per_county": per_county, "per_area_county": per_area_county, "applied": applied}
