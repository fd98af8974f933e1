"""The access policy for surveys (see portal.permissions for the whole model).

- project leader: every survey of their programme (build, run, results, raw exports);
- coordinator: the surveys of their county in their programme (build, run, results, raw
  exports); the results of programme-wide surveys, but only for their county
  (`survey_result_county_ids`), beside the programme's figures;
- library leader: the aggregates of surveys addressed to their library, for their library;
- staff (and anyone invited): surveys they are invited to, to answer them.
"""

from __future__ import annotations

from django.db.models import Q

from portal import permissions
from portal.models import Library
from portal.permissions import Policy, Scope, get_scope

from .models import Participation, Survey


def survey_reaches_library_q(library: Library, prefix: str = "") -> Q:
    """Surveys (not drafts) whose audience includes this library, as a filter."""
    p = prefix
    in_county = Q(**{f"{p}county__isnull": True}) | Q(**{f"{p}county_id": library.county_id})
    audience = (
        Q(
            **{
                f"{p}audience": Survey.Audience.PROGRAMME,
                f"{p}programme__counties": library.county_id,
            }
        )
        | Q(
            **{f"{p}audience": Survey.Audience.COUNTIES, f"{p}audience_counties": library.county_id}
        )
        | Q(**{f"{p}audience": Survey.Audience.LIBRARIES, f"{p}audience_libraries": library.id})
    )
    return in_county & audience & ~Q(**{f"{p}status": Survey.Status.DRAFT})


def _manages(scope: Scope, survey: Survey) -> bool:
    """Builds and runs this survey: its programme's leader, or the coordinator of its county."""
    return scope.manages_owned(survey.programme_id, survey.county_id)


def _coordinates_in(scope: Scope, survey: Survey) -> bool:
    """A coordinator in the programme of a programme-wide survey (sees their county's part)."""
    return survey.county_id is None and survey.programme_id in scope.coordinated_programme_ids


@permissions.register
class SurveyPolicy(Policy):
    model = Survey
    actions = frozenset({"view", "change", "manage", "view_results", "export_responses", "answer"})

    def scoped(self, qs, scope):
        invited = Q(id__in=Participation.objects.filter(user=scope.user).values("survey_id"))
        return qs.filter(self._results_q(scope) | invited & ~Q(status=Survey.Status.DRAFT))

    def with_results(self, user):
        """Surveys whose results this user may see: the queryset of `view_results`."""
        scope = get_scope(user)
        qs = Survey.objects.all()
        if scope.is_site_admin:
            return qs
        if not scope.is_authenticated:
            return qs.none()
        return qs.filter(self._results_q(scope))

    def _results_q(self, scope) -> Q:
        q = Q(programme_id__in=scope.led_programme_ids)
        for programme_id, county_id in scope.coordinated:
            q |= Q(programme_id=programme_id, county_id=county_id)
            q |= Q(programme_id=programme_id, county__isnull=True) & ~Q(status=Survey.Status.DRAFT)
        if scope.led_library_ids:
            reached = Q(pk__in=[])
            for library in Library.objects.filter(id__in=scope.led_library_ids):
                reached |= survey_reaches_library_q(library)
            q |= Q(id__in=Survey.objects.filter(reached).values("id"))
        return q

    def allows(self, scope, action, survey):
        manages = _manages(scope, survey)
        if action == "change":
            return manages and survey.is_draft
        if action in ("manage",):
            return manages
        if action == "export_responses":
            return manages  # its county's coordinator for a county survey; the project leader
        if action == "answer":
            return (
                survey.status == Survey.Status.OPEN
                and Participation.objects.filter(survey=survey, user=scope.user).exists()
            )
        if manages:
            return True  # view, view_results
        if survey.is_draft:
            return False
        if _coordinates_in(scope, survey):
            return True
        if action == "view_results":
            return bool(_led_libraries_reached(scope, survey))
        return self.scoped(Survey.objects.filter(pk=survey.pk), scope).exists()


def _led_libraries_reached(scope: Scope, survey: Survey) -> set[int]:
    if not scope.led_library_ids or survey.is_draft:
        return set()
    reached = set()
    for library in Library.objects.filter(id__in=scope.led_library_ids):
        if Survey.objects.filter(survey_reaches_library_q(library), pk=survey.pk).exists():
            reached.add(library.id)
    return reached


def _coordinated_county_ids(scope: Scope, survey: Survey) -> set[int]:
    if survey.county_id is not None:
        if (survey.programme_id, survey.county_id) in scope.coordinated:
            return {survey.county_id}
        return set()
    return {c for p, c in scope.coordinated if p == survey.programme_id}


def survey_result_county_ids(user, survey: Survey) -> set[int] | None:
    """The counties whose figures this user may see in the survey's results; None = all.

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
    libraries = _led_libraries_reached(scope, survey)
    if libraries:
        return set(Library.objects.filter(id__in=libraries).values_list("county_id", flat=True))
    return set()


def survey_result_library_ids(user, survey: Survey) -> set[int] | None:
    """The libraries whose figures this user may see; None = every library in their counties.

    Library leaders (who are not also coordinators or leaders of the survey) see only their own
    libraries.
    """
    scope = get_scope(user)
    if not scope.is_authenticated:
        return set()
    if scope.leads_programme(survey.programme_id) or _coordinated_county_ids(scope, survey):
        return None
    return _led_libraries_reached(scope, survey)


def survey_may_create(user, programme, county) -> bool:
    """Project leaders create programme-wide or county surveys; coordinators, their county's."""
    return get_scope(user).manages_owned(programme.pk, county.pk if county else None)


def survey_contacts(survey: Survey):
    """The people to ask about a survey: those who run it (named in refusals and on the
    respondent's pages)."""
    return survey_managers(programme_id=survey.programme_id, county_id=survey.county_id)


def survey_managers(*, programme_id: int, county_id: int | None):
    """Who runs a survey of this programme and county: the county's coordinators, or for a
    programme-wide survey the project leaders."""
    from portal.models import RoleAssignment, User

    if county_id:
        roles = Q(
            roles__role=RoleAssignment.Role.COORDINATOR,
            roles__programme_id=programme_id,
            roles__county_id=county_id,
        )
    else:
        roles = Q(roles__role=RoleAssignment.Role.PROJECT_LEADER, roles__programme_id=programme_id)
    return User.objects.filter(roles, is_active=True).distinct().order_by("full_name")


def people_named(users) -> str:
    """ "Per Prosjektleder (leder@example.no)", joined: the people a refusal tells you to ask."""
    return ", ".join(f"{user.get_full_name()} ({user.email})" for user in users)
