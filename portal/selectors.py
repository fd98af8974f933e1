"""Reads of the portal app."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from . import home
from .models import Invitation, Library, Programme, RoleAssignment, User
from .permissions import Scope, get_scope, visible
from .services import invitation_token_hash

Role = RoleAssignment.Role


def invitation_by_token(token: str) -> Invitation | None:
    """An open invitation for this link token, or None."""
    return (
        Invitation.objects.select_related("library", "library__county")
        .filter(
            token_hash=invitation_token_hash(token),
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


def _role_labels(scope: Scope, programme: Programme, libraries: dict[int, Library]) -> list[str]:
    labels = []
    if programme.id in scope.led_programme_ids:
        labels.append(str(Role.PROJECT_LEADER.label))
    county_names = {c.id: c.name for c in programme.counties.all()}
    for programme_id, county_id in sorted(scope.coordinated):
        if programme_id == programme.id:
            labels.append(f"{Role.COORDINATOR.label}, {county_names.get(county_id, '')}")
    for library_id in sorted(scope.member_library_ids):
        library = libraries[library_id]
        if library.county_id in county_names:
            role = Role.LIBRARY_LEADER if library_id in scope.led_library_ids else Role.STAFF
            labels.append(f"{role.label}, {library.name}")
    return labels


def home_overview(*, user) -> list[ProgrammeHome]:
    """For each programme the user takes part in: their roles there and what they can do."""
    scope = get_scope(user)
    programmes = (
        visible(user, Programme)
        .select_related("lead_county")
        .prefetch_related(Prefetch("counties"))
        .order_by("-start_date")
    )
    libraries = Library.objects.in_bulk(scope.member_library_ids)
    overview = []
    for programme in programmes:
        entry = ProgrammeHome(programme, _role_labels(scope, programme, libraries))
        for provider in home.providers:
            entry.actions.extend(provider(user=user, programme=programme, scope=scope))
        overview.append(entry)
    return overview


def site_admins() -> list[User]:
    """The people who run the site: they receive reported accessibility problems."""
    return list(User.objects.filter(is_superuser=True, is_active=True).order_by("pk"))


def invitations_pending(*, library: Library) -> QuerySet[Invitation]:
    """Invitations to this library not yet accepted, the oldest first (expired ones too)."""
    return (
        library.invitations.filter(accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("created_at")
    )


def roles_by_programme(*, user) -> tuple[list[ProgrammeHome], list[RoleAssignment]]:
    """The person's roles in each programme they take part in, and their library roles."""
    scope = get_scope(user)
    libraries = Library.objects.in_bulk(scope.member_library_ids)
    programmes = (
        Programme.objects.filter(id__in=scope.programme_ids)
        .prefetch_related("counties")
        .order_by("-start_date")
    )
    library_roles = list(
        RoleAssignment.objects.filter(user=user, library__isnull=False)
        .select_related("library__county")
        .order_by("library__name", "role")
    )
    return [
        ProgrammeHome(programme, _role_labels(scope, programme, libraries))
        for programme in programmes
    ], library_roles
