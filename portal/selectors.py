"""Reads of the portal app."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, QuerySet
from django.utils import timezone

from . import home
from .models import FunderReport, Invitation, Library, Programme, RoleAssignment, User
from .permissions import role_assignments, visible
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
        for provider in home.providers:
            entry.actions.extend(provider(user=user, programme=programme))
        overview.append(entry)
    return overview


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
