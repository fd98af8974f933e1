"""The disclosure rule's blocks built from the running sums are exactly those built from every
answer (the reference, surveys/results/tests/recomputed.py), however the responses arrived:
the submit service, the bulk path, six submissions at once, and at the retention purge."""

import random
import threading

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.tests.factories import LibraryFactory
from surveys.answering import services as answering
from surveys.models import Answer, Question, Response
from surveys.results import services as results_services
from surveys.results.disclosure import survey_disclosure
from surveys.results.selectors import item_key
from surveys.results.services import result_tallies_add, survey_purge_raw_answers
from surveys.results.tests.recomputed import recomputed_disclosure
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db

ROLES = ["staff", "library_leader", ""]
PATHS = ["service", "bulk", "bulk_partial", "draft"]


def assert_disclosure_matches_a_recomputation(survey):
    fast = survey_disclosure(survey)
    full = recomputed_disclosure(survey)
    # The reference also forms blocks of the free-text questions' items, which no figure asks
    # for (their figures are the texts, under the text measure): the sums do not keep them.
    text_items = {
        item_key(question_id)
        for question_id in Question.objects.filter(
            survey=survey, kind__in=Question.TEXT_KINDS
        ).values_list("id", flat=True)
    }
    expected = {key: part for key, part in full.partitions.items() if key not in text_items}
    assert fast.threshold == full.threshold
    assert fast.partitions.keys() == expected.keys()
    for measure, part in expected.items():
        assert fast.partitions[measure] == part, measure


def leave_gaps(response_ids, seed):
    """Answers as people leave them: some questions skipped, some competence pairs "don't know",
    some texts written to "other" (so an item, an area or a text is answered by fewer)."""
    rng = random.Random(seed)  # noqa: S311 - test data
    answers = list(Answer.objects.filter(response_id__in=response_ids).select_related("question"))
    skipped = [answer.pk for answer in answers if rng.random() < 0.25]
    Answer.objects.filter(pk__in=skipped).delete()
    changed = []
    for answer in answers:
        if answer.pk in skipped:
            continue
        kind = answer.question.kind
        if kind == Question.Kind.COMPETENCE_PAIR and rng.random() < 0.25:
            answer.dont_know, answer.number = True, None
            changed.append(answer)
        elif kind == Question.Kind.SINGLE_CHOICE and rng.random() < 0.3:
            answer.choice, answer.text = "other", "Noe annet"
            changed.append(answer)
    Answer.objects.bulk_update(changed, ["dont_know", "number", "choice", "text"])


def add_batch(survey, *, path, library, county, role, count, seed):
    if path == "bulk":  # the regional generator's and the demo's path, every question answered
        add_responses(survey, count=count, library=library, county=county, role=role, seed=seed)
        return
    add_responses(
        survey, count=count, library=library, county=county, role=role, seed=seed, submitted=False
    )
    drafts = Response.objects.filter(survey=survey, submitted_at__isnull=True)
    ids = list(drafts.order_by("-id").values_list("id", flat=True)[:count])
    leave_gaps(ids, seed)
    if path == "service":
        for response in Response.objects.filter(pk__in=ids):
            assert answering.response_submit(response=response)
    elif path == "bulk_partial":  # the bulk path's own call, on answers with gaps
        Response.objects.filter(pk__in=ids).update(submitted_at=timezone.now())
        result_tallies_add(survey_id=survey.pk, response_ids=ids)


@pytest.fixture
def places(world):
    """Where responses come from: libraries of two counties, a county without a library, none."""
    small_a = LibraryFactory(name="Lite bibliotek", county=world.county_a)
    small_b = LibraryFactory(name="Grendebibliotek", county=world.county_b)
    libraries = [
        world.library_a,
        world.county_library_a,
        small_a,
        world.library_b,
        world.county_library_b,
        small_b,
    ]
    return [*((library, None) for library in libraries), (None, world.county_b), (None, None)]


def batch_lists(*, max_count: int = 4, max_size: int = 8):
    """Batches of responses to add: (place, role, count, seed, path), as `add_batch` takes them."""
    return st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=7),  # the place
            st.sampled_from(ROLES),
            st.integers(min_value=1, max_value=max_count),
            st.integers(min_value=0, max_value=2**16),
            st.sampled_from(PATHS),
        ),
        min_size=1,
        max_size=max_size,
    )


batches = batch_lists()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=batches, min_group_size=st.integers(min_value=2, max_value=6))
def test_the_blocks_from_the_sums_equal_a_full_recomputation(
    world, places, settings, batches, min_group_size
):
    settings.SURVEYS_MIN_GROUP_SIZE_FLOOR = 2  # small thresholds: many blocks from few responses
    survey = full_survey(
        programme=world.programme, areas=world.areas, min_group_size=min_group_size
    )
    for place, role, count, seed, path in batches:
        library, county = places[place]
        add_batch(
            survey, path=path, library=library, county=county, role=role, count=count, seed=seed
        )
    assert_disclosure_matches_a_recomputation(survey)


def test_the_purge_keeps_figures_under_the_blocks_of_a_full_recomputation(
    world, places, monkeypatch
):
    """The snapshot kept at the purge is cut by the blocks from the sums, which are those of a
    recomputation over the answers about to be deleted."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    for number, (library, county) in enumerate(places):
        add_batch(
            survey,
            path=PATHS[number % 3],
            library=library,
            county=county,
            role=ROLES[number % 3],
            count=2 + number % 4,
            seed=number,
        )
    assert_disclosure_matches_a_recomputation(survey)
    with monkeypatch.context() as patched:
        patched.setattr(results_services, "survey_disclosure", recomputed_disclosure)
        expected = results_services.result_snapshot_data(survey=survey)
    assert survey_purge_raw_answers(survey=survey)
    survey.refresh_from_db()
    assert survey.result_snapshot.data == expected
    assert survey_disclosure(survey).partitions == {}  # the sums went with the answers


@pytest.mark.django_db(transaction=True)
def test_the_blocks_after_parallel_submissions_equal_a_full_recomputation(world):
    """Six submissions at once, in the same and in different cells: every size counted once."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=4, library=world.library_a, seed=3, submitted=False)
    add_responses(survey, count=2, library=world.library_b, seed=4, submitted=False)
    responses = list(Response.objects.filter(survey=survey))
    leave_gaps([r.pk for r in responses], seed=5)
    barrier = threading.Barrier(len(responses))
    errors = []

    def submit(response):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            answering.response_submit(response=response)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=submit, args=(r,)) for r in responses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Response.objects.filter(survey=survey, submitted_at__isnull=False).count() == 6
    assert_disclosure_matches_a_recomputation(survey)
