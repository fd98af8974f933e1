"""The programme dashboard: one page that makes the programme's loop visible.

baseline survey → competence gaps per county and area → courses on those areas → attendance and
completion → follow-up survey → change in gaps per county and area → report to the funder.

Each app adds its part as a panel: its `dashboard.py` registers a provider (portal.apps imports
every installed app's `dashboard` module). A provider is called with the programme, the counties
the person may see (`county_ids`, None for every county of the programme) and the person, and
returns a `DashboardPanel` or None (nothing to show). Providers must only show figures for the
counties in `county_ids`: the project leader (and a site admin) sees every county, a county
coordinator only the counties they coordinate in that programme. A panel's figures may depend
on the programme, the counties, the period and the language only, never on the person beyond
their counties: panels are cached per those (see "cached exactly"), so whatever a provider reads
must come from the database, where the tables' states tell when it changed.

Providers read the programme's counties and competence areas through `dashboard_counties` and
`dashboard_areas`, which use the view's prefetch, so every panel keeps a fixed number of queries.

Besides its own section, a panel may add
- `key_figures`: {county id: [KeyFigure]}, shown on each county's card at the top, side by side
  (and in the API's key figures, by each figure's stable `key`);
- `loop`: {(county id, area id): [LoopFigure]}, its figures in the county × competence-area
  matrix that draws the loop as one picture (gap at baseline, what targeted it, gap at follow-up);
- `tables`: its figures as plain tables, for the CSV and XLSX exports and the funder report.

The budget section is the portal's own panel: funding sources (the grant, each county's
contribution) against what the activities cost. Each app that records costs registers a cost
provider with `register_costs` (called with programme, county_ids and period, returning
`ActivityCosts`), so the portal sums gatherings and exchanges without importing the apps.

The timeline of the programme period is the portal's too: each app registers, with
`register_timeline`, a provider of its dated events (milestones, gatherings, survey windows,
report due dates, exchange periods), called like a cost provider and returning `TimelineEvent`s
of the counties the reader sees (and the programme-wide ones).

A provider is also given `period` (a `Period`, or None for the whole programme): the funder
report for a year asks for the activities of that year. A provider registered without a `period`
parameter (or **kwargs) is called without it and shows the whole programme.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import pickle
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import freshness, permissions, table_versions
from .freshness import REFRESH
from .models import CompetenceArea, County, FundingSource, Library, Programme, RoleAssignment

Role = RoleAssignment.Role
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Period:
    """The days a report covers, both included."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))


def programme_years(programme: Programme) -> list[int]:
    """The calendar years the programme runs in: each has a report to the funder."""
    return list(range(programme.start_date.year, programme.end_date.year + 1))


@dataclass
class KeyFigure:
    """A figure on a county's card. `share` (0 to 1) draws a small bar beside the value, an
    extra cue only: the value is always printed. `items` lists sub-figures (the largest gaps).

    `key` names the figure for machines (the API, a county's Power BI report): it must not change
    with the language or the data. A figure given none is named by its panel and order
    ("courses-30"); see `dashboard_overview`."""

    label: str
    value: str = ""
    share: float | None = None
    items: list[KeyFigure] = field(default_factory=list)
    order: int = 100
    key: str = ""

    @property
    def bar_width(self) -> int:
        """The bar's length in SVG units (0-100)."""
        return round(max(0.0, min(1.0, self.share or 0.0)) * 100)


@dataclass
class LoopFigure:
    """One figure in a cell of the loop matrix; `step` orders a cell's figures along the loop
    (1 gap at baseline, 3 courses, 4 exchanges, 6 gap at follow-up); `tone` is a CSS cue."""

    step: int
    label: str
    value: str
    tone: str = ""


@dataclass
class DashboardTable:
    """A panel's figures as a table: the first cell of each row names it."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)


@dataclass
class DashboardPanel:
    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    key_figures: dict[int, list[KeyFigure]] = field(default_factory=dict)
    loop: dict[tuple[int, int], list[LoopFigure]] = field(default_factory=dict)
    tables: list[DashboardTable] = field(default_factory=list)
    # The first moment its figures change with the time alone (a gathering starts), if before
    # the next local midnight; see "cached exactly".
    valid_until: datetime | None = None
    # The section as HTML (its template with its context), made when the panel is cached.
    html: str | None = None
    # Names the cache entry the panel was stored in (None if it was not).
    stamp: str | None = None
    # When its figures were computed, if they are shown as they were then: written to since, but
    # within the dashboard's freshness (see "fresh enough"); None when they are as they are now.
    as_of: datetime | None = None

    def __getstate__(self) -> dict:
        """Cached with its section as HTML, the panel keeps its context (the largest part, read
        only to draw the section) pickled, and unpickles it only when it is read."""
        state = self.__dict__.copy()
        # The title as text, in the language the panel is cached for (its key names it): a lazy
        # translation took half of the time a page spent unpickling its seven panels.
        state["title"] = str(state["title"])
        if state.get("html") is not None and "context" in state:
            state["_context"] = pickle.dumps(state.pop("context"), pickle.HIGHEST_PROTOCOL)
        return state

    def __getattr__(self, name: str):
        # Called only for an attribute not set: the context of a panel from the cache.
        if name == "context" and "_context" in self.__dict__:
            self.context = pickle.loads(self.__dict__.pop("_context"))  # noqa: S301 (our own)
            return self.context
        raise AttributeError(name)


DashboardProvider = Callable[..., DashboardPanel | None]
providers: list[DashboardProvider] = []


def _takes_period(provider: DashboardProvider) -> bool:
    parameters = inspect.signature(provider).parameters.values()
    return any(p.name == "period" or p.kind is p.VAR_KEYWORD for p in parameters)


def register(provider: DashboardProvider) -> DashboardProvider:
    if provider not in providers:
        providers.append(provider)
    return provider


def dashboard_county_ids(*, programme: Programme, user) -> set[int] | None:
    """The counties whose figures this person sees on the dashboard; None = every county.

    The project leader and site admins see the whole programme; a coordinator the counties they
    coordinate in this programme (an empty set for anyone else: they may not see the dashboard).
    """
    return permissions.dashboard_county_ids(user, programme)


def dashboard_counties(*, programme: Programme, county_ids: set[int] | None) -> list[County]:
    """The programme's counties the dashboard shows, in county-number order.

    Reads `programme.counties.all()`, so a prefetch by the view is used (no query per panel).
    """
    counties = [c for c in programme.counties.all() if county_ids is None or c.pk in county_ids]
    return sorted(counties, key=lambda c: c.number)


def dashboard_areas(*, programme: Programme) -> list[CompetenceArea]:
    """The programme's competence areas in their order (uses the view's prefetch)."""
    return sorted(programme.competence_areas.all(), key=lambda a: (a.position, a.name, a.pk))


def programme_dashboard(
    *,
    programme: Programme,
    user,
    period: Period | None = None,
    html: bool = False,
    fresh_enough: bool = False,
) -> list[DashboardPanel]:
    """Every registered panel that has something to show this person, in loop order; with
    `html`, each with its section as HTML (`DashboardPanel.html`) where it can be cached.

    Each panel comes from the cache when the tables it was computed from are as they were
    then (see "cached exactly" below); else it is computed and stored. With `fresh_enough`
    (the page and the API's key figures, not the report to the funder or the exports), a panel
    written to since is shown as it was for a while, with its time (see "fresh enough"). The key
    holds the counties the person sees, never the person: one coordinator's panels are
    another's only when they see the same counties."""
    county_ids = dashboard_county_ids(programme=programme, user=user)
    versions = table_versions.table_versions()
    keys = {
        provider: _cache_key(provider, programme=programme, county_ids=county_ids, period=period)
        for provider in providers
    }
    entries = cache.get_many(keys.values()) if versions is not None else {}
    now = timezone.now()
    shown = {}  # provider: exact (True), as it was (True or REFRESH) or to compute (False)
    for provider in providers:
        entry = entries.get(keys[provider])
        exact = entry is not None and entry.holds(versions, now)
        shown[provider] = exact or (fresh_enough and _shown_as_it_was(entry, keys[provider], now))
    stale = [provider for provider, how in shown.items() if how == REFRESH]
    if stale and not _refresh_queued(programme, user, period, stale):
        shown |= dict.fromkeys(stale, False)  # no broker: this reader computes them
    panels, computed, rendered = [], {}, {}
    for provider in providers:
        key = keys[provider]
        if shown[provider]:
            entry = entries[key]
            panel = entry.panel
            if html and panel is not None and panel.html is None:  # cached by the API
                _render(panel)
                rendered[key] = entry
            if panel is not None and not entry.holds(versions, now):
                panel.as_of = entry.computed_at
        else:
            panel, tables = _computed(provider, programme, county_ids, user, period)
            if versions is not None and table_versions.cacheable(tables, versions):
                computed[key] = (tables.tables | PROGRAMME_TABLES, panel)
        if panel is not None:
            panels.append(panel)
    if computed:
        rendered.update(_checked(computed, versions, now, html=html, fresh_enough=fresh_enough))
    if rendered:
        _stored(rendered)
    return sorted(panels, key=lambda panel: (panel.order, panel.key))


def dashboard_panels_refresh(
    *, programme: Programme, user, period: Period | None, names: list[str]
) -> None:
    """Compute the named panels anew for this person's counties and store them, as the page
    shows them (see "fresh enough": the task a reader of panels past their freshness queues)."""
    county_ids = dashboard_county_ids(programme=programme, user=user)
    versions = table_versions.table_versions()
    if versions is None:
        return
    computed = {}
    for provider in providers:
        if _provider_name(provider) in names:
            panel, tables = _computed(provider, programme, county_ids, user, period)
            if table_versions.cacheable(tables, versions):
                key = _cache_key(
                    provider, programme=programme, county_ids=county_ids, period=period
                )
                computed[key] = (tables.tables | PROGRAMME_TABLES, panel)
    now = timezone.now()
    _stored(_checked(computed, versions, now, html=True, fresh_enough=True))


def dashboard_scopes_warm(*, programme: Programme) -> int:
    """Compute and store, in every language, the panels of each scope of the programme's
    dashboard that are not held already: the project leader's whole programme and each
    coordinator's counties. The first reader of a scope would otherwise compute them while
    waiting (0.2–0.7 s; docs/performance.md, part 30): after a deploy, and when a scope's panels
    have left the cache. Run after a deploy (`manage.py dashboards_warm`) and every five
    minutes (`portal.tasks.dashboards_warm`). Returns how many scopes there are."""
    scopes = {}  # one person for each set of counties (the panels are keyed by it, not by them)
    for person in permissions.users_for("view_dashboard", programme).order_by("pk"):
        county_ids = dashboard_county_ids(programme=programme, user=person)
        if county_ids != set():
            scopes.setdefault(None if county_ids is None else frozenset(county_ids), person)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for person in scopes.values():
                programme_dashboard(programme=programme, user=person, html=True, fresh_enough=True)
    return len(scopes)


def dashboards_warm() -> int:
    """`dashboard_scopes_warm` for every programme (an installation runs a handful; a scope
    whose panels are held costs a read of the tables' states and of the cache); returns how
    many scopes there are."""
    programmes = Programme.objects.prefetch_related("counties", "competence_areas")
    return sum(dashboard_scopes_warm(programme=programme) for programme in programmes)


def _computed(provider, programme, county_ids, user, period):
    """The provider's panel and the tables its queries read."""
    arguments = {"programme": programme, "county_ids": county_ids, "user": user}
    if _takes_period(provider):
        arguments["period"] = period
    with table_versions.tables_read() as found:
        panel = provider(**arguments)
    return panel, found


def _stored(entries: dict) -> None:
    try:
        cache.set_many(entries, PANEL_CACHE_SECONDS)
    except (pickle.PicklingError, TypeError, AttributeError):
        # A panel that holds what cannot be pickled (a lambda...) is shown, not cached.
        logger.exception("dashboard panels not cached: %s", ", ".join(entries))


# --- cached exactly -----------------------------------------------------------------------
#
# A panel's figures are a function of the programme, the counties shown, the period, the
# language, the tables it reads and the time. So a computed panel is stored with the states of
# the tables it read (`portal.table_versions`: the state changes with every committed write of
# a table, on any write path) and the moment until which its figures hold, and served while
# both are unchanged. It is stored only if the states, read again after computing, are still
# those read before (a write committed meanwhile may or may not have been seen). The view's
# prefetch (the programme's counties, competence areas and funding) is read before the panels:
# those tables count for every panel.

PROGRAMME_TABLES = frozenset(
    {
        "portal_programme",
        "portal_programme_counties",
        "portal_county",
        "portal_competencearea",
        "portal_fundingsource",
    }
)
PANEL_CACHE_VERSION = 2  # raise when a panel's computation or its classes change
PANEL_CACHE_SECONDS = 60 * 60 * 24


@dataclass
class CachedPanel:
    panel: DashboardPanel | None
    versions: dict[str, str | None]
    valid_until: datetime
    computed_at: datetime

    def holds(self, versions: dict[str, str | None], now: datetime) -> bool:
        return now < self.valid_until and table_versions.states_hold(self.versions, versions)


# --- fresh enough ---------------------------------------------------------------------------
#
# The page (and the API's key figures) show a panel written to since it was computed as it was,
# with the time it was computed, by the rule of portal.freshness; never past the moment its
# figures change with the time alone (`valid_until`).


def _shown_as_it_was(entry: CachedPanel | None, key: str, now: datetime) -> bool | str:
    if entry is None or now >= entry.valid_until:
        return False
    return freshness.shown_as_it_was(computed_at=entry.computed_at, key=key, now=now)


def _refresh_queued(programme: Programme, user, period: Period | None, stale: list) -> bool:
    """Queue the task that computes these panels anew; False when no broker takes it."""
    from .tasks import dashboard_panels_refresh_task  # (the tasks module imports this one)

    return freshness.refresh_queued(
        dashboard_panels_refresh_task,
        programme_id=programme.pk,
        user_id=user.pk,
        period=None if period is None else (period.start.isoformat(), period.end.isoformat()),
        names=[_provider_name(provider) for provider in stale],
        language=translation.get_language(),
    )


def dashboard_as_of(panels: list[DashboardPanel]) -> datetime | None:
    """When the oldest figures shown were computed, if any are shown as they were."""
    return min((panel.as_of for panel in panels if panel.as_of), default=None)


def _provider_name(provider) -> str:
    return f"{provider.__module__}.{provider.__qualname__}"


def _cache_key(provider, *, programme, county_ids, period) -> str:
    scope = "all" if county_ids is None else ",".join(map(str, sorted(county_ids)))
    span = "whole" if period is None else f"{period.start}:{period.end}"
    name = _provider_name(provider)
    language = translation.get_language()
    return f"dashboard:{PANEL_CACHE_VERSION}:{name}:{programme.pk}:{scope}:{span}:{language}"


def _checked(
    computed: dict, versions: dict, now: datetime, *, html: bool, fresh_enough: bool = False
) -> dict:
    """The entries to store: the panels whose tables no write changed while they were
    computed, each until its figures change with the time: the next local midnight (figures
    of "today": late milestones, reports due, placements over) or a moment the panel names (a
    gathering starting), whichever comes first. With `fresh_enough`, the others too, under the
    states read before computing: never served as exact (a changed state never comes back),
    only as they were (see "fresh enough")."""
    after = table_versions.table_versions() or {}
    midnight = timezone.make_aware(
        datetime.combine(timezone.localdate(now) + timedelta(days=1), time.min)
    )
    entries = {}
    for key, (tables, panel) in computed.items():
        states = {table: versions.get(table) for table in tables}
        changed = not table_versions.states_hold(states, after)
        if changed and not fresh_enough:
            continue
        until = min(midnight, panel.valid_until or midnight) if panel else midnight
        if panel is not None:
            panel.stamp = uuid.uuid4().hex
            if html:
                _render(panel)
        entries[key] = CachedPanel(panel=panel, versions=states, valid_until=until, computed_at=now)
    return entries


def dashboard_overview_html(overview: DashboardOverview) -> str:
    """The top of the page (the county cards and the loop matrix) as HTML. Made of the panels
    and the programme's counties and areas alone, so cached under the cache entries of the
    panels (each one's stamp names its figures, its counties, the language and the states it
    was computed from) when every panel came from one."""
    stamps = [panel.stamp for panel in overview.panels]

    def render() -> str:
        return render_to_string("portal/dashboard/overview.html", {"overview": overview})

    if not stamps or None in stamps:
        return render()
    digest = hashlib.sha256(",".join(stamps).encode()).hexdigest()
    key = f"dashboard:{PANEL_CACHE_VERSION}:overview:{translation.get_language()}:{digest}"
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, html, PANEL_CACHE_SECONDS)
    return html


def _render(panel: DashboardPanel) -> None:
    """The panel's section as the page shows it: its template reads its context only."""
    panel.html = render_to_string(panel.template, {"data": panel.context})


@dataclass
class CountyCard:
    county: County
    figures: list[KeyFigure]


@dataclass
class LoopRow:
    county: County
    cells: list[list[LoopFigure]]


@dataclass
class DashboardOverview:
    """What the top of the dashboard (and the funder report) shows, from every panel."""

    panels: list[DashboardPanel]
    cards: list[CountyCard]
    areas: list[CompetenceArea]
    loop: list[LoopRow]
    tables: list[DashboardTable]


def dashboard_overview(
    *,
    programme: Programme,
    user,
    period: Period | None = None,
    html: bool = False,
    fresh_enough: bool = False,
) -> DashboardOverview:
    """The panels, each county's card of key figures, the loop matrix and every table (with
    `html`, the panels' sections as HTML where they can be cached: for a page; `fresh_enough`
    as `programme_dashboard` says)."""
    panels = programme_dashboard(
        programme=programme, user=user, period=period, html=html, fresh_enough=fresh_enough
    )
    county_ids = dashboard_county_ids(programme=programme, user=user)
    counties = dashboard_counties(programme=programme, county_ids=county_ids)
    areas = dashboard_areas(programme=programme)
    cards = _cards(panels, counties)
    loop = [
        LoopRow(
            county=county,
            cells=[
                sorted(
                    (f for panel in panels for f in panel.loop.get((county.pk, area.pk), [])),
                    key=lambda figure: figure.step,
                )
                for area in areas
            ],
        )
        for county in counties
    ]
    tables = [_key_figure_table(cards), _loop_table(loop, areas)]
    tables += [table for panel in panels for table in panel.tables]
    return DashboardOverview(panels=panels, cards=cards, areas=areas, loop=loop, tables=tables)


def dashboard_cards(*, programme: Programme, user) -> list[CountyCard]:
    """Only each county's card of key figures (the API's key figures): the overview's cards,
    without its loop matrix and tables; fresh enough, as the page's)."""
    panels = programme_dashboard(programme=programme, user=user, fresh_enough=True)
    county_ids = dashboard_county_ids(programme=programme, user=user)
    return _cards(panels, dashboard_counties(programme=programme, county_ids=county_ids))


def _cards(panels: list[DashboardPanel], counties: list[County]) -> list[CountyCard]:
    return [
        CountyCard(
            county=county,
            figures=sorted(
                (
                    f
                    for panel in panels
                    for f in _keyed(panel.key, panel.key_figures.get(county.pk, []))
                ),
                key=lambda figure: figure.order,
            ),
        )
        for county in counties
    ]


def _keyed(panel_key: str, figures: list[KeyFigure]) -> list[KeyFigure]:
    """The figures, each with a key unique on the card: its own, or its panel's and order; a
    sub-figure's is its parent's and its place ("surveys-21.1")."""
    seen: set[str] = set()
    for figure in figures:
        key = figure.key = figure.key or f"{panel_key}-{figure.order}"
        number = 1
        while figure.key in seen:
            number += 1
            figure.key = f"{key}-{number}"
        seen.add(figure.key)
        for place, item in enumerate(figure.items, start=1):
            item.key = item.key or f"{figure.key}.{place}"
    return figures


def _key_figure_table(cards: list[CountyCard]) -> DashboardTable:
    rows = []
    for card in cards:
        for figure in card.figures:
            if figure.items:
                rows += [
                    [card.county.name, f"{figure.label}: {i.label}", i.value] for i in figure.items
                ]
            else:
                rows.append([card.county.name, figure.label, figure.value])
    return DashboardTable(
        key="key-figures",
        title=_("Key figures per county"),
        columns=[_("County"), _("Figure"), _("Value")],
        rows=rows,
    )


def _loop_table(loop: list[LoopRow], areas: list[CompetenceArea]) -> DashboardTable:
    rows = [
        [row.county.name, area.localized_name, figure.label, figure.value]
        for row in loop
        for area, cell in zip(areas, row.cells, strict=True)
        for figure in cell
    ]
    return DashboardTable(
        key="loop",
        title=_("The loop per county and competence area"),
        columns=[_("County"), _("Competence area"), _("Figure"), _("Value")],
        rows=rows,
    )


def share_figure(
    label: str, part: int, whole: int, *, order: int = 100, key: str = ""
) -> KeyFigure:
    """A share as a key figure: "72 % (18 of 25)", with its bar; "–" when there is no whole."""
    if not whole:
        return KeyFigure(label, "–", order=order, key=key)
    return KeyFigure(
        label,
        _("%(percent)s %% (%(part)s of %(whole)s)")
        % {"percent": round(100 * part / whole), "part": part, "whole": whole},
        share=part / whole,
        order=order,
        key=key,
    )


def dashboard_table(overview: DashboardOverview, key: str) -> DashboardTable | None:
    return next((table for table in overview.tables if table.key == key), None)


# --- the portal's own panel: who the programme reaches ------------------------------------


@dataclass
class ReachRow:
    label: str
    libraries: int
    people: int


MEMBER_ROLES = (Role.LIBRARY_LEADER, Role.STAFF)


def _reach_counts() -> dict:
    return {
        "libraries": Count("id", distinct=True),
        "people": Count(
            "role_assignments__user_id",
            distinct=True,
            filter=Q(role_assignments__role__in=MEMBER_ROLES),
        ),
    }


@register
def reach_panel(*, programme, county_ids, user, **kwargs) -> DashboardPanel:
    """Per county: the libraries, and the people with a role at them (library leaders and staff).

    One query per table, whatever the number of libraries and people; the total (project leader
    only) is a query of its own, since a person working in two counties counts once there.
    """
    counties = dashboard_counties(programme=programme, county_ids=county_ids)
    libraries = Library.objects.filter(county_id__in=[c.pk for c in counties])
    counts = {
        row["county_id"]: row
        for row in libraries.values("county_id").annotate(**_reach_counts()).order_by()
    }
    rows = [
        ReachRow(
            label=county.name,
            libraries=counts.get(county.pk, {}).get("libraries", 0),
            people=counts.get(county.pk, {}).get("people", 0),
        )
        for county in counties
    ]
    total = None
    if county_ids is None:
        figures = libraries.aggregate(**_reach_counts())
        total = ReachRow(label=_("All counties"), **figures)
    return DashboardPanel(
        key="reach",
        title=gettext_lazy("Libraries and people"),
        template="portal/dashboard/reach.html",
        context={"rows": rows, "total": total},
        order=10,
        key_figures={
            county.pk: [KeyFigure(_("People with a role"), str(row.people), order=10, key="people")]
            for county, row in zip(counties, rows, strict=True)
        },
        tables=[
            DashboardTable(
                key="reach",
                title=_("Libraries and people with a role, per county"),
                columns=[_("County"), _("Libraries"), _("People with a role")],
                rows=[
                    [r.label, r.libraries, r.people] for r in [*rows, *([total] if total else [])]
                ],
            )
        ],
    )


# --- the budget: funding against what the activities cost -----------------------------------


@dataclass
class ActivityCosts:
    """What one kind of activity cost (NOK): per county it happened in (or whose staff it
    served) and per funding source it is charged to."""

    label: str
    counties: dict[int, Decimal] = field(default_factory=dict)
    funding: dict[int, Decimal] = field(default_factory=dict)
    order: int = 100


cost_providers: list[Callable[..., ActivityCosts]] = []


def register_costs(provider: Callable[..., ActivityCosts]) -> Callable[..., ActivityCosts]:
    if provider not in cost_providers:
        cost_providers.append(provider)
    return provider


@dataclass
class BudgetRow:
    label: str
    funding: Decimal
    costs: list[Decimal]

    @property
    def spent(self) -> Decimal:
        return sum(self.costs, Decimal("0"))

    @property
    def left(self) -> Decimal:
        return self.funding - self.spent

    @property
    def used(self) -> KeyFigure:
        """The share of the funding spent, with its bar ("–" without funding)."""
        if not self.funding:
            return KeyFigure(_("Used"), "–")
        share = self.spent / self.funding
        percent = _("%(percent)s %%") % {"percent": round(100 * share)}
        return KeyFigure(_("Used"), percent, share=float(share))


def _sum_rows(label: str, rows: list[BudgetRow], width: int) -> BudgetRow:
    return BudgetRow(
        label,
        sum((r.funding for r in rows), Decimal("0")),
        [sum((r.costs[i] for r in rows), Decimal("0")) for i in range(width)],
    )


@register
def budget_panel(*, programme, county_ids, user, period=None, **kwargs) -> DashboardPanel:
    """Per county: the county's own contribution against the costs of its gatherings and of
    its staff's exchanges, and what is left; the money for the whole programme (the grant) in a
    row of its own and the total (project leader only), and each funding source against the
    costs charged to it (project leader only: the whole programme's money). One query for the
    funding sources and two per kind of activity."""
    counties = dashboard_counties(programme=programme, county_ids=county_ids)
    activities = sorted(
        (
            provider(programme=programme, county_ids=county_ids, period=period)
            for provider in cost_providers
        ),
        key=lambda a: a.order,
    )
    sources = list(FundingSource.objects.filter(programme=programme).order_by("-amount", "name"))
    zero = Decimal("0")

    def contribution(county_id):
        return sum((s.amount for s in sources if s.county_id == county_id), zero)

    rows = [
        BudgetRow(
            county.name,
            contribution(county.pk),
            [a.counties.get(county.pk) or zero for a in activities],
        )
        for county in counties
    ]
    whole, total, per_source = None, None, []
    if county_ids is None:
        whole = BudgetRow(
            _("The whole programme (grant)"), contribution(None), [zero] * len(activities)
        )
        total = _sum_rows(_("Total"), [*rows, whole], len(activities))
        per_source = [
            BudgetRow(s.name, s.amount, [a.funding.get(s.pk) or zero for a in activities])
            for s in sources
        ]
    labels = [a.label for a in activities]
    columns = [
        _("Funding"),
        *(_("Costs: %(activity)s") % {"activity": label} for label in labels),
        _("Costs in all"),
        _("Left"),
    ]
    shown = [
        (
            DashboardTable(
                key="budget-counties",
                title=_("Budget per county (NOK)"),
                columns=[_("County"), *columns],
            ),
            [*rows, *([whole, total] if total else [])],
        )
    ]
    if county_ids is None:
        per_source.append(_sum_rows(_("Total"), per_source, len(activities)))
        shown.append(
            (
                DashboardTable(
                    key="budget",
                    title=_("Budget: each funding source against the costs charged to it (NOK)"),
                    columns=[_("Funding source"), *columns],
                ),
                per_source,
            )
        )
    for table, budget_rows in shown:
        table.rows = [[r.label, r.funding, *r.costs, r.spent, r.left] for r in budget_rows]
    return DashboardPanel(
        key="budget",
        title=gettext_lazy("Budget"),
        template="portal/dashboard/budget.html",
        context={"tables": shown},
        order=60,
        tables=[table for table, _rows in shown],
    )


# --- the timeline of the programme period -------------------------------------------------


@dataclass
class TimelineEvent:
    """A dated event of the programme: `until` for one lasting several days; `kind` is a CSS cue
    and `kind_label` says what it is; `county` is None for the whole programme."""

    day: date
    kind: str
    kind_label: str
    title: str
    county: County | None = None
    until: date | None = None
    note: str = ""


@dataclass
class TimelineMonth:
    month: date  # its first day
    events: list[TimelineEvent]


timeline_providers: list[Callable[..., list[TimelineEvent]]] = []


def register_timeline(
    provider: Callable[..., list[TimelineEvent]],
) -> Callable[..., list[TimelineEvent]]:
    if provider not in timeline_providers:
        timeline_providers.append(provider)
    return provider


def in_scope(county_id: int | None, county_ids: set[int] | None) -> bool:
    """Whether a timeline event of this county is shown: programme-wide events to everyone."""
    return county_ids is None or county_id is None or county_id in county_ids


@register
def timeline_panel(*, programme, county_ids, user, period=None, **kwargs) -> DashboardPanel:
    """Every registered event in date order, grouped by month; one query per provider."""
    events = [
        event
        for provider in timeline_providers
        for event in provider(programme=programme, county_ids=county_ids, period=period)
    ]
    events.sort(key=lambda e: (e.day, e.until or e.day, e.kind, e.title))
    months: list[TimelineMonth] = []
    for event in events:
        month = event.day.replace(day=1)
        if not months or months[-1].month != month:
            months.append(TimelineMonth(month=month, events=[]))
        months[-1].events.append(event)
    return DashboardPanel(
        key="timeline",
        title=gettext_lazy("Timeline of the programme"),
        template="portal/dashboard/timeline.html",
        context={"months": months},
        order=70,
        tables=[
            DashboardTable(
                key="timeline",
                title=_("Timeline of the programme"),
                columns=[_("Date"), _("Until"), _("What"), _("Title"), _("County"), _("Note")],
                rows=[
                    [
                        e.day,
                        e.until,
                        e.kind_label,
                        e.title,
                        e.county.name if e.county else _("The whole programme"),
                        e.note,
                    ]
                    for e in events
                ],
            )
        ],
    )
