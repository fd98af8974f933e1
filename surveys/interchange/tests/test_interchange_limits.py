"""An upload too big to be a survey is refused fast and in little memory; one at the limits is
imported within the same bounds. The files are generated here: a 10 MB .lss with tens of
thousands of groups and questions, and one with as many pages and questions as a survey may have.

Time is the processor time this process spends (time.process_time): on a machine shared by many
test runs the wall clock measures their load, not this work. Memory is measured in a second run
under tracemalloc (which slows Python down), as the peak of what Python allocated, the parser's
tree included.
"""

import time
import tracemalloc

import pytest

from surveys.interchange import StructureError, parse_limesurvey, survey_import_structure
from surveys.interchange.limesurvey import MAX_FILE_SIZE
from surveys.models import Question, Survey
from surveys.structure import MAX_PAGES, MAX_QUESTIONS

SECONDS = 2.0
MEGABYTES = 200

HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<document>\n'
    b"<LimeSurveyDocType>Survey</LimeSurveyDocType>\n<DBVersion>359</DBVersion>\n"
    b"<languages><language>nb</language></languages>\n"
)


def _section(name: str, rows) -> bytes:
    return b"<%s><rows>\n%s</rows></%s>\n" % (name.encode(), b"".join(rows), name.encode())


def _group(gid: int) -> bytes:
    return (
        b"<row><gid><![CDATA[%d]]></gid><group_name><![CDATA[Side %d]]></group_name>"
        b"<group_order><![CDATA[%d]]></group_order><language><![CDATA[nb]]></language></row>\n"
        % (gid, gid, gid)
    )


def _question(qid: int, gid: int, kind: bytes = b"L", parent: int = 0) -> bytes:
    return (
        b"<row><qid><![CDATA[%d]]></qid><parent_qid><![CDATA[%d]]></parent_qid>"
        b"<gid><![CDATA[%d]]></gid><type><![CDATA[%s]]></type><title><![CDATA[Q%d]]></title>"
        b"<question><![CDATA[<p>Samarbeid %d</p>]]></question>"
        b"<mandatory><![CDATA[Y]]></mandatory><question_order><![CDATA[%d]]></question_order>"
        b"<language><![CDATA[nb]]></language><relevance><![CDATA[1]]></relevance></row>\n"
        % (qid, parent, gid, kind, qid, qid, qid)
    )


def _answer(qid: int, code: int) -> bytes:
    return (
        b"<row><qid><![CDATA[%d]]></qid><code><![CDATA[A%d]]></code>"
        b"<answer><![CDATA[Svar %d]]></answer><sortorder><![CDATA[%d]]></sortorder>"
        b"<language><![CDATA[nb]]></language><scale_id><![CDATA[0]]></scale_id></row>\n"
        % (qid, code, code, code)
    )


def flood_file() -> bytes:
    """About 10 MB: tens of thousands of groups and of questions (far more than a survey)."""
    groups, questions = 20_000, 19_000
    data = (
        HEAD
        + _section("groups", (_group(gid) for gid in range(1, groups + 1)))
        + _section("questions", (_question(qid, qid) for qid in range(1, questions + 1)))
        + b"</document>\n"
    )
    assert 8 * 1024 * 1024 < len(data) <= MAX_FILE_SIZE
    return data


def file_at_the_limits() -> bytes:
    """As many pages and questions as a survey may have, each with options."""
    questions = [_question(qid, 1 + qid % MAX_PAGES) for qid in range(1, MAX_QUESTIONS + 1)]
    answers = [_answer(qid, code) for qid in range(1, MAX_QUESTIONS + 1) for code in range(1, 6)]
    return (
        HEAD
        + _section("groups", (_group(gid) for gid in range(1, MAX_PAGES + 1)))
        + _section("questions", questions)
        + _section("answers", answers)
        + b"</document>\n"
    )


def measured(action):
    """(seconds, peak megabytes, result or the StructureError raised)."""

    def run():
        try:
            return action()
        except StructureError as error:
            return error

    started = time.process_time()
    result = run()
    seconds = time.process_time() - started
    tracemalloc.start()
    try:
        run()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return seconds, peak / 1024 / 1024, result


def test_a_flood_of_groups_and_questions_is_refused_fast_in_little_memory():
    data = flood_file()
    seconds, megabytes, result = measured(lambda: parse_limesurvey(data))
    assert isinstance(result, StructureError)
    assert "more than 200 question groups (pages)" in str(result)
    assert seconds < SECONDS, f"refused after {seconds:.2f} s"
    assert megabytes < MEGABYTES, f"{megabytes:.0f} MB"


@pytest.mark.django_db
def test_a_survey_at_the_limits_is_imported_fast_in_little_memory(world):
    data = file_at_the_limits()

    def parse_and_import():
        structure = parse_limesurvey(data)
        return survey_import_structure(
            programme=world.programme,
            county=world.county_a,
            created_by=world.coordinator_a,
            structure=structure,
        )

    seconds, megabytes, result = measured(parse_and_import)
    assert not isinstance(result, StructureError), result
    assert Survey.objects.count() == 2  # imported twice: timed, then measured
    assert Question.objects.filter(survey=result.survey).count() == MAX_QUESTIONS
    assert result.survey.pages.count() == MAX_PAGES
    assert seconds < SECONDS, f"imported in {seconds:.2f} s"
    assert megabytes < MEGABYTES, f"{megabytes:.0f} MB"
