"""The "Survey results" action on the home page (for project leaders, coordinators and
library leaders). Registered when imported; surveys.apps.SurveysConfig.ready() imports it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.home import HomeAction, register


@register
def survey_results_actions(*, user, programme, scope) -> list[HomeAction]:
    takes_part_as_leader = (
        scope.leads_programme(programme.id)
        or programme.id in scope.coordinated_programme_ids
        or (scope.led_library_ids and programme.id in scope.programme_ids)
    )
    if not takes_part_as_leader:
        return []
    return [
        HomeAction(
            _("Survey results"),
            reverse("surveys:results_list"),
            _("Response rates, competence gaps and figures from the competence-needs surveys."),
        )
    ]
