"""The one access policy of the portal.

Every model that people reach has a `Policy` here or in its app's `permissions.py`. A policy names,
for each action, *who* may do it, as a `Rule` built from the shared pieces in `rules`. From that one
rule the policy answers the four questions every page, form, export, task and admin asks:

- `can(user, action, obj)`: may this person do this to this object?
- `for_action(user, Model, action)`: which objects may they do it to (a queryset, for lists and
  choices); `visible(user, Model)` is `for_action(..., "view")`;
- `users_for(action, obj)`: who may do it (a queryset of people: deciders and e-mail recipients);
- `with_permission_flags(qs, user, name=action)`: whether they may, as a column of each row;
- `get_visible_or_404` / `require`: fetch inside the person's scope (404 for missing *and* out of
  scope, at the same cost) and refuse a forbidden action with 403; both log the refusal.

Because all four come from the same rule, they cannot drift apart (a generic test checks every
registered policy, action, person and object). The policy says *who*; services say *when*: status
rules ("only a draft", "only once attended", "within the edit window") are checked by services,
for site admins too.

Roles are read here and in the middleware only. Site admins (`is_superuser`) hold every power;
that is decided in `Policy` and nowhere else. An unknown action name or role raises.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.core.exceptions import EmptyResultSet, PermissionDenied
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404

from .models import County, FunderReport, Library, Programme, RoleAssignment, User

logger = logging.getLogger("portal.access")
Role = RoleAssignment.Role
MEMBER_ROLES = (Role.LIBRARY_LEADER, Role.STAFF)

NOBODY = Q(pk__in=[])  # a filter that matches no row (of objects or of people)
EVERYONE = Q(pk__isnull=False)  # a filter that matches every row


class UnknownAction(ValueError):
    """An action name the policy does not define: a programming error, never a silent 'no'."""


class UnknownRole(ValueError):
    """A role the access model does not know: never silently filed as another role."""


class Scope:
    """What a person holds: their roles, read once per request and cached on the user."""

    def __init__(self, user):
        self.user = user
        self.is_authenticated = bool(user and user.is_authenticated and user.is_active)
        self.is_site_admin = is_site_admin(user)
        self.memo: dict = {}  # per-request answers of rules that cost a query
        led_programmes, coordinated, led_libraries, staff_libraries = set(), set(), set(), set()
        library_counties: dict[int, int] = {}
        assignments: list[RoleAssignment] = []
        if self.is_authenticated:
            # With each role its county and library (and so the library's county): most pages
            # ask the library's county (the audience rule, the counties a member sees) and the
            # home page names them; a query of its own for either would be a round trip.
            assignments = list(
                RoleAssignment.objects.filter(user=user)
                .select_related("county", "library")
                .order_by("role", "county__number", "library__name")
            )
            for assignment in assignments:
                role, programme_id = assignment.role, assignment.programme_id
                county_id, library_id = assignment.county_id, assignment.library_id
                if library_id is not None:
                    library_counties[library_id] = assignment.library.county_id
                if role == Role.PROJECT_LEADER:
                    led_programmes.add(programme_id)
                elif role == Role.COORDINATOR:
                    coordinated.add((programme_id, county_id))
                elif role == Role.LIBRARY_LEADER:
                    led_libraries.add(library_id)
                elif role == Role.STAFF:
                    staff_libraries.add(library_id)
                else:
                    raise UnknownRole(f"Role {role!r} of user {user.pk} is not known")
        self.led_programme_ids = frozenset(led_programmes)
        self.coordinated = frozenset(coordinated)
        self.coordinated_county_ids = frozenset(c for _p, c in coordinated)
        self.coordinated_programme_ids = frozenset(p for p, _c in coordinated)
        self.led_library_ids = frozenset(led_libraries)
        self.staff_library_ids = frozenset(staff_libraries)
        self.member_library_ids = self.led_library_ids | self.staff_library_ids
        self.library_county_ids = library_counties  # {library id: its county id}, for members
        self.assignments = tuple(assignments)  # for display: see `role_assignments`

    # --- derived sets (one query each, only when asked) ---

    @cached_property
    def led_programme_county_ids(self) -> frozenset[int]:
        """Counties taking part in a programme this person leads."""
        if not self.led_programme_ids:
            return frozenset()
        return frozenset(
            Programme.counties.through.objects.filter(
                programme_id__in=self.led_programme_ids
            ).values_list("county_id", flat=True)
        )

    @cached_property
    def member_county_ids(self) -> frozenset[int]:
        """Counties of the libraries this person works at."""
        return frozenset(self.library_county_ids.values())

    @cached_property
    def member_programme_ids(self) -> frozenset[int]:
        """Programmes in which a library this person works at takes part."""
        if not self.member_county_ids:
            return frozenset()
        return frozenset(
            Programme.counties.through.objects.filter(
                county_id__in=self.member_county_ids
            ).values_list("programme_id", flat=True)
        )

    @cached_property
    def managed_programme_ids(self) -> frozenset[int]:
        """Programmes the person leads or coordinates a county in."""
        return self.led_programme_ids | self.coordinated_programme_ids

    @cached_property
    def programme_ids(self) -> frozenset[int]:
        """Every programme the person takes part in, in any role."""
        return self.managed_programme_ids | self.member_programme_ids

    @cached_property
    def managed_county_ids(self) -> frozenset[int]:
        """Counties the person manages in some programme (as project leader or coordinator)."""
        return self.led_programme_county_ids | self.coordinated_county_ids

    @cached_property
    def visible_county_ids(self) -> frozenset[int]:
        """Counties of the programmes the person takes part in and of the libraries they work at."""
        return self.member_county_ids | frozenset(
            Programme.counties.through.objects.filter(
                programme_id__in=self.programme_ids
            ).values_list("county_id", flat=True)
        )

    # --- questions the rules ask ---

    @property
    def is_manager(self) -> bool:
        """Project leader or county coordinator of any programme."""
        return bool(self.led_programme_ids or self.coordinated)

    def leads_programme(self, programme_id) -> bool:
        return self.is_site_admin or programme_id in self.led_programme_ids

    def manages_owned(self, programme_id, county_id) -> bool:
        """Manages an object that belongs to a county in a programme, or (county None) to the
        whole programme: a programme-wide object is the project leader's alone."""
        if self.leads_programme(programme_id):
            return True
        return county_id is not None and (programme_id, county_id) in self.coordinated


SCOPE_ATTRIBUTE = "_portal_scope"  # where a person's scope is kept for the rest of the request


def get_scope(user) -> Scope:
    scope = getattr(user, SCOPE_ATTRIBUTE, None)
    if scope is None:
        scope = Scope(user)
        if user is not None and user.is_authenticated:
            setattr(user, SCOPE_ATTRIBUTE, scope)
    return scope


# --- rules: who may, as a filter on objects, a test on one object and a filter on people ------


def path_value(obj, path: str):
    """The value at a Django lookup path on an instance: "gathering__course__programme" gives
    the programme's id (read from `programme_id`, so no query for the last step)."""
    if path in ("pk", "id"):
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    if hasattr(obj, f"{last}_id"):
        return getattr(obj, f"{last}_id")
    value = getattr(obj, last)
    return value.pk if isinstance(value, Model) else value


def _lookup(path: str, suffix: str) -> str:
    return f"{path}__{suffix}" if path else suffix


def role_holders(**lookup) -> Q:
    """People holding a role matching `lookup` (a filter on User, safe to combine with | and &)."""
    return Q(id__in=RoleAssignment.objects.filter(**lookup).values("user_id"))


def matches_nothing(q: Q) -> bool:
    """Whether `q` is a filter that no row can match on its face: `NOBODY`, or a lookup "in" an
    empty collection (the ids of a role the person does not hold)."""
    if q.negated or len(q.children) != 1 or not isinstance(q.children[0], tuple):
        return False
    lookup, value = q.children[0]
    return (
        (lookup == "in" or lookup.endswith("__in"))
        and isinstance(value, list | tuple | set | frozenset)
        and not value
    )


# Rules are combined from many parts (the exchange's approval chain has a dozen), most of which
# match nothing for a given person: a staff member holds no leader's, coordinator's or project
# leader's role. Dropped here, the parts that match nothing are never resolved and compiled
# into SQL (Exists subqueries among them): that was most of the time a page spent asking the
# policy. The answer is the same: "nothing or X" is X, "nothing and X" is nothing.


def _either(first: Q, second: Q) -> Q:
    if matches_nothing(first):
        return second
    if matches_nothing(second):
        return first
    return first | second


@dataclass(frozen=True)
class Rule:
    """Who may do something, answered three ways that always agree.

    objects(scope) -> Q on the policy's model: the objects this person may act on;
    holds(scope, obj) -> bool: whether they may act on this one;
    people(obj) -> Q on User: everyone who may act on this one.
    Combine rules with | (either) and & (both). Every Q on people is a subquery on ids, so
    combining never joins two role conditions onto one row.
    """

    objects: Callable[[Scope], Q]
    holds: Callable[[Scope, Any], bool]
    people: Callable[[Any], Q]

    def __or__(self, other: Rule) -> Rule:
        return Rule(
            objects=lambda scope: _either(self.objects(scope), other.objects(scope)),
            holds=lambda scope, obj: self.holds(scope, obj) or other.holds(scope, obj),
            people=lambda obj: self.people(obj) | other.people(obj),
        )

    def __and__(self, other: Rule) -> Rule:
        def objects(scope: Scope) -> Q:
            # The left side first, and the right one only where it can matter: write the side
            # that most people hold no role for on the left ("the home coordinator, where the
            # library has no leader"), and the subqueries of the right are never built for them.
            first = self.objects(scope)
            if matches_nothing(first):
                return first
            second = other.objects(scope)
            return second if matches_nothing(second) else first & second

        return Rule(
            objects=objects,
            holds=lambda scope, obj: self.holds(scope, obj) and other.holds(scope, obj),
            people=lambda obj: self.people(obj) & other.people(obj),
        )


class Audience:
    """The shared audience rule of programme-owned objects (surveys, courses, ...).

    An object owned by a programme (and a county, or None for the whole programme) is addressed to
    the whole programme, to chosen counties, or (where the model has them) to chosen libraries.
    It reaches a library when the library's county takes part in the programme and the audience
    includes it. With `owner_county_only`, a county-owned object reaches only its own county.
    """

    PROGRAMME, COUNTIES, LIBRARIES = "programme", "counties", "libraries"

    def __init__(
        self,
        model: type[Model],
        *,
        counties: str = "audience_counties",
        libraries: str | None = None,
        owner_county_only: bool = False,
    ):
        self.model = model
        self.counties_field = counties
        self.libraries_field = libraries
        self.owner_county_only = owner_county_only

    def _through(self, field_name: str) -> tuple[type[Model], str, str]:
        field = self.model._meta.get_field(field_name)
        return field.remote_field.through, field.m2m_field_name(), field.m2m_reverse_field_name()

    def _addressed_to(self, path: str, county_ids, library_ids) -> Q:
        """Objects (at `path`) whose audience includes one of these counties or libraries."""
        through, own, other = self._through(self.counties_field)
        q = Q(**{_lookup(path, "audience"): self.PROGRAMME}) | Q(
            **{
                _lookup(path, "audience"): self.COUNTIES,
                _lookup(path, "id__in"): through.objects.filter(
                    **{f"{other}_id__in": county_ids}
                ).values(f"{own}_id"),
            }
        )
        if self.libraries_field:
            through, own, other = self._through(self.libraries_field)
            q |= Q(
                **{
                    _lookup(path, "audience"): self.LIBRARIES,
                    _lookup(path, "id__in"): through.objects.filter(
                        **{f"{other}_id__in": library_ids}
                    ).values(f"{own}_id"),
                }
            )
        return q

    def reaching_q(self, libraries: Iterable[Library], path: str = "") -> Q:
        """Objects (at `path`) whose audience reaches one of these libraries."""
        q = Q(**{_lookup(path, "pk__in"): []})
        for library in libraries:
            q |= self._reaches_one_q(path, library.county_id, library.pk)
        return q

    def _reaches_one_q(self, path: str, county_id: int, library_id: int) -> Q:
        q = Q(
            **{
                _lookup(path, "programme_id__in"): Programme.counties.through.objects.filter(
                    county_id=county_id
                ).values("programme_id")
            }
        )
        q &= self._addressed_to(path, [county_id], [library_id])
        if self.owner_county_only:
            q &= Q(**{_lookup(path, "county__isnull"): True}) | Q(
                **{_lookup(path, "county_id"): county_id}
            )
        return q

    def reaches(self, obj, library: Library) -> bool:
        """Whether the object's audience includes this library."""
        return library.pk in self._reached_library_ids(obj, {library.pk: library.county_id})

    def libraries(self, obj) -> QuerySet[Library]:
        """Every library the object's audience reaches."""
        libraries = Library.objects.filter(county__programmes=obj.programme_id)
        if self.owner_county_only and obj.county_id is not None:
            libraries = libraries.filter(county_id=obj.county_id)
        if obj.audience == self.COUNTIES:
            libraries = libraries.filter(
                county_id__in=[c.pk for c in getattr(obj, self.counties_field).all()]
            )
        elif obj.audience == self.LIBRARIES:
            libraries = libraries.filter(
                id__in=[lib.pk for lib in getattr(obj, self.libraries_field).all()]
            )
        return libraries

    def _reached_library_ids(self, obj, county_of_library: dict[int, int]) -> set[int]:
        """Of these libraries (id -> county id), those the object's audience reaches."""
        programme_counties = {c.pk for c in obj.programme.counties.all()}
        reached = {
            library_id
            for library_id, county_id in county_of_library.items()
            if county_id in programme_counties
            and not (
                self.owner_county_only and obj.county_id is not None and obj.county_id != county_id
            )
        }
        if obj.audience == self.COUNTIES:
            counties = {c.pk for c in getattr(obj, self.counties_field).all()}
            reached = {i for i in reached if county_of_library[i] in counties}
        elif obj.audience == self.LIBRARIES:
            chosen = {lib.pk for lib in getattr(obj, self.libraries_field).all()}
            reached &= chosen
        return reached

    def rule(self, path: str = "", *, roles: Iterable[str] = MEMBER_ROLES) -> Rule:
        """People who hold one of `roles` at a library the audience (of the object at `path`)
        reaches: by default everyone who works there."""
        roles = tuple(roles)

        def libraries_held(scope: Scope) -> frozenset[int]:
            if set(roles) == set(MEMBER_ROLES):
                return scope.member_library_ids
            if roles == (Role.LIBRARY_LEADER,):
                return scope.led_library_ids
            return scope.staff_library_ids

        def county_of(scope: Scope) -> dict[int, int]:
            return {i: scope.library_county_ids[i] for i in libraries_held(scope)}

        def objects(scope: Scope) -> Q:
            q = Q(**{_lookup(path, "pk__in"): []})
            for library_id, county_id in county_of(scope).items():
                q |= self._reaches_one_q(path, county_id, library_id)
            return q

        def holds(scope: Scope, obj) -> bool:
            target = obj
            for hop in path.split("__") if path else ():
                target = getattr(target, hop)
            return bool(self._reached_library_ids(target, county_of(scope)))

        def people(obj) -> Q:
            target = obj
            for hop in path.split("__") if path else ():
                target = getattr(target, hop)
            return role_holders(role__in=roles, library__in=self.libraries(target))

        return Rule(objects, holds, people)


class rules:  # noqa: N801 - a namespace of rule builders, read as `rules.county_manager(...)`
    """The shared pieces every policy builds its rules from. Paths are Django lookups from the
    policy's model ("pk" for the object itself)."""

    @staticmethod
    def programme_leader(programme: str = "programme") -> Rule:
        return Rule(
            objects=lambda s: Q(**{_lookup(programme, "in"): s.led_programme_ids}),
            holds=lambda s, o: path_value(o, programme) in s.led_programme_ids,
            people=lambda o: role_holders(
                role=Role.PROJECT_LEADER, programme_id=path_value(o, programme)
            ),
        )

    @staticmethod
    def programme_coordinator(programme: str = "programme") -> Rule:
        """A coordinator of any county in the programme."""
        return Rule(
            objects=lambda s: Q(**{_lookup(programme, "in"): s.coordinated_programme_ids}),
            holds=lambda s, o: path_value(o, programme) in s.coordinated_programme_ids,
            people=lambda o: role_holders(
                role=Role.COORDINATOR, programme_id=path_value(o, programme)
            ),
        )

    @staticmethod
    def county_manager(programme: str = "programme", county: str = "county") -> Rule:
        """The programme's project leader, or its coordinator for the object's county. An object
        with no county belongs to the whole programme: the project leader's alone."""

        def objects(s: Scope) -> Q:
            q = Q(**{_lookup(programme, "in"): s.led_programme_ids})
            for programme_id, county_id in s.coordinated:
                q |= Q(**{programme: programme_id, county: county_id})
            return q

        def people(o) -> Q:
            programme_id, county_id = path_value(o, programme), path_value(o, county)
            q = role_holders(role=Role.PROJECT_LEADER, programme_id=programme_id)
            if county_id is not None:
                q |= role_holders(
                    role=Role.COORDINATOR, programme_id=programme_id, county_id=county_id
                )
            return q

        return Rule(
            objects=objects,
            holds=lambda s, o: s.manages_owned(path_value(o, programme), path_value(o, county)),
            people=people,
        )

    @staticmethod
    def county_coordinator(programme: str = "programme", county: str = "county") -> Rule:
        """The coordinator of the object's county in its programme (not the project leader)."""

        def objects(s: Scope) -> Q:
            q = NOBODY
            for programme_id, county_id in s.coordinated:
                q |= Q(**{programme: programme_id, county: county_id})
            return q

        return Rule(
            objects=objects,
            holds=lambda s, o: (path_value(o, programme), path_value(o, county)) in s.coordinated,
            people=lambda o: role_holders(
                role=Role.COORDINATOR,
                programme_id=path_value(o, programme),
                county_id=path_value(o, county),
            ),
        )

    @staticmethod
    def county_manager_in_any_programme(county: str = "county") -> Rule:
        """Manages the county in some programme: leads a programme it takes part in, or
        coordinates it (libraries and people belong to a county, not to one programme)."""
        return Rule(
            objects=lambda s: Q(**{_lookup(county, "in"): s.managed_county_ids}),
            holds=lambda s, o: path_value(o, county) in s.managed_county_ids,
            people=lambda o: (
                role_holders(role=Role.PROJECT_LEADER, programme__counties=path_value(o, county))
                | role_holders(role=Role.COORDINATOR, county_id=path_value(o, county))
            ),
        )

    @staticmethod
    def library_leader(library: str = "library") -> Rule:
        return Rule(
            objects=lambda s: Q(**{_lookup(library, "in"): s.led_library_ids}),
            holds=lambda s, o: path_value(o, library) in s.led_library_ids,
            people=lambda o: role_holders(
                role=Role.LIBRARY_LEADER, library_id=path_value(o, library)
            ),
        )

    @staticmethod
    def library_member(library: str = "library") -> Rule:
        """Works at the library (as its leader or as staff)."""
        return Rule(
            objects=lambda s: Q(**{_lookup(library, "in"): s.member_library_ids}),
            holds=lambda s, o: path_value(o, library) in s.member_library_ids,
            people=lambda o: role_holders(role__in=MEMBER_ROLES, library_id=path_value(o, library)),
        )

    @staticmethod
    def person(user: str = "user") -> Rule:
        """The person the object belongs to."""
        return Rule(
            objects=lambda s: Q(**{user: s.user.pk}),
            holds=lambda s, o: path_value(o, user) == s.user.pk,
            people=lambda o: Q(pk=path_value(o, user)),
        )

    @staticmethod
    def where(condition: Q, test: Callable[[Any], bool]) -> Rule:
        """A condition on the object itself (for visibility, e.g. drafts hidden from readers;
        status rules of actions belong in services). `condition` and `test` must agree."""
        return Rule(
            objects=lambda s: condition,
            holds=lambda s, o: bool(test(o)),
            people=lambda o: EVERYONE if test(o) else NOBODY,
        )

    @staticmethod
    def custom(
        *,
        objects: Callable[[Scope], Q],
        holds: Callable[[Scope, Any], bool],
        people: Callable[[Any], Q],
    ) -> Rule:
        """A rule specific to one policy; keep it in that policy's module."""
        return Rule(objects, holds, people)


class NoRows(QuerySet):
    """The empty queryset `for_action` answers where the person's rule matches nothing: the
    filters a caller adds are not resolved, since they can only narrow nothing (a page asking
    several rules, each narrowed to a programme or a status, resolved the lookups and joins of
    every one: the home page's actions, ~1.7 ms of a staff member's 10–12 ms). Everything else
    is an empty queryset's (no query when read, `EmptyQuerySet`, pickled as any queryset)."""

    def _filter_or_exclude(self, negate, args, kwargs):
        if (args or kwargs) and self.query.is_sliced:
            raise TypeError("Cannot filter a query once a slice has been taken.")
        return self._chain()


def no_rows(qs: QuerySet) -> QuerySet:
    """An empty `NoRows` of `qs`'s model (a model's own queryset class, if it had one, would
    keep its methods: then `qs.none()`)."""
    if type(qs) is not QuerySet:
        return qs.none()
    return NoRows(model=qs.model, using=qs._db).none()


# --- policies ------------------------------------------------------------------------------


class Policy:
    """The rules of one model: `rules` maps each action to who may do it."""

    model: type[Model]
    rules: dict[str, Rule]
    # The county of an object, as a lookup path ("" = the object is a county; None = no county),
    # named in the access log.
    county_path: str | None = "county"

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(self.rules)

    def rule(self, action: str) -> Rule:
        try:
            return self.rules[action]
        except KeyError:
            raise UnknownAction(f"{type(self).__name__} has no action {action!r}") from None

    def can(self, user, action: str, obj) -> bool:
        rule = self.rule(action)
        scope = get_scope(user)
        if not scope.is_authenticated:
            return False
        return scope.is_site_admin or rule.holds(scope, obj)

    def condition(self, user, action: str) -> Q:
        """The rule of `action` as a condition on this model's rows: `EVERYONE` for a site
        admin, `NOBODY` (see `matches_nothing`) where it matches nothing."""
        rule = self.rule(action)
        scope = get_scope(user)
        if not scope.is_authenticated:
            return NOBODY
        if scope.is_site_admin:
            return EVERYONE
        objects = rule.objects(scope)
        return NOBODY if matches_nothing(objects) else objects

    def for_action(self, user, action: str) -> QuerySet:
        objects = self.condition(user, action)
        qs = self.model._default_manager.all()
        if objects is EVERYONE:
            return qs
        if matches_nothing(objects):
            return no_rows(qs)  # nothing to resolve or compile, and no query when it is read
        return qs.filter(objects)

    def visible(self, user) -> QuerySet:
        return self.for_action(user, "view")

    def users_for(self, action: str, obj, *, include_site_admins: bool = False) -> QuerySet:
        people = self.rule(action).people(obj)
        if include_site_admins:
            people |= Q(is_superuser=True)
        return User.objects.filter(people, is_active=True)

    def county_number_path(self) -> str | None:
        if self.county_path is None:
            return None
        return _lookup(self.county_path, "number")


class ProgrammePolicy(Policy):
    model = Programme
    county_path = "lead_county"
    _managers = rules.programme_leader("pk") | rules.programme_coordinator("pk")
    _members = rules.custom(
        objects=lambda s: Q(pk__in=s.member_programme_ids),
        holds=lambda s, o: o.pk in s.member_programme_ids,
        people=lambda o: role_holders(role__in=MEMBER_ROLES, library__county__programmes=o.pk),
    )
    rules = {
        "view": _managers | _members,
        "change": rules.programme_leader("pk"),
        # The project leader sees the whole dashboard; a coordinator their county's part.
        "view_dashboard": _managers,
        # Create surveys, courses, projects and offers: for the programme or a county of it.
        "manage_content": _managers,
        # A stored report to the funder covers every county: the project leader's alone.
        "generate_report": rules.programme_leader("pk"),
    }


class FunderReportPolicy(Policy):
    """A stored report to the funder holds every county's figures, so only those who see the
    whole programme's dashboard (its project leader, site admins) may see or download it; a
    coordinator gets the same 404 as for a report that does not exist."""

    model = FunderReport
    county_path = "programme__lead_county"
    rules = {"view": rules.programme_leader("programme")}


def _county_participants(county_id) -> Q:
    programmes = Programme.counties.through.objects.filter(county_id=county_id).values(
        "programme_id"
    )
    in_programmes = Programme.counties.through.objects.filter(programme_id__in=programmes)
    return (
        role_holders(role__in=(Role.PROJECT_LEADER, Role.COORDINATOR), programme_id__in=programmes)
        | role_holders(
            role__in=MEMBER_ROLES, library__county_id__in=in_programmes.values("county_id")
        )
        | role_holders(role__in=MEMBER_ROLES, library__county_id=county_id)
    )


class CountyPolicy(Policy):
    model = County
    county_path = ""
    rules = {
        # Counties of the programmes a person takes part in, and of the libraries they work at.
        "view": rules.custom(
            objects=lambda s: (
                Q(
                    pk__in=Programme.counties.through.objects.filter(
                        programme_id__in=s.programme_ids
                    ).values("county_id")
                )
                | Q(pk__in=s.member_county_ids)
            ),
            holds=lambda s, o: o.pk in s.visible_county_ids,
            people=lambda o: _county_participants(o.pk),
        ),
        "manage": rules.county_manager_in_any_programme("pk"),
    }


class LibraryPolicy(Policy):
    model = Library
    _county_managers = rules.county_manager_in_any_programme("county")
    rules = {
        "view": _county_managers | rules.library_member("pk"),
        "view_staff": _county_managers | rules.library_member("pk"),
        "change": _county_managers,
        "manage_staff": _county_managers | rules.library_leader("pk"),
    }


def _person_managers(person) -> Q:
    """Who manages the staff of a library this person works at."""
    libraries = Library.objects.filter(role_assignments__user=person)
    return (
        role_holders(role=Role.LIBRARY_LEADER, library__in=libraries)
        | role_holders(role=Role.COORDINATOR, county__libraries__in=libraries)
        | role_holders(role=Role.PROJECT_LEADER, programme__counties__libraries__in=libraries)
    )


def _person_viewers(person) -> Q:
    """Who sees this person: themselves, colleagues at their libraries, the managers of those
    libraries' counties, and the project leaders of the programmes they hold a role in."""
    libraries = Library.objects.filter(role_assignments__user=person)
    return (
        Q(pk=person.pk)
        | _person_managers(person)
        | role_holders(role__in=MEMBER_ROLES, library__in=libraries)
        | role_holders(
            role=Role.PROJECT_LEADER,
            programme__in=RoleAssignment.objects.filter(user=person).values("programme_id"),
        )
    )


def _colleague_q(scope: Scope) -> Q:
    libraries = Q(library__county_id__in=scope.managed_county_ids) | Q(
        library_id__in=scope.member_library_ids
    )
    colleagues = RoleAssignment.objects.filter(
        libraries | Q(programme_id__in=scope.led_programme_ids)
    ).values("user_id")
    return Q(pk=scope.user.pk) | Q(pk__in=colleagues)


def _staff_managed_q(scope: Scope) -> Q:
    managed = Library.objects.filter(
        Q(county_id__in=scope.managed_county_ids) | Q(id__in=scope.led_library_ids)
    )
    return ~Q(pk=scope.user.pk) & Q(
        pk__in=RoleAssignment.objects.filter(library__in=managed).values("user_id")
    )


class PersonPolicy(Policy):
    model = User
    county_path = None  # a person has no single county; the log names the path instead
    rules = {
        "view": rules.custom(
            objects=_colleague_q,
            holds=lambda s, o: User.objects.filter(_colleague_q(s), pk=o.pk).exists(),
            people=_person_viewers,
        ),
        # Someone who manages the staff of a library the person works at (never oneself).
        "change_roles": rules.custom(
            objects=_staff_managed_q,
            holds=lambda s, o: User.objects.filter(_staff_managed_q(s), pk=o.pk).exists(),
            people=lambda o: _person_managers(o) & ~Q(pk=o.pk),
        ),
    }


registry: dict[type[Model], Policy] = {}


def register(policy_class: type[Policy]) -> type[Policy]:
    registry[policy_class.model] = policy_class()
    return policy_class


for _policy in (ProgrammePolicy, CountyPolicy, LibraryPolicy, PersonPolicy, FunderReportPolicy):
    register(_policy)


def policy_for(model_or_obj) -> Policy:
    model = model_or_obj if isinstance(model_or_obj, type) else type(model_or_obj)
    try:
        return registry[model]
    except KeyError:
        raise LookupError(f"No access policy registered for {model.__name__}") from None


# --- the questions, as every module asks them ------------------------------------------------


def can(user, action: str, obj) -> bool:
    """May this person do `action` to `obj`?"""
    return policy_for(obj).can(user, action, obj)


def for_action(user, model: type[Model], action: str) -> QuerySet:
    """The objects of `model` this person may do `action` to (for lists, choices, counts)."""
    return policy_for(model).for_action(user, action)


def visible(user, model: type[Model]) -> QuerySet:
    """The objects of `model` this person may see (for list pages, exports and forms)."""
    return policy_for(model).visible(user)


def scope_key(user, model: type[Model], action: str = "view") -> str:
    """Which objects of `model` this person may do `action` to, as a short key: the same for
    two people exactly when their rules are the same condition on the rows (staff of one
    programme, say, see the same offers), so that what is computed from those rows alone can
    be kept once for all of them (`portal.table_versions.kept`: the rows' own changes are the
    tables' states)."""
    query = for_action(user, model, action).query
    try:
        sql, params = query.sql_with_params()
    except EmptyResultSet:  # a rule that matches nothing (also one Django finds empty)
        return "none"
    return hashlib.blake2b(f"{sql}|{params!r}".encode(), digest_size=8).hexdigest()


def users_for(action: str, obj, *, include_site_admins: bool = False) -> QuerySet:
    """The active people who may do `action` to `obj`: deciders and e-mail recipients."""
    return policy_for(obj).users_for(action, obj, include_site_admins=include_site_admins)


def is_site_admin(user) -> bool:
    """Site admins run the Django admin and reference data (no query: it is on the person)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def site_admins() -> QuerySet:
    """The active site admins: they receive what concerns the site itself (accessibility
    reports)."""
    return User.objects.filter(is_superuser=True, is_active=True).order_by("pk")


def role_assignments(user) -> tuple[RoleAssignment, ...]:
    """The person's roles with their counties and libraries, ordered by role, county number and
    library name: to name them on a page (never to decide what they may do: ask the policy).
    Read with the person's scope, so no query of their own."""
    return get_scope(user).assignments


def may_own(user, programme: Programme, county: County | None) -> bool:
    """May this person create content owned by `county` in `programme` (None: the whole
    programme, the project leader's alone)?"""
    return get_scope(user).manages_owned(programme.pk, county.pk if county else None)


def county_choices(user, programme: Programme | None = None) -> QuerySet[County]:
    """The counties this person may own content for (in `programme`, or in any programme they
    lead or coordinate in): every county of a programme they lead, and the counties they
    coordinate."""
    scope = get_scope(user)
    counties = County.objects.all()
    if programme is not None:
        counties = counties.filter(programmes=programme)
    else:
        counties = counties.filter(
            id__in=Programme.counties.through.objects.filter(
                programme__in=for_action(user, Programme, "manage_content")
            ).values("county_id")
        )
    if scope.is_site_admin:
        return counties
    q = Q(programmes__in=scope.led_programme_ids)
    for programme_id, county_id in scope.coordinated:
        if programme is None or programme.pk == programme_id:
            q |= Q(pk=county_id)
    return counties.filter(pk__in=County.objects.filter(q).values("pk"))


def may_own_whole_programme(user) -> bool:
    """Whether any programme-wide content is this person's to create (a project leader's)."""
    scope = get_scope(user)
    return scope.is_site_admin or bool(scope.led_programme_ids)


def dashboard_county_ids(user, programme: Programme) -> set[int] | None:
    """The counties whose figures this person sees on the programme's dashboard and in its
    reports; None = every county. The project leader and site admins see the whole programme;
    a coordinator the counties they coordinate in it; anyone else nothing."""
    scope = get_scope(user)
    if scope.leads_programme(programme.pk):
        return None
    return {c for p, c in scope.coordinated if p == programme.pk}


# --- views: fetch inside the scope, refuse with 403 ------------------------------------------


def _log_refusal(request, status: int, model, county_number: str | None, action=None) -> None:
    user = request.user
    logger.warning(
        "access refused status=%s user=%s path=%s model=%s action=%s county=%s",
        status,
        user.pk if user.is_authenticated else "anonymous",
        request.path,
        model.__name__,
        action or "-",
        county_number or "-",
    )


def get_visible_or_404(request, model_or_queryset, **lookup):
    """Fetch one object inside the person's scope; missing and out of scope both answer 404.

    One query either way: the row is read with a flag that says whether the person may see it
    (and the county number for the log), so a refusal costs what a miss costs. The queryset's
    prefetches run only for an object the person may see (else they would give a refusal away).
    """
    if isinstance(model_or_queryset, QuerySet):
        model, base = model_or_queryset.model, model_or_queryset
    else:
        model, base = model_or_queryset, model_or_queryset._default_manager.all()
    prefetches = base._prefetch_related_lookups
    policy = policy_for(model)
    condition = policy.condition(request.user, "view")
    county_path = policy.county_number_path()
    try:
        found = (
            base.prefetch_related(None)
            .filter(**lookup)
            .annotate(_portal_county=F(county_path) if county_path else Value(None, CharField()))
        )
        obj = _flagged(found, "_portal_visible", condition).get()
    except (model.DoesNotExist, model.MultipleObjectsReturned, ValueError, TypeError):
        # ValueError/TypeError: a malformed value in the URL is "not found", never a 500.
        obj = None
    if obj is None or not obj._portal_visible:
        _log_refusal(request, 404, model, getattr(obj, "_portal_county", None))
        raise Http404
    if prefetches:
        prefetch_related_objects([obj], *prefetches)
    return obj


def with_permission_flags(qs: QuerySet, user, **flags: str) -> QuerySet:
    """`qs` with a boolean per `name=action`: whether the person may do the action to each row
    (a list that shows "manage" and "register" buttons reads them with its rows)."""
    policy = policy_for(qs.model)
    for name, action in flags.items():
        qs = _flagged(qs, name, policy.condition(user, action))
    return qs


def _flagged(qs: QuerySet, name: str, condition: Q) -> QuerySet:
    """`qs` with `name`: whether each row meets `condition`.

    Asked of the row itself, the condition compiled into the query's own columns: a subquery
    over the model's rows that meet it, joined back by primary key, cost a gathering's
    registration page ~0.5 ms more to build, compile and run (docs/performance.md, part 34).
    Where the condition joins a relation with several rows per object (which would repeat the
    object), as EXISTS over the rows that meet it."""
    if matches_nothing(condition):
        return qs.annotate(**{name: Value(False)})
    flagged = qs.annotate(**{name: Case(When(condition, then=True), default=False)})
    aliases = flagged.query.alias_map
    if any(_many_valued(aliases[alias]) for alias in aliases.keys() - qs.query.alias_map.keys()):
        rows = qs.model._default_manager.filter(condition, pk=OuterRef("pk"))
        return qs.annotate(**{name: Exists(rows)})
    return flagged


def _many_valued(join) -> bool:
    """Whether a join reaches several rows per row it starts from (a reverse foreign key or a
    many-to-many relation)."""
    field = getattr(join, "join_field", None)
    return bool(field is not None and (field.one_to_many or field.many_to_many))


def require(request, action: str, obj) -> None:
    """403 unless the person may do `action` to `obj` (which they can already see)."""
    policy = policy_for(obj)
    if not policy.can(request.user, action, obj):
        county = None
        if policy.county_path is not None:
            number_path = policy.county_number_path()
            county = path_value(obj, number_path) if "__" in number_path else obj.number
        _log_refusal(request, 403, type(obj), county, action)
        raise PermissionDenied
