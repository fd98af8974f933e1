"""The disclosure rule's blocks are cached exactly: after every write of the running sums (the
submit service, the bulk path, a rebuild, the retention purge) the next read is the blocks of the
sums as they are now, and a reader racing a writer never stores old blocks under the new state."""

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.answering import services as answering
from surveys.models import Response, ResultTally, ResultTallyVersion
from surveys.results import disclosure as disclosure_module
from surveys.results.disclosure import RESPONSES, survey_disclosure
from surveys.results.services import (
    result_tallies_changed,
    result_tallies_rebuild,
    survey_purge_raw_answers,
)
from surveys.results.tests.test_disclosure_sums import (
    add_batch,
    assert_disclosure_matches_a_recomputation,
)
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db


def read(survey):
    """The blocks, and how many queries they cost (1: from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        disclosure = survey_disclosure(survey)
    return disclosure, len(queries)


def responses_counted(disclosure) -> int:
    return sum(disclosure.partitions[RESPONSES].sizes.values())


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, seed=1)
    return survey


def test_a_second_read_comes_from_the_cache_and_equals_the_first(survey):
    first, cold = read(survey)
    second, warm = read(survey)
    assert (cold, warm) == (4, 1)
    assert second.partitions == first.partitions
    assert second.shows(RESPONSES, lambda cell: True)


def test_a_states_blocks_are_kept_in_the_process_and_a_new_state_is_formed_anew(survey):
    """Read once, a state's blocks are kept in the process too (no cache read and unpickling on
    every page): with the cache emptied they are still those of that state, for one query (the
    token); a new state is formed anew whatever the process kept."""
    first, _queries = read(survey)
    cache.clear()
    kept, queries = read(survey)
    assert queries == 1
    assert kept.partitions is first.partitions
    ResultTallyVersion.renew(survey_id=survey.pk)
    after, queries = read(survey)
    assert queries == 4
    assert after.partitions == first.partitions  # (the same sums, in a new state)
    assert after.partitions is not first.partitions


# The submit service's responses await the sums until a task counts them after the commit (not
# run here: the test's transaction never commits); the first reader counts them itself (ten
# queries: a savepoint and its release, the survey's row locked, the awaiting responses read and
# marked, the responses and their answers read, the sums written, the new token, the token read
# again).
@pytest.mark.parametrize(
    ("path", "counted_by_the_reader"), [("service", 10), ("bulk", 0), ("bulk_partial", 0)]
)
def test_the_read_after_a_submission_sees_it(world, survey, path, counted_by_the_reader):
    before, _queries = read(survey)
    read(survey)  # cached
    add_batch(
        survey, path=path, library=world.library_b, county=None, role="staff", count=3, seed=7
    )
    after, queries = read(survey)
    assert queries == 4 + counted_by_the_reader  # formed again: the sums changed
    assert responses_counted(after) == responses_counted(before) + 3 == 9
    assert_disclosure_matches_a_recomputation(survey)


def test_the_read_after_a_rebuild_sees_it(survey):
    read(survey)
    # Sums counted wrongly (as if written by a path that no longer exists), then counted again.
    ResultTally.objects.filter(survey=survey).update(n=1)
    result_tallies_rebuild(survey=survey)
    after, queries = read(survey)
    assert queries == 4
    assert responses_counted(after) == 6
    assert_disclosure_matches_a_recomputation(survey)


def test_the_read_after_the_purge_sees_no_sums(survey):
    assert read(survey)[0].partitions
    read(survey)
    assert survey_purge_raw_answers(survey=survey)
    after, queries = read(survey)
    assert after.partitions == {}  # the rule after the purge: no live figure at all
    assert queries == 4


def test_another_minimum_group_size_is_not_read_from_the_cache(survey):
    read(survey)
    survey.min_group_size = 6
    survey.save(update_fields=["min_group_size"])
    after, queries = read(survey)
    assert (after.threshold, queries) == (6, 4)


def test_blocks_read_while_the_sums_change_are_not_cached(world, survey, monkeypatch):
    """A writer commits between the reader's read of the sums and its storing: the reader's
    blocks (of the old sums) are not stored, so the next read forms the new sums' blocks."""
    add_responses(survey, count=1, library=world.library_b, seed=2, submitted=False)
    submitted_meanwhile = Response.objects.get(survey=survey, submitted_at__isnull=True)
    measure_sizes = disclosure_module.measure_sizes

    def sizes_then_a_submission(survey):
        sizes = measure_sizes(survey)
        assert answering.response_submit(response=submitted_meanwhile)
        return sizes

    monkeypatch.setattr(disclosure_module, "measure_sizes", sizes_then_a_submission)
    during, _queries = read(survey)
    monkeypatch.undo()
    assert responses_counted(during) == 6  # the sums as that read saw them
    after, queries = read(survey)
    assert queries == 4  # nothing was stored under the token of the new sums
    assert responses_counted(after) == 7
    assert_disclosure_matches_a_recomputation(survey)


@pytest.mark.django_db(transaction=True)
def test_a_reader_racing_a_writer_on_postgresql_never_stores_the_old_blocks(world, monkeypatch):
    """Two connections: the reader has read the token and the sums when another connection
    submits and commits; only then does the reader finish. The cache must not hold the old
    blocks under any token the sums now have."""
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, seed=1)
    add_responses(survey, count=1, library=world.library_b, seed=2, submitted=False)
    draft = Response.objects.get(survey=survey, submitted_at__isnull=True)
    sums_read, committed = threading.Event(), threading.Event()
    measure_sizes = disclosure_module.measure_sizes
    errors, seen = [], []

    def sizes_then_wait(survey):
        sizes = measure_sizes(survey)
        sums_read.set()
        assert committed.wait(timeout=30)
        return sizes

    def reader():
        try:
            seen.append(responses_counted(survey_disclosure(survey)))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def writer():
        try:
            assert sums_read.wait(timeout=30)
            assert answering.response_submit(response=draft)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            committed.set()
            connection.close()

    monkeypatch.setattr(disclosure_module, "measure_sizes", sizes_then_wait)
    threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    assert errors == []
    assert seen == [6]  # the reader's own answer: the state it read
    after, _queries = read(survey)
    assert responses_counted(after) == 7
    assert_disclosure_matches_a_recomputation(survey)


def test_a_survey_whose_sums_have_no_token_is_formed_every_time(survey):
    """Sums counted before tokens existed (the data migrations) are never cached."""
    from surveys.models import ResultTallyVersion

    ResultTallyVersion.objects.filter(survey=survey).delete()
    assert read(survey)[1] == 3 and read(survey)[1] == 3
    result_tallies_changed(survey_id=survey.pk)
    assert read(survey)[1] == 4 and read(survey)[1] == 1
