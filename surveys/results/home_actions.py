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
def demo_responses_load(*, programme, calendar=None) -> int:
    """Synthetic submitted responses to the demo surveys, so the results pages show figures.

    Runs after the surveys app's demo loader (registered earlier); adds responses only to
    surveys of the demo programme that have none, in three libraries of every county, with a
    clear competence gap in some areas at baseline and a smaller one at follow-up. While the
    follow-up runs (`calendar` not finished) the last county has too few answers for a figure.
    """
    from datetime import timedelta

    from django.db.models import Count
    from django.utils import timezone

    from portal.demo import DemoCalendar
    from portal.models import Library

    from ..models import Response, Survey
    from ..synthetic import add_responses

    calendar = calendar or DemoCalendar.current()
    surveys = Survey.objects.filter(programme=programme).exclude(status=Survey.Status.DRAFT)
    # Three libraries per county, those with the most people on them first.
    per_county: dict[int, list] = {}
    for library in (
        Library.objects.filter(county__programmes=programme, kind=Library.Kind.PUBLIC)
        .annotate(people=Count("role_assignments"))
        .order_by("county__number", "-people", "name")
    ):
        per_county.setdefault(library.county_id, []).append(library)
    areas = list(programme.competence_areas.order_by("position", "id"))
    baseline_gaps = {area.id: (1.8, 1.0, 0.4, 0.1)[index % 4] for index, area in enumerate(areas)}
    created = 0
    for survey in surveys:
        if Response.objects.filter(survey=survey).exists():
            continue
        follow_up = survey.baseline_id is not None
        # At follow-up the largest gaps have narrowed (the loop worked); while it runs, its
        # answers are still coming in, and in the last county too few have answered yet.
        coming_in = follow_up and not calendar.finished
        gaps = (
            {a: round(g * 0.5, 2) for a, g in baseline_gaps.items()} if follow_up else baseline_gaps
        )
        for county_index, libraries in enumerate(per_county.values()):
            chosen = (
                libraries[:1]
                if coming_in and county_index == len(per_county) - 1
                else libraries[:3]
            )
            for index, library in enumerate(chosen):
                count = (3 if len(chosen) == 1 else 5 + index % 3) if coming_in else 8 + index % 3
                created += add_responses(
                    survey, count=count, library=library, seed=county_index * 10 + index, gaps=gaps
                )
        if survey.closes_at and survey.closes_at < timezone.now():
            # Answered while the survey was open.
            Response.objects.filter(survey=survey).update(
                started_at=survey.closes_at - timedelta(days=20),
                submitted_at=survey.closes_at - timedelta(days=20),
            )
    return created
