"""What the tests of results kept for each state of the sums share (the overview's HTML,
`test_overview_kept.py`; the API's answer, `api/tests/test_results_kept.py`): a survey with its
baseline, every kind of write that may change what is kept, a reader of each kind of scope."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from portal.models import CompetenceArea, Library, RoleAssignment
from portal.tests.factories import UserFactory, grant
from surveys.models import Participation, Survey
from surveys.synthetic import add_responses, full_survey

# A reader of each scope: the whole programme, a county, a library.
PEOPLE = ("project_leader", "coordinator_a", "library_leader_a")


def survey_with_baseline(world) -> Survey:
    """A survey of 12 responses (6 from each of two libraries in two counties) whose baseline
    has 6."""
    baseline = full_survey(programme=world.programme, areas=world.areas)
    add_responses(baseline, count=6, library=world.library_a, seed=5)
    survey = full_survey(programme=world.programme, areas=world.areas, baseline=baseline)
    add_responses(survey, count=6, library=world.library_a, seed=1)
    add_responses(survey, count=6, library=world.library_b, seed=2)
    return survey


def every_kind_of_write(world, survey: Survey, baseline: Survey) -> dict[str, Callable[[], object]]:
    """Each write, in the order to make them: a submission (6 responses, 18 in all), an
    invitation and its completion, a library renamed ("Nytt bibliotek"), an area renamed ("Nytt
    område") and a submission to the baseline."""
    person = UserFactory()
    grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
    return {
        "a submission": lambda: add_responses(survey, count=6, library=world.library_a, seed=3),
        "an invitation": lambda: Participation.objects.create(
            survey=survey, user=person, token_hash="1" * 64
        ),
        "a completion": lambda: Participation.objects.filter(user=person).update(
            completed_at=timezone.now()
        ),
        "a library renamed": lambda: Library.objects.filter(pk=world.library_a.pk).update(
            name="Nytt bibliotek"
        ),
        "an area renamed": lambda: CompetenceArea.objects.filter(pk=world.areas[0].pk).update(
            name="Nytt område"
        ),
        "a baseline submission": lambda: add_responses(
            baseline, count=6, library=world.library_b, seed=4
        ),
    }
