"""The thank-you page's gaps, computed from the answers as the submission counted them, are those
the stored answers give (the areas rated more important than the competence in them)."""

import pytest
from django.db.models import Avg
from django.db.models.functions import Coalesce
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveys.answering import services as answering
from surveys.answering.selectors import answers_gap_area_ids
from surveys.models import Answer, Question, Response
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db


def gaps_read_from_the_answers(response) -> dict[int, float]:
    """The gaps as the thank-you page read them from the stored answers before (one query)."""
    rows = (
        Answer.objects.filter(
            response=response,
            question__kind=Question.Kind.COMPETENCE_PAIR,
            dont_know=False,
            number__isnull=False,
        )
        .annotate(area_id=Coalesce("statement__competence_area_id", "question__competence_area_id"))
        .filter(area_id__isnull=False)
        .values("area_id", "dimension")
        .annotate(mean=Avg("number"))
        .order_by()
    )
    means: dict[int, dict[str, float]] = {}
    for row in rows:
        means.setdefault(row["area_id"], {})[row["dimension"]] = float(row["mean"])
    return {
        area_id: values["importance"] - values["competence"]
        for area_id, values in means.items()
        if "importance" in values and "competence" in values
    }


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(min_value=0, max_value=2**16),
    gaps=st.lists(st.sampled_from([-2.0, -0.5, 0.0, 0.5, 1.0, 2.0]), min_size=3, max_size=3),
)
def test_the_gaps_are_those_of_the_stored_answers(world, seed, gaps):
    survey = full_survey(programme=world.programme, areas=world.areas)
    by_area = {area.pk: gap for area, gap in zip(world.areas, gaps, strict=False)}
    add_responses(
        survey, count=4, library=world.library_a, seed=seed, submitted=False, gaps=by_area
    )
    for response in Response.objects.filter(survey=survey):
        counted = answering.response_submit_answers(response=response)
        area_ids = answers_gap_area_ids(answers=counted)
        read = gaps_read_from_the_answers(response)
        assert set(area_ids) == {area_id for area_id, gap in read.items() if gap > 0}
        assert [read[area_id] for area_id in area_ids] == sorted(
            (read[area_id] for area_id in area_ids), reverse=True
        )
        assert (
            answers_gap_area_ids(answers=answering.response_answers_counted(response=response))
            == area_ids
        )
