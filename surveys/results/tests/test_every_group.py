"""Every library's and county's area figures at once (`area_numbers_of_every_group`, read by
the exchange's gap matching) are, group by group, what `survey_numbers` discloses for that
library or county filter, and what a full recomputation from the answers gives: on random data,
for groups above, at and below the minimum group size, and for groups hidden with a neighbour.
They are always one state of the sums."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.results import selectors
from surveys.results.selectors import (
    ResultFilters,
    ResultScope,
    area_numbers_of_every_group,
    survey_numbers,
)
from surveys.results.tests.test_disclosure_sums import (
    add_batch,
    batch_lists,
    places,  # noqa: F401 - a fixture
)
from surveys.results.tests.test_figures_cache import recomputed_figures
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db


def assert_every_group_as_its_filter(world, places, survey):  # noqa: F811 - the fixture's value
    computed = area_numbers_of_every_group(survey=survey)
    assert computed is not None
    numbers, token = computed
    assert token == selectors.sums_token(survey)
    libraries = {library for library, _county in places if library is not None}
    groups = [("library", library.pk) for library in libraries]
    groups += [("county", county.pk) for county in (world.county_a, world.county_b)]
    for kind, group_id in groups:
        filters = ResultFilters(**{f"{kind}_id": group_id})
        exact, _from_snapshot = survey_numbers(
            survey=survey, scope=ResultScope(), filters=filters, question_ids=()
        )
        assert exact == recomputed_figures(survey, ResultScope(), filters, ())
        if (kind, group_id) in numbers:
            assert numbers[(kind, group_id)] == exact, (kind, group_id)
        else:  # no response there: nothing to show
            assert exact["suppressed"] and not exact["areas"], (kind, group_id)
    assert set(numbers) <= set(groups)


batches = batch_lists(max_size=6)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=batches, min_group_size=st.integers(min_value=2, max_value=5))
def test_every_group_at_once_equals_its_own_filter_and_a_recomputation(
    world,
    places,  # noqa: F811 - the fixture imported above
    settings,
    batches,
    min_group_size,
):
    settings.SURVEYS_MIN_GROUP_SIZE_FLOOR = 2  # small thresholds: many blocks from few responses
    survey = full_survey(
        programme=world.programme, areas=world.areas, min_group_size=min_group_size
    )
    add_responses(survey, count=3, library=world.library_a, seed=1)
    for place, role, count, seed, path in batches:
        assert_every_group_as_its_filter(world, places, survey)
        library, county = places[place]
        add_batch(
            survey, path=path, library=library, county=county, role=role, count=count, seed=seed
        )
    assert_every_group_as_its_filter(world, places, survey)


def test_a_write_between_the_blocks_and_the_sums_gives_nothing(world, monkeypatch):
    """Blocks of one state are never cut with sums of another: when the sums' token read after
    the sums is not the blocks' one, there are no figures."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, seed=1)
    assert area_numbers_of_every_group(survey=survey) is not None
    monkeypatch.setattr(selectors, "sums_token", lambda survey: uuid.uuid4())
    assert area_numbers_of_every_group(survey=survey) is None
