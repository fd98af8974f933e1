"""Reads of the portal app."""

from __future__ import annotations

import hashlib
import inspect
from dataclasses import dataclass, field
from functools import cache as once
from pathlib import Path

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone, translation

from . import home
from .models import FunderReport, Invitation, Library, Programme, RoleAssignment, User
from .permissions import role_assignments, visible
from .table_versions import kept
from .tokens import token_hash

Role = RoleAssignment.Role


def invitation_by_token(token: str) -> Invitation | None:
    """An open invitation for this link token, or None."""
    return (
        Invitation.objects.select_related("library", "library__county")
        .filter(
            token_hash=token_hash(token),
            accepted_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )


def library_list(*, user, county_id: int | None = None) -> QuerySet[Library]:
    qs = (
        visible(user, Library)
        .select_related("county")
        .annotate(staff_count=Count("role_assignments"))
    )
    if county_id:
        qs = qs.filter(county_id=county_id)
    return qs.order_by("county__number", "name")


def library_staff(*, library: Library) -> QuerySet[RoleAssignment]:
    return (
        RoleAssignment.objects.filter(library=library)
        .select_related("user")
        .order_by("user__full_name", "user__email", "role")
    )


@dataclass
class ProgrammeHome:
    programme: Programme
    roles: list[str] = field(default_factory=list)
    actions: list[home.HomeAction] = field(default_factory=list)

    @property
    def waiting(self) -> list[home.HomeAction]:
        """What waits for the person, with a count above 0."""
        return [action for action in self.actions if action.waits]

    @property
    def offered(self) -> list[home.HomeAction]:
        """What the person can do (links, and counts with nothing waiting are left out)."""
        return [action for action in self.actions if action.count is None]


def _role_labels(assignments, programme: Programme) -> list[str]:
    """The person's roles (`assignments`, with county and library) that belong to this
    programme, as labels (for display only)."""
    county_ids = {c.pk for c in programme.counties.all()}
    labels = []
    for assignment in assignments:
        if assignment.programme_id == programme.pk:
            label = str(assignment.get_role_display())
            if assignment.county_id:
                label = f"{label}, {assignment.county.name}"
            labels.append(label)
        elif assignment.library_id and assignment.library.county_id in county_ids:
            labels.append(f"{assignment.get_role_display()}, {assignment.library.name}")
    return labels


def home_overview(*, user) -> list[ProgrammeHome]:
    """For each programme the user takes part in: their roles there and what they can do."""
    programmes = (
        visible(user, Programme)
        .select_related("lead_county")
        .prefetch_related(Prefetch("counties"))
        .order_by("-start_date")
    )
    assignments = role_assignments(user)
    overview = []
    for programme in programmes:
        entry = ProgrammeHome(programme, _role_labels(assignments, programme))
        kept_actions = _kept_actions(user=user, programme=programme)
        for provider in home.providers:
            if provider in home.kept_providers:
                entry.actions.extend(kept_actions[home.kept_providers.index(provider)])
            else:
                entry.actions.extend(provider(user=user, programme=programme))
        overview.append(entry)
    return overview


# Kept actions live a day at most: the day is in their key.
HOME_ACTIONS_KEPT_SECONDS = 24 * 60 * 60


def _kept_actions(*, user, programme: Programme) -> list[list[home.HomeAction]]:
    """The actions of each provider registered with `home.register_kept`, kept between requests
    (`kept`: a hit costs the cache's read and one query of the tables' states). The person and
    the programme are read anew inside, so that the roles, the counties and the person's flags
    their rules were built from are among the tables whose states keep the actions: a role
    given or taken away shows at the next read. The key names the day (what is over, overdue
    or due), the language of the labels, and the providers' code."""

    def compute() -> list[list[home.HomeAction]]:
        person = User.objects.get(pk=user.pk)
        fresh = Programme.objects.get(pk=programme.pk)
        return [provider(user=person, programme=fresh) for provider in home.kept_providers]

    key = ":".join(
        [
            "home-actions",
            _kept_providers_fingerprint(),
            str(user.pk),
            str(programme.pk),
            translation.get_language() or "",
            timezone.localdate().isoformat(),
        ]
    )
    return kept(key, compute, timeout=HOME_ACTIONS_KEPT_SECONDS)


@once
def _kept_providers_fingerprint() -> str:
    """A digest of the modules the kept providers are written in: after a deploy that changes
    one, no one's home shows the actions as the code before it made them."""
    digest = hashlib.blake2b(digest_size=8)
    for provider in home.kept_providers:
        digest.update(provider.__qualname__.encode())
        digest.update(Path(inspect.getfile(provider)).read_bytes())
    return digest.hexdigest()


def invitations_pending(*, library: Library) -> QuerySet[Invitation]:
    """Invitations to this library not yet accepted, the oldest first (expired ones too)."""
    return (
        library.invitations.filter(accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("created_at")
    )


def roles_by_programme(*, user) -> tuple[list[ProgrammeHome], list[RoleAssignment]]:
    """The person's roles in each programme they take part in, and their library roles."""
    person = User.objects.prefetch_related(
        Prefetch(
            "roles",
            queryset=RoleAssignment.objects.select_related("county", "library__county").order_by(
                "role", "county__number", "library__name"
            ),
        )
    ).get(pk=user.pk)
    programmes = (
        visible(user, Programme).prefetch_related("counties").order_by("-start_date", "name")
    )
    return [
        ProgrammeHome(programme, _role_labels(person.roles.all(), programme))
        for programme in programmes
    ], [role for role in person.roles.all() if role.library_id]


def funder_reports_for(*, user: User, programme: Programme) -> QuerySet[FunderReport]:
    """The programme's stored reports to the funder this person may see and download, newest
    first (none for a coordinator: a report holds every county)."""
    return (
        visible(user, FunderReport)
        .filter(programme=programme)
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )
