"""The one access policy of the portal.

Every question "which objects of this kind may this user see?" and "may this user do this action
to this object?" is answered here. Each model has a `Policy` registered in `registry`; apps add
their own policies (in their `permissions.py`) built on the same `Scope`. Views fetch objects with
`get_visible_or_404`, so an object outside the user's scope answers exactly like a missing one,
and check actions with `require`, which answers 403. Both log the refusal.

Site admins (`is_superuser`) hold every power; that is decided here and nowhere else.
"""

from __future__ import annotations

import contextlib
import logging
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from .models import County, Library, Programme, RoleAssignment, User

logger = logging.getLogger("portal.access")
Role = RoleAssignment.Role


class UnknownAction(ValueError):
    """An action name the policy does not define: a programming error, never a silent 'no'."""


class Scope:
    """What a user holds: their roles, read once per request and cached on the user."""

    def __init__(self, user):
        self.user = user
        self.is_authenticated = bool(user and user.is_authenticated and user.is_active)
        self.is_site_admin = self.is_authenticated and user.is_superuser
        led_programmes, coordinated, led_libraries, staff_libraries = set(), set(), set(), set()
        if self.is_authenticated:
            # No ORDER BY: the model's default ordering would sort (and join) for nothing.
            for role, programme_id, county_id, library_id in (
                RoleAssignment.objects.filter(user=user)
                .order_by()
                .values_list("role", "programme_id", "county_id", "library_id")
            ):
                if role == Role.PROJECT_LEADER:
                    led_programmes.add(programme_id)
                elif role == Role.COORDINATOR:
                    coordinated.add((programme_id, county_id))
                elif role == Role.LIBRARY_LEADER:
                    led_libraries.add(library_id)
                else:
                    staff_libraries.add(library_id)
        self.led_programme_ids = frozenset(led_programmes)
        self.coordinated = frozenset(coordinated)
        self.coordinated_county_ids = frozenset(c for _p, c in coordinated)
        self.coordinated_programme_ids = frozenset(p for p, _c in coordinated)
        self.led_library_ids = frozenset(led_libraries)
        self.staff_library_ids = frozenset(staff_libraries)
        self.member_library_ids = self.led_library_ids | self.staff_library_ids

    # --- derived sets (one query each, only when asked) ---

    @cached_property
    def led_programme_county_ids(self) -> frozenset[int]:
        """Counties taking part in a programme this user leads."""
        if not self.led_programme_ids:
            return frozenset()
        return frozenset(
            Programme.counties.through.objects.filter(
                programme_id__in=self.led_programme_ids
            ).values_list("county_id", flat=True)
        )

    @cached_property
    def member_county_ids(self) -> frozenset[int]:
        """Counties of the libraries this user works at."""
        if not self.member_library_ids:
            return frozenset()
        return frozenset(
            Library.objects.filter(id__in=self.member_library_ids)
            .order_by()  # the default ordering joins the counties to sort by number
            .values_list("county_id", flat=True)
        )

    @cached_property
    def member_programme_ids(self) -> frozenset[int]:
        """Programmes in which a library this user works at takes part."""
        if not self.member_county_ids:
            return frozenset()
        return frozenset(
            Programme.counties.through.objects.filter(
                county_id__in=self.member_county_ids
            ).values_list("programme_id", flat=True)
        )

    @cached_property
    def managed_programme_ids(self) -> frozenset[int]:
        """Programmes the user leads or coordinates a county in."""
        return self.led_programme_ids | self.coordinated_programme_ids

    @cached_property
    def programme_ids(self) -> frozenset[int]:
        """Every programme the user takes part in, in any role."""
        return self.managed_programme_ids | self.member_programme_ids

    @cached_property
    def managed_county_ids(self) -> frozenset[int]:
        """Counties the user manages in some programme (as project leader or coordinator)."""
        return self.led_programme_county_ids | self.coordinated_county_ids

    # --- questions every policy asks ---

    @property
    def is_manager(self) -> bool:
        """Project leader or county coordinator of any programme."""
        return bool(self.led_programme_ids or self.coordinated)

    def leads_programme(self, programme_id) -> bool:
        return self.is_site_admin or programme_id in self.led_programme_ids

    def manages_county(self, programme_id, county_id) -> bool:
        """Project leader of the programme, or its coordinator for this county."""
        return self.leads_programme(programme_id) or (programme_id, county_id) in self.coordinated

    def manages_owned(self, programme_id, county_id) -> bool:
        """Manages an object that belongs to a county in a programme, or (county None) to the whole
        programme: a programme-wide object is the project leader's alone."""
        if county_id is None:
            return self.leads_programme(programme_id)
        return self.manages_county(programme_id, county_id)

    def county_q(self, programme_field="programme", county_field="county") -> Q:
        """Objects keyed by (programme, county) that this user manages, as a filter."""
        q = Q(**{f"{programme_field}__in": self.led_programme_ids})
        for programme_id, county_id in self.coordinated:
            q |= Q(**{programme_field: programme_id, county_field: county_id})
        return q


def get_scope(user) -> Scope:
    scope = getattr(user, "_portal_scope", None)
    if scope is None:
        scope = Scope(user)
        if user is not None and user.is_authenticated:
            user._portal_scope = scope
    return scope


class Policy:
    """Answers the two questions for one model. Subclasses set `model` and `actions`."""

    model: type[Model]
    actions: frozenset[str] = frozenset({"view"})

    def visible(self, user) -> QuerySet:
        scope = get_scope(user)
        qs = self.model._default_manager.all()
        if scope.is_site_admin:
            return qs
        if not scope.is_authenticated:
            return qs.none()
        return self.scoped(qs, scope)

    def scoped(self, qs: QuerySet, scope: Scope) -> QuerySet:  # pragma: no cover - abstract
        raise NotImplementedError

    def can(self, user, action: str, obj) -> bool:
        if action not in self.actions:
            raise UnknownAction(f"{type(self).__name__} has no action {action!r}")
        scope = get_scope(user)
        if not scope.is_authenticated:
            return False
        if scope.is_site_admin:
            return True
        return self.allows(scope, action, obj)

    def allows(self, scope: Scope, action: str, obj) -> bool:  # pragma: no cover - abstract
        raise NotImplementedError

    def county_of(self, obj) -> County | None:
        """The county an object belongs to, for the access log."""
        return getattr(obj, "county", None)


class ProgrammePolicy(Policy):
    model = Programme
    actions = frozenset({"view", "change", "view_dashboard"})

    def scoped(self, qs, scope):
        return qs.filter(id__in=scope.programme_ids)

    def allows(self, scope, action, programme):
        if action == "view":
            return programme.id in scope.programme_ids
        if action == "change":
            return scope.leads_programme(programme.id)
        # view_dashboard: the project leader sees all; a coordinator sees their county's part.
        return (
            scope.leads_programme(programme.id) or programme.id in scope.coordinated_programme_ids
        )

    def county_of(self, obj):
        return obj.lead_county


class CountyPolicy(Policy):
    model = County
    actions = frozenset({"view", "manage"})

    def scoped(self, qs, scope):
        participating = Programme.counties.through.objects.filter(
            programme_id__in=scope.programme_ids
        ).values("county_id")
        return qs.filter(Q(id__in=participating) | Q(id__in=scope.member_county_ids))

    def allows(self, scope, action, county):
        if action == "view":
            return self.scoped(County.objects.filter(id=county.id), scope).exists()
        return county.id in scope.managed_county_ids

    def county_of(self, obj):
        return obj


class LibraryPolicy(Policy):
    model = Library
    actions = frozenset({"view", "change", "view_staff", "manage_staff"})

    def scoped(self, qs, scope):
        return qs.filter(
            Q(county_id__in=scope.managed_county_ids) | Q(id__in=scope.member_library_ids)
        )

    def allows(self, scope, action, library):
        manages_county = library.county_id in scope.managed_county_ids
        if action == "change":
            return manages_county
        if action == "manage_staff":
            return manages_county or library.id in scope.led_library_ids
        # view, view_staff: the managers and everyone who works there.
        return manages_county or library.id in scope.member_library_ids

    def staff_managed(self, user) -> QuerySet:
        """Libraries whose staff list this user may change (invite, remove)."""
        scope = get_scope(user)
        qs = Library.objects.all()
        if scope.is_site_admin:
            return qs
        return qs.filter(
            Q(county_id__in=scope.managed_county_ids) | Q(id__in=scope.led_library_ids)
        )


class PersonPolicy(Policy):
    model = User
    actions = frozenset({"view", "change_roles"})

    def scoped(self, qs, scope):
        libraries = Q(library__county_id__in=scope.managed_county_ids) | Q(
            library_id__in=scope.member_library_ids
        )
        colleagues = RoleAssignment.objects.filter(
            libraries | Q(programme_id__in=scope.led_programme_ids)
        ).values("user_id")
        return qs.filter(Q(id=scope.user.id) | Q(id__in=colleagues))

    def allows(self, scope, action, person):
        if action == "view":
            return (
                person.id == scope.user.id
                or self.scoped(User.objects.filter(id=person.id), scope).exists()
            )
        # change_roles: someone who manages the staff of a library the person works at.
        managed = Q(county_id__in=scope.managed_county_ids) | Q(id__in=scope.led_library_ids)
        return (
            person.id != scope.user.id
            and Library.objects.filter(managed, role_assignments__user=person).exists()
        )

    def county_of(self, obj):
        return None  # a person has no single county; the log names the path instead


registry: dict[type[Model], Policy] = {}


def register(policy_class: type[Policy]) -> type[Policy]:
    registry[policy_class.model] = policy_class()
    return policy_class


for _policy in (ProgrammePolicy, CountyPolicy, LibraryPolicy, PersonPolicy):
    register(_policy)


def policy_for(model_or_obj) -> Policy:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    try:
        return registry[model]
    except KeyError:
        raise LookupError(f"No access policy registered for {model.__name__}") from None


def visible(user, model: type[Model]) -> QuerySet:
    """The objects of `model` this user may see (for list pages, exports and forms)."""
    return policy_for(model).visible(user)


def managed_programmes(user) -> QuerySet:
    """Programmes in which the user may create content for a county or the whole programme
    (surveys, courses): as project leader or county coordinator; site admins in all."""
    qs = Programme.objects.all()
    scope = get_scope(user)
    return qs if scope.is_site_admin else qs.filter(id__in=scope.managed_programme_ids)


def can(user, action: str, obj) -> bool:
    return policy_for(obj).can(user, action, obj)


def _log_refusal(request, status: int, model, county, action: str | None = None) -> None:
    user = request.user
    logger.warning(
        "access refused status=%s user=%s path=%s model=%s action=%s county=%s",
        status,
        user.pk if user.is_authenticated else "anonymous",
        request.path,
        model.__name__,
        action or "-",
        county.number if county else "-",
    )


def get_visible_or_404(request, model_or_queryset, **lookup):
    """Fetch one object inside the user's scope; missing and out-of-scope both answer 404."""
    if isinstance(model_or_queryset, QuerySet):
        model, base = model_or_queryset.model, model_or_queryset
    else:
        model, base = model_or_queryset, model_or_queryset._default_manager.all()
    qs = base.filter(pk__in=visible(request.user, model).values("pk"))
    try:
        return qs.get(**lookup)
    except (model.DoesNotExist, ValueError, TypeError):
        # ValueError/TypeError: a malformed id in the URL is "not found", never a 500.
        county = None
        with contextlib.suppress(model.DoesNotExist, ValueError, TypeError):
            county = policy_for(model).county_of(base.get(**lookup))
        _log_refusal(request, 404, model, county)
        raise Http404 from None


def require(request, action: str, obj) -> None:
    """403 unless the user may do `action` to `obj` (which they can already see)."""
    policy = policy_for(obj)
    if not policy.can(request.user, action, obj):
        _log_refusal(request, 403, type(obj), policy.county_of(obj), action)
        raise PermissionDenied
