"""Who may do what in the job-shadowing exchange, as rules (see /work/notes/ACCESS_API.md).

Each action of each model is one rule; `can`, `visible`, `for_action` and `users_for` are all
derived from it, so "may this person decide this application?", "what must I decide?" and "who
must decide this now (and gets the e-mail)?" always agree.

The approval chain is a rule on the application's current `step` (NULL when nobody's decision is
awaited). A step never waits for nobody:
- the applicant's library leader; for a library without one, the home county's coordinator; for
  a county without a coordinator either, the project leader;
- the home county's coordinator; for a county without one, the project leader;
- nobody decides on their own application: a leader's (or coordinator's) own application goes
  to the stand-in, as if the role were missing;
- the host: the host library's leader or the host county's coordinator; where there is neither,
  the project leader.

Visibility across counties: a host library's leader and the host county's coordinator see the
applications to their offers (from any county) and no other applications from those counties;
staff see their own; the home side (library leader, county coordinator) sees its staff's.
Reports are read by the participant, their library leader, both coordinators and the project leader.

Status rules (which step, what may change when) are the services', for site admins too.

Until portal.permissions has the rule builders of issue 7, this module carries a thin copy of
them (`Rule` and the builders below) on top of the current `Policy`; converting is a matter of
importing `rules` from portal.permissions instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from portal import permissions as portal_permissions
from portal.models import Library, Programme, RoleAssignment, User
from portal.permissions import Policy, Scope, get_scope, register

from .models import Application, Offer, Placement

Role = RoleAssignment.Role
NOTHING = Q(pk__in=[])


# --- a thin copy of the rule builders of issue 7 ------------------------------------------


def _id(obj, path: str):
    """The id at the end of a lookup path, read from an object: "offer__host_library" → the
    host library's id (uses select_related where the caller made one)."""
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id", None) if hasattr(obj, f"{last}_id") else obj.pk


@dataclass(frozen=True)
class Rule:
    """objects(scope): Q on the policy's model; holds(scope, obj): bool; people(obj): Q on User."""

    objects: Callable[[Scope], Q]
    holds: Callable[[Scope, object], bool]
    people: Callable[[object], Q]

    def __or__(self, other: Rule) -> Rule:
        return Rule(
            objects=lambda s: self.objects(s) | other.objects(s),
            holds=lambda s, o: self.holds(s, o) or other.holds(s, o),
            people=lambda o: self.people(o) | other.people(o),
        )

    def __and__(self, other: Rule) -> Rule:
        return Rule(
            objects=lambda s: self.objects(s) & other.objects(s),
            holds=lambda s, o: self.holds(s, o) and other.holds(s, o),
            people=lambda o: self.people(o) & other.people(o),
        )


def _holders(**role) -> Q:
    return Q(id__in=RoleAssignment.objects.filter(**role).values("user_id"))


class rules:  # noqa: N801 - stands in for portal.permissions.rules
    @staticmethod
    def programme_leader(*, programme: str = "programme") -> Rule:
        return Rule(
            objects=lambda s: Q(**{f"{programme}__in": s.led_programme_ids}),
            holds=lambda s, o: _id(o, programme) in s.led_programme_ids,
            people=lambda o: _holders(role=Role.PROJECT_LEADER, programme_id=_id(o, programme)),
        )

    @staticmethod
    def county_coordinator(*, programme: str, county: str) -> Rule:
        """The coordinator of that county in the programme (not the project leader)."""

        def objects(s):
            q = NOTHING
            for programme_id, county_id in s.coordinated:
                q |= Q(**{programme: programme_id, county: county_id})
            return q

        return Rule(
            objects=objects,
            holds=lambda s, o: (_id(o, programme), _id(o, county)) in s.coordinated,
            people=lambda o: _holders(
                role=Role.COORDINATOR, programme_id=_id(o, programme), county_id=_id(o, county)
            ),
        )

    @classmethod
    def county_manager(cls, *, programme: str, county: str) -> Rule:
        return cls.programme_leader(programme=programme) | cls.county_coordinator(
            programme=programme, county=county
        )

    @staticmethod
    def programme_coordinator(*, programme: str = "programme") -> Rule:
        return Rule(
            objects=lambda s: Q(**{f"{programme}__in": s.coordinated_programme_ids}),
            holds=lambda s, o: _id(o, programme) in s.coordinated_programme_ids,
            people=lambda o: _holders(role=Role.COORDINATOR, programme_id=_id(o, programme)),
        )

    @staticmethod
    def library_leader(*, library: str = "library") -> Rule:
        return Rule(
            objects=lambda s: Q(**{f"{library}__in": s.led_library_ids}),
            holds=lambda s, o: _id(o, library) in s.led_library_ids,
            people=lambda o: _holders(role=Role.LIBRARY_LEADER, library_id=_id(o, library)),
        )

    @staticmethod
    def person(*, user: str = "user") -> Rule:
        return Rule(
            objects=lambda s: Q(**{user: s.user.pk}),
            holds=lambda s, o: _id(o, user) == s.user.pk,
            people=lambda o: Q(pk=_id(o, user)),
        )

    @staticmethod
    def audience_member(*, programme: str = "programme") -> Rule:
        """Works at a library in a county taking part in the programme."""
        return Rule(
            objects=lambda s: Q(**{f"{programme}__in": s.member_programme_ids}),
            holds=lambda s, o: _id(o, programme) in s.member_programme_ids,
            people=lambda o: _holders(
                library__county__programmes=_id(o, programme),
                role__in=[Role.LIBRARY_LEADER, Role.STAFF],
            ),
        )

    @staticmethod
    def where(q: Q, test: Callable[[object], bool]) -> Rule:
        return Rule(
            objects=lambda s: q,
            holds=lambda s, o: test(o),
            people=lambda o: Q() if test(o) else NOTHING,
        )

    @staticmethod
    def custom(*, objects, holds, people) -> Rule:
        return Rule(objects=objects, holds=holds, people=people)


class RulePolicy(Policy):
    """A policy whose actions are rules; the four questions are derived from them."""

    rules: dict[str, Rule] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.actions = frozenset(cls.rules)

    def scoped(self, qs, scope):
        return qs.filter(self.rules["view"].objects(scope))

    def allows(self, scope, action, obj):
        return self.rules[action].holds(scope, obj)

    def for_action(self, user, action: str) -> QuerySet:
        if action not in self.actions:
            raise portal_permissions.UnknownAction(f"{type(self).__name__} has no {action!r}")
        scope = get_scope(user)
        qs = self.model._default_manager.all()
        if scope.is_site_admin:
            return qs
        if not scope.is_authenticated:
            return qs.none()
        return qs.filter(self.rules[action].objects(scope))

    def users_for(self, action: str, obj, *, include_site_admins: bool = False) -> QuerySet:
        if action not in self.actions:
            raise portal_permissions.UnknownAction(f"{type(self).__name__} has no {action!r}")
        people = self.rules[action].people(obj)
        if include_site_admins:
            people |= Q(is_superuser=True)
        return User.objects.filter(people, is_active=True)


def for_action(user, model, action: str) -> QuerySet:
    """What this user may do `action` to (portal.permissions.for_action after issue 7)."""
    return portal_permissions.policy_for(model).for_action(user, action)


def users_for(action: str, obj, *, include_site_admins: bool = False) -> QuerySet:
    """Who may do `action` to `obj` (portal.permissions.users_for after issue 7)."""
    return portal_permissions.policy_for(obj).users_for(
        action, obj, include_site_admins=include_site_admins
    )


# --- "nobody holds this role here" conditions -----------------------------------------------


def not_person(*, user: str) -> Rule:
    """Anyone but the person the object belongs to (nobody decides on their own application)."""
    return rules.custom(
        objects=lambda s: ~Q(**{user: s.user.pk}),
        holds=lambda s, o: _id(o, user) != s.user.pk,
        people=lambda o: ~Q(pk=_id(o, user)),
    )


def without_leader(*, library: str, besides: str) -> Rule:
    """The library has no active leader other than the person at `besides`."""

    def leaders(library_id, person_id):
        return RoleAssignment.objects.filter(
            role=Role.LIBRARY_LEADER, library_id=library_id, user__is_active=True
        ).exclude(user_id=person_id)

    def test(obj):
        return not leaders(_id(obj, library), _id(obj, besides)).exists()

    return rules.custom(
        objects=lambda s: ~Q(Exists(leaders(OuterRef(library), OuterRef(besides)))),
        holds=lambda s, o: test(o),
        people=lambda o: Q() if test(o) else NOTHING,
    )


def without_coordinator(*, programme: str, county: str, besides: str) -> Rule:
    """The county has no active coordinator in the programme other than the person at `besides`."""

    def coordinators(programme_id, county_id, person_id):
        return RoleAssignment.objects.filter(
            role=Role.COORDINATOR,
            programme_id=programme_id,
            county_id=county_id,
            user__is_active=True,
        ).exclude(user_id=person_id)

    def test(obj):
        return not coordinators(_id(obj, programme), _id(obj, county), _id(obj, besides)).exists()

    return rules.custom(
        objects=lambda s: (
            ~Q(Exists(coordinators(OuterRef(programme), OuterRef(county), OuterRef(besides))))
        ),
        holds=lambda s, o: test(o),
        people=lambda o: Q() if test(o) else NOTHING,
    )


def at_step(step: str, prefix: str = "") -> Rule:
    return rules.where(Q(**{f"{prefix}step": step}), lambda o: o.step == step)


# --- the parties, as rules on an application (prefix "application__" for a placement) -------


def _parties(p: str = "") -> dict[str, Rule]:
    programme = f"{p}offer__programme"
    applicant = f"{p}applicant"
    home_library, home_county = f"{p}home_library", f"{p}home_library__county"
    host_library, host_county = f"{p}offer__host_library", f"{p}offer__host_library__county"
    home_coordinator = rules.county_coordinator(programme=programme, county=home_county)
    host_coordinator = rules.county_coordinator(programme=programme, county=host_county)
    someone_else = not_person(user=applicant)
    no_home_leader = without_leader(library=home_library, besides=applicant)
    no_home_coordinator = without_coordinator(
        programme=programme, county=home_county, besides=applicant
    )
    leader = rules.programme_leader(programme=programme)
    return {
        "applicant": rules.person(user=applicant),
        "home_leader": rules.library_leader(library=home_library),
        "home_manager": rules.county_manager(programme=programme, county=home_county),
        "home_coordinator": home_coordinator,
        "host_leader": rules.library_leader(library=host_library),
        "host_manager": rules.county_manager(programme=programme, county=host_county),
        "host_coordinator": host_coordinator,
        # The step rules: never the applicant, and a stand-in for each missing role.
        "leader_step": someone_else
        & (
            rules.library_leader(library=home_library)
            | no_home_leader & home_coordinator
            | no_home_leader & no_home_coordinator & leader
        ),
        "home_step": someone_else & (home_coordinator | no_home_coordinator & leader),
        "host_step": rules.library_leader(library=host_library)
        | host_coordinator
        | without_leader(library=host_library, besides=applicant)
        & without_coordinator(programme=programme, county=host_county, besides=applicant)
        & leader,
    }


_a = _parties()
_p = _parties("application__")
Step = Application.Step


@register
class OfferPolicy(RulePolicy):
    model = Offer
    rules = {
        "view": rules.audience_member(programme="programme")
        | rules.programme_leader(programme="programme")
        | rules.programme_coordinator(programme="programme")
        | rules.library_leader(library="host_library"),
        "manage": rules.library_leader(library="host_library")
        | rules.county_manager(programme="programme", county="host_library__county"),
        "apply": rules.audience_member(programme="programme"),
    }

    def county_of(self, obj):
        return obj.host_library.county


_application_view = (
    _a["applicant"]
    | _a["home_leader"]
    | _a["home_manager"]
    | _a["host_leader"]
    | _a["host_manager"]
)


@register
class ApplicationPolicy(RulePolicy):
    model = Application
    rules = {
        "view": _application_view,
        "edit": _a["applicant"],
        "withdraw": _a["applicant"],
        "decide": at_step(Step.LIBRARY_LEADER) & _a["leader_step"]
        | at_step(Step.HOME_COUNTY) & _a["home_step"]
        | at_step(Step.HOST) & _a["host_step"],
    }

    def county_of(self, obj):
        return obj.home_library.county


_report_readers = _p["applicant"] | _p["home_leader"] | _p["home_manager"] | _p["host_coordinator"]
_host_side = _p["host_leader"] | _p["host_manager"]


@register
class PlacementPolicy(RulePolicy):
    model = Placement
    rules = {
        "view": _p["applicant"] | _p["home_leader"] | _p["home_manager"] | _host_side,
        "manage": _host_side,
        "edit_budget": _p["applicant"] | _p["home_manager"],
        "write_report": _p["applicant"],
        "view_report": _report_readers,
        "give_feedback": _host_side,
        "view_feedback": _report_readers | _host_side,
    }

    def county_of(self, obj):
        return obj.application.home_library.county


def offer_host_choices(*, user, programme: Programme) -> QuerySet[Library]:
    """The libraries for which this person may publish offers in the programme."""
    libraries = list(Library.objects.filter(county__programmes=programme).select_related("county"))
    allowed = [
        library.pk
        for library in libraries
        if portal_permissions.can(user, "manage", Offer(programme=programme, host_library=library))
    ]
    return (
        Library.objects.filter(pk__in=allowed)
        .select_related("county")
        .order_by("county__number", "name")
    )
