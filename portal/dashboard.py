"""The programme dashboard: one page that makes the programme's loop visible.

baseline survey → competence gaps per county and area → courses on those areas → attendance and
completion → follow-up survey → change in gaps per county and area → report to the funder.

Each app adds its part as a panel: its `dashboard.py` registers a provider (portal.apps imports
every installed app's `dashboard` module). A provider is called with the programme, the counties
the person may see (`county_ids`, None for every county of the programme) and the person, and
returns a `DashboardPanel` or None (nothing to show). Providers must only show figures for the
counties in `county_ids`: the project leader (and a site admin) sees every county, a county
coordinator only the counties they coordinate in that programme.

Providers read the programme's counties and competence areas through `dashboard_counties` and
`dashboard_areas`, which use the view's prefetch, so every panel keeps a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions
from .models import CompetenceArea, County, Library, Programme, RoleAssignment

Role = RoleAssignment.Role


@dataclass
class DashboardPanel:
    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


DashboardProvider = Callable[..., DashboardPanel | None]
providers: list[DashboardProvider] = []


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


def programme_dashboard(*, programme: Programme, user) -> list[DashboardPanel]:
    """Every registered panel that has something to show this person, in loop order."""
    county_ids = dashboard_county_ids(programme=programme, user=user)
    panels = []
    for provider in providers:
        panel = provider(programme=programme, county_ids=county_ids, user=user)
        if panel is not None:
            panels.append(panel)
    return sorted(panels, key=lambda panel: (panel.order, panel.key))


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
def reach_panel(*, programme, county_ids, user) -> DashboardPanel:
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
    )
