"""The "Survey results" action on the home page (for project leaders, coordinators and
library leaders). Registered when imported; surveys.apps.SurveysConfig.ready() imports it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from portal import permissions
from portal.home import HomeAction, register, register_demo


@register
def survey_results_actions(*, user, programme) -> list[HomeAction]:
    from ..models import Survey

    readable = permissions.for_action(user, Survey, "view_results").filter(programme=programme)
    if not readable.exists():
        return []
    return [
        HomeAction(
            _("Survey results"),
            reverse("surveys:results_list"),
            _("Response rates, competence gaps and figures from the competence-needs surveys."),
        )
    ]


@register_demo
def demo_responses_load(*, programme) -> int:
    """Synthetic submitted responses to the demo surveys, so the results pages show figures.

    Runs after the surveys app's demo loader (registered earlier); adds responses only to
    surveys of the demo programme that have none, spread over its public libraries, with a
    clear competence gap in some areas.
    """
    from django.db.models import Count

    from portal.models import Library

    from ..models import Response, Survey
    from ..synthetic import add_responses

    surveys = Survey.objects.filter(programme=programme).exclude(status=Survey.Status.DRAFT)
    # Three libraries per county, those with people on them first (the demo accounts).
    per_county: dict[int, list] = {}
    for library in (
        Library.objects.filter(county__programmes=programme, kind=Library.Kind.PUBLIC)
        .annotate(people=Count("role_assignments"))
        .order_by("county__number", "-people", "name")
    ):
        per_county.setdefault(library.county_id, []).append(library)
    libraries = [library for group in per_county.values() for library in group[:3]]
    areas = list(programme.competence_areas.order_by("position", "id"))
    gaps = {area.id: (1.8, 1.0, 0.4, 0.1)[index % 4] for index, area in enumerate(areas)}
    created = 0
    for survey in surveys:
        if Response.objects.filter(survey=survey).exists():
            continue
        for index, library in enumerate(libraries):
            created += add_responses(
                survey, count=6 + index % 3, library=library, seed=index, gaps=gaps
            )
    return created
