"""The access policy for surveys (see portal.permissions for the whole model).

- project leader: every survey of their programme (build, run, results, raw exports);
- coordinator: the surveys of their county in their programme (build, run, results, raw
  exports); the results of programme-wide surveys, but only for their county
  (`survey_result_county_ids`), beside the programme's figures;
- library leader: the aggregates of surveys addressed to their library, for their library;
- staff (and anyone invited): surveys they are invited to, to answer them.

Drafts are seen by their managers only. What may change in which status (the structure until
somebody answers, texts until archived, answers only while open) is the services' business.
"""

from __future__ import annotations

from django.db.models import Q

from portal.models import RoleAssignment
from portal.permissions import Audience, Policy, Scope, get_scope, register, role_holders, rules

from .models import Participation, Survey

# A county survey reaches its own county only; a survey can be addressed to chosen libraries.
SURVEY_AUDIENCE = Audience(Survey, libraries="audience_libraries", owner_county_only=True)

_managers = rules.county_manager()
_not_draft = rules.where(~Q(status=Survey.Status.DRAFT), lambda survey: not survey.is_draft)
_programme_wide = rules.where(Q(county__isnull=True), lambda survey: survey.county_id is None)


_invited = rules.custom(
    objects=lambda s: Q(id__in=Participation.objects.filter(user=s.user).values("survey_id")),
    holds=lambda s, survey: Participation.objects.filter(survey=survey, user=s.user).exists(),
    people=lambda survey: Q(id__in=Participation.objects.filter(survey=survey).values("user_id")),
)
_result_readers = (
    _managers
    | (rules.programme_coordinator() & _programme_wide & _not_draft)
    | (SURVEY_AUDIENCE.rule(roles=[RoleAssignment.Role.LIBRARY_LEADER]) & _not_draft)
)


@register
class SurveyPolicy(Policy):
    model = Survey
    rules = {
        "view": _result_readers | (_invited & _not_draft),
        "change": _managers,
        "manage": _managers,
        "view_results": _result_readers,
        # Its own managers (for a county survey, the county's coordinator) export its raw
        # responses; the exports apply the same privacy rules for everyone.
        "export_responses": _managers,
        "answer": _invited,
    }


def _led_libraries_reached(scope: Scope, survey: Survey) -> set[int]:
    """The libraries the person leads that the survey's audience reaches (their counties are
    in the scope; the survey's audience is read from it: see `survey_result_prefetch`)."""
    if not scope.led_library_ids or survey.is_draft:
        return set()
    libraries = {i: scope.library_county_ids[i] for i in scope.led_library_ids}
    return SURVEY_AUDIENCE._reached_library_ids(survey, libraries)


def survey_result_prefetch(user) -> tuple[str, ...]:
    """What to prefetch with a list of surveys so that deciding this person's result scope of
    each (`survey_result_county_ids`, `survey_result_library_ids`) reads nothing more: a
    library leader's depends on each survey's audience."""
    if get_scope(user).led_library_ids:
        return ("programme__counties", "audience_counties", "audience_libraries")
    return ()


def _coordinated_county_ids(scope: Scope, survey: Survey) -> set[int]:
    if survey.county_id is not None:
        if (survey.programme_id, survey.county_id) in scope.coordinated:
            return {survey.county_id}
        return set()
    return {c for p, c in scope.coordinated if p == survey.programme_id}


def survey_result_county_ids(user, survey: Survey) -> set[int] | None:
    """The counties whose figures this person may see in the survey's results; None = all.

    An empty set means no figures at all (check `can(user, "view_results", survey)` first).
    A library leader gets their library's county here and must also be limited to
    `survey_result_library_ids`.
    """
    scope = get_scope(user)
    if not scope.is_authenticated:
        return set()
    if scope.leads_programme(survey.programme_id):
        return None
    counties = _coordinated_county_ids(scope, survey)
    if counties:
        return counties
    return {scope.library_county_ids[i] for i in _led_libraries_reached(scope, survey)}


def survey_result_library_ids(user, survey: Survey) -> set[int] | None:
    """The libraries whose figures this person may see; None = every library in their counties.

    Library leaders (who are not also coordinators or leaders of the survey) see only their own
    libraries.
    """
    scope = get_scope(user)
    if not scope.is_authenticated:
        return set()
    if scope.leads_programme(survey.programme_id) or _coordinated_county_ids(scope, survey):
        return None
    return _led_libraries_reached(scope, survey)


def survey_audience_people(survey: Survey):
    """Everyone who works at a library the survey's audience reaches (to invite them)."""
    return role_holders(
        role__in=(RoleAssignment.Role.LIBRARY_LEADER, RoleAssignment.Role.STAFF),
        library__in=SURVEY_AUDIENCE.libraries(survey),
    )
