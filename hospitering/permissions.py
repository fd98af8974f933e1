"""Who may do what in the job-shadowing exchange, as rules from portal/permissions.py.

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
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from portal import permissions
from portal.models import Library, Programme, RoleAssignment
from portal.permissions import (
    EVERYONE,
    NOBODY,
    Policy,
    Rule,
    path_value,
    register,
    role_holders,
    rules,
)

from .models import Application, Offer, Placement

Role = RoleAssignment.Role


# --- rule pieces particular to the exchange --------------------------------------------------


def county_coordinator(*, programme: str, county: str) -> Rule:
    """The coordinator of that county in the programme (not the project leader)."""
    return rules.county_coordinator(programme=programme, county=county)


def programme_member(*, programme: str) -> Rule:
    """Works at a library in a county taking part in the programme."""
    return rules.custom(
        objects=lambda s: Q(**{f"{programme}__in": s.member_programme_ids}),
        holds=lambda s, o: path_value(o, programme) in s.member_programme_ids,
        people=lambda o: role_holders(
            role__in=[Role.LIBRARY_LEADER, Role.STAFF],
            library__county__programmes=path_value(o, programme),
        ),
    )


def not_person(*, user: str) -> Rule:
    """Anyone but the person the object belongs to (nobody decides on their own application)."""
    return rules.custom(
        objects=lambda s: ~Q(**{user: s.user.pk}),
        holds=lambda s, o: path_value(o, user) != s.user.pk,
        people=lambda o: ~Q(pk=path_value(o, user)),
    )


def without_leader(*, library: str, besides: str) -> Rule:
    """The library has no active leader other than the person at `besides`."""

    def leaders(library_id, person_id):
        return RoleAssignment.objects.filter(
            role=Role.LIBRARY_LEADER, library_id=library_id, user__is_active=True
        ).exclude(user_id=person_id)

    def test(obj):
        return not leaders(path_value(obj, library), path_value(obj, besides)).exists()

    return rules.custom(
        objects=lambda s: ~Q(Exists(leaders(OuterRef(library), OuterRef(besides)))),
        holds=lambda s, o: test(o),
        people=lambda o: EVERYONE if test(o) else NOBODY,
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
        return not coordinators(
            path_value(obj, programme), path_value(obj, county), path_value(obj, besides)
        ).exists()

    return rules.custom(
        objects=lambda s: (
            ~Q(Exists(coordinators(OuterRef(programme), OuterRef(county), OuterRef(besides))))
        ),
        holds=lambda s, o: test(o),
        people=lambda o: EVERYONE if test(o) else NOBODY,
    )


def at_step(step: str, prefix: str = "") -> Rule:
    return rules.where(Q(**{f"{prefix}step": step}), lambda o: o.step == step)


# --- the parties, as rules on an application (prefix "application__" for a placement) -------


def _parties(p: str = "") -> dict[str, Rule]:
    programme = f"{p}offer__programme"
    applicant = f"{p}applicant"
    home_library, home_county = f"{p}home_library", f"{p}home_library__county"
    host_library, host_county = f"{p}offer__host_library", f"{p}offer__host_library__county"
    home_coordinator = county_coordinator(programme=programme, county=home_county)
    host_coordinator = county_coordinator(programme=programme, county=host_county)
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
        # The step rules: never the applicant, and a stand-in for each missing role. Each role
        # comes before the conditions on the application: for whoever holds no such role, the
        # conditions' subqueries are never built (see `Rule.__and__`).
        "leader_step": (
            rules.library_leader(library=home_library)
            | home_coordinator & no_home_leader
            | leader & no_home_leader & no_home_coordinator
        )
        & someone_else,
        "home_step": (home_coordinator | leader & no_home_coordinator) & someone_else,
        "host_step": rules.library_leader(library=host_library)
        | host_coordinator
        | leader
        & without_leader(library=host_library, besides=applicant)
        & without_coordinator(programme=programme, county=host_county, besides=applicant),
    }


_a = _parties()
_p = _parties("application__")
Step = Application.Step


@register
class OfferPolicy(Policy):
    model = Offer
    county_path = "host_library__county"
    rules = {
        "view": programme_member(programme="programme")
        | rules.programme_leader(programme="programme")
        | rules.programme_coordinator(programme="programme")
        | rules.library_leader(library="host_library"),
        "manage": rules.library_leader(library="host_library")
        | rules.county_manager(programme="programme", county="host_library__county"),
        "apply": programme_member(programme="programme"),
    }


_application_view = (
    _a["applicant"]
    | _a["home_leader"]
    | _a["home_manager"]
    | _a["host_leader"]
    | _a["host_manager"]
)


@register
class ApplicationPolicy(Policy):
    model = Application
    county_path = "home_library__county"
    rules = {
        "view": _application_view,
        "edit": _a["applicant"],
        "withdraw": _a["applicant"],
        "decide": _a["leader_step"] & at_step(Step.LIBRARY_LEADER)
        | _a["home_step"] & at_step(Step.HOME_COUNTY)
        | _a["host_step"] & at_step(Step.HOST),
    }


_report_readers = _p["applicant"] | _p["home_leader"] | _p["home_manager"] | _p["host_coordinator"]
_host_side = _p["host_leader"] | _p["host_manager"]


@register
class PlacementPolicy(Policy):
    model = Placement
    county_path = "application__home_library__county"
    rules = {
        "view": _p["applicant"] | _p["home_leader"] | _p["home_manager"] | _host_side,
        "manage": _host_side,
        "edit_budget": _p["applicant"] | _p["home_manager"],
        "write_report": _p["applicant"],
        "view_report": _report_readers,
        "give_feedback": _host_side,
        "view_feedback": _report_readers | _host_side,
    }


def offer_host_choices(*, user, programme: Programme) -> QuerySet[Library]:
    """The libraries for which this person may publish offers in the programme."""
    # The policy is asked about an offer at each library of the programme; the rule reads only
    # the library's id and county, so only those are read, and one unsaved offer is reused
    # (about 140 libraries in a region: building an offer and a county for each cost more
    # than the page's queries).
    if permissions.for_action(user, Offer, "manage").query.is_empty():
        # The rule's query form matches no offer on its face for this person (staff: none of
        # the roles it names), so its test holds for no offer at any library either: the
        # policy is not asked for each of the region's ~140 libraries.
        return Library.objects.none()
    probe = Offer(programme=programme)
    allowed = []
    libraries = Library.objects.filter(county__programmes=programme).only("id", "county_id")
    for library in libraries.order_by():  # (the default order joins the counties for nothing)
        probe.host_library = library
        if permissions.can(user, "manage", probe):
            allowed.append(library.pk)
    return (
        Library.objects.filter(pk__in=allowed)
        .select_related("county")
        .order_by("county__number", "name")
    )


_regular_deciders = {
    Step.LIBRARY_LEADER: rules.library_leader(library="home_library"),
    Step.HOME_COUNTY: _a["home_coordinator"],
    Step.HOST: _a["host_leader"] | _a["host_coordinator"],
}


def decides_as_stand_in(user, application: Application) -> bool:
    """Whether this person decides the application's current step in place of a missing (or
    self-interested) library leader or county coordinator; they are told why."""
    from portal.permissions import get_scope

    rule = _regular_deciders.get(application.step)
    if rule is None or not permissions.can(user, "decide", application):
        return False
    return not (rule.holds(get_scope(user), application) and application.applicant_id != user.pk)
