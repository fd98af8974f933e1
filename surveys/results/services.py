"""The retention period: after it, the raw answers are deleted and only aggregates are kept.

Before deleting, the figures every results page can ask for are computed and stored in the
survey's ResultSnapshot: the whole survey, each county, each library, each role and each
county × role, already under the disclosure rule and without free text (free text is raw
answers). Results pages then read the snapshot (see surveys.results.selectors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from portal.audit import audit_log

from ..models import (
    Answer,
    Question,
    Response,
    ResultSnapshot,
    ResultTally,
    ResultTallyVersion,
    Survey,
)
from .disclosure import survey_disclosure
from .selectors import (
    COUNTED_KINDS,
    RESPONSES_ITEM,
    VALUE_PREFIX,
    ResultFilters,
    ResultScope,
    _value_key,
    area_item,
    compute_numbers,
    disclose,
    item_key,
    response_rate_data,
    selection,
    submitted_responses,
    text_item,
)

SNAPSHOT_VERSION = 2  # 2: groups under the block rule of surveys/results/disclosure.py
Kind = Question.Kind


# --- the running sums behind the results pages ---------------------------------------------

_TALLY_COLUMNS = ("n", "dont_know", "number_sum", "number_count")
_TALLY_KEY = ("survey_id", "by_library", "county_id", "library_id", "role", "item", "value")
_UPSERT_ROWS = 1000


def result_tallies_add(*, survey_id: int, response_ids) -> int:
    """Add submitted responses to the survey's ResultTally rows; call it in the transaction that
    submits them (rows are locked in one order, so concurrent submissions wait, never deadlock).
    Marks the sums changed (`result_tallies_changed`). Returns the number of cells touched."""
    touched = result_tallies_count(survey_id=survey_id, response_ids=response_ids)
    result_tallies_changed(survey_id=survey_id)
    return touched


def result_tallies_catch_up(*, survey_id: int) -> int:
    """Add the survey's submissions awaiting the running sums (`Response.awaiting_sums`) to them.
    Returns the number of responses counted.

    A submission only marks its response: writing the sums in its own transaction cost each one
    ~5 ms more and made every submission to a survey wait for the one before it. This runs after
    a submission's commit (`result_tallies_catch_up_task`) and in every reader of the sums
    before it reads them (`disclosure.sums_token`), so what is read always counts every
    submission committed before. Catch-ups of one survey take turns on its row (no key lock: a
    response can still be started meanwhile); the purge locks the same row first, so neither
    waits for rows the other holds."""
    with transaction.atomic():
        if not _survey_turn_taken(survey_id=survey_id):
            return 0
        awaiting = Response.objects.filter(survey_id=survey_id, awaiting_sums=True)
        response_ids = list(awaiting.values_list("pk", flat=True))
        if not response_ids:
            return 0
        Response.objects.filter(pk__in=response_ids).update(awaiting_sums=False)
        result_tallies_add(survey_id=survey_id, response_ids=response_ids)
        return len(response_ids)


def _survey_turn_taken(*, survey_id: int) -> bool:
    """Lock the survey's row for the rest of the transaction (False: no such survey): writers
    that add to its sums from its responses take turns on it."""
    return Survey.objects.select_for_update(no_key=True).filter(pk=survey_id).exists()


def result_tallies_changed(*, survey_id: int) -> None:
    """A new token for the state of a survey's sums (ResultTallyVersion), in the transaction of
    every write of them: the disclosure rule's cache (surveys.results.disclosure) is keyed by it.

    One row per survey, so concurrent writers of a survey's sums wait for each other from here
    to their commit: it is the last row a writer locks (after its sums, in their order), which
    keeps that wait short and the order of locks the same in every writer (no deadlock)."""
    ResultTallyVersion.renew(survey_id=survey_id)


class TalliedAnswer(NamedTuple):
    """An answer as the running sums count it: with its question's kind and its competence area
    (the statement's, else the question's), and whether it has a text (not the text itself)."""

    kind: str
    question_id: int
    statement_id: int | None
    dimension: str
    number: Decimal | None
    choice: str
    dont_know: bool
    area_id: int | None
    has_text: bool


def result_tallies_count(*, survey_id: int, response_ids) -> int:
    """The sums of `result_tallies_add` without marking them changed: for the data migrations
    that ran before ResultTallyVersion existed (use `result_tallies_add` everywhere else).

    The sums mirror `compute_numbers` figure by figure: per item the respondents, "don't know",
    the sum and count of the numbers, per value its count, per competence area and dimension
    the sum, count and respondents, and the responses; and per question the answers with a text
    (for the disclosure rule, see `disclosure.measure_sizes`). Two reads (the responses, their
    answers) and one write. Returns the number of cells touched.
    """
    responses = Response.objects.filter(
        pk__in=response_ids, survey_id=survey_id, submitted_at__isnull=False
    )
    deltas: dict[tuple, list] = defaultdict(lambda: [0, 0, 0, 0])
    for county_id, library_id, role, count in (
        responses.values_list("county_id", "library_id", "role")
        .annotate(count=Count("id"))
        .order_by()
    ):
        deltas[(county_id or 0, library_id or 0, role, RESPONSES_ITEM, "")][0] += count
    answers = Answer.objects.filter(response__in=responses.values("id")).values_list(
        "response_id",
        "response__county_id",
        "response__library_id",
        "response__role",
        # A TalliedAnswer's fields, in its order:
        "question__kind",
        "question_id",
        "statement_id",
        "dimension",
        "number",
        "choice",
        "dont_know",
        Coalesce("statement__competence_area_id", "question__competence_area_id"),
        ExpressionWrapper(~Q(text=""), output_field=BooleanField()),
    )
    _tally_answers(
        deltas,
        (
            (response_id, county_id or 0, library_id or 0, role, *answer)
            for response_id, county_id, library_id, role, *answer in answers.order_by()
        ),
    )
    return _tallies_write(survey_id=survey_id, deltas=deltas)


def _tally_answers(deltas: dict[tuple, list], rows: Iterable[tuple]) -> None:
    """Add answers to `deltas` (per county, library, role, item and value: respondents, "don't
    know", the numbers' sum and count). Each row: the response's id, county id (0 for none),
    library id (0 for none) and role, then the fields of a TalliedAnswer."""
    chosen = set()  # (response, item) of multiple choice: a respondent counts once per item
    rated = set()  # (response, area item): a respondent counts once per area and dimension
    for row in rows:
        response_id, county_id, library_id, role, kind, question_id = row[:6]
        statement_id, dimension, number, choice, dont_know, area_id, has_text = row[6:]
        cell = (county_id, library_id, role)
        if has_text:  # the disclosure rule's text measure, counted the rule's way
            deltas[(*cell, text_item(question_id), "")][0] += 1
        if kind in Question.TEXT_KINDS:
            continue
        item = item_key(question_id, statement_id, dimension)
        totals = deltas[(*cell, item, "")]
        if kind != Kind.MULTIPLE_CHOICE:
            totals[0] += 1
        elif (response_id, item) not in chosen:
            chosen.add((response_id, item))
            totals[0] += 1
        if dont_know:
            totals[1] += 1
        elif number is not None:
            totals[2] += number
            totals[3] += 1
        if kind in COUNTED_KINDS and not dont_know:
            deltas[(*cell, item, VALUE_PREFIX + _value_key(number, choice))][0] += 1
        if (
            kind == Kind.COMPETENCE_PAIR
            and not dont_know
            and number is not None
            and area_id is not None
            and dimension in (Answer.Dimension.IMPORTANCE, Answer.Dimension.COMPETENCE)
        ):
            area = deltas[(*cell, area_item(area_id, dimension), "")]
            if (response_id, area_id, dimension) not in rated:
                rated.add((response_id, area_id, dimension))
                area[0] += 1
            area[2] += number
            area[3] += 1


def _tallies_write(*, survey_id: int, deltas: dict[tuple, list]) -> int:
    """Add the deltas to the survey's rows, each cell at both grains: per county and role, and
    per library and role. Returns the number of cells touched."""
    cells: dict[tuple, list] = {}
    for (county_id, library_id, role, item, value), sums in deltas.items():
        for key in (
            (survey_id, False, county_id, 0, role, item, value),
            (survey_id, True, county_id, library_id, role, item, value),
        ):
            total = cells.setdefault(key, [0, 0, 0, 0])
            for index, amount in enumerate(sums):
                total[index] += amount
    _tallies_upsert(sorted(cells.items()))
    return len(cells)


_TALLY_TEXT = frozenset({"role", "item", "value"})


def _array_literal(values: Iterable, *, text: bool) -> str:
    """A PostgreSQL array literal of these values (no None): of `text`, each double-quoted with
    its backslashes and double quotes escaped, as the array input reads them back exactly; else
    of ints, bools and Decimals, as their `str` (which PostgreSQL's input of integers, booleans
    and numerics reads). psycopg dumps a list element by element (each one's dumper and quoting
    looked up): ~2 ms of CPU for the ~4,000 values of a submission's sums, ~0.5 ms as here."""
    if text:
        values = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(map(str, values)) + "}"


def _tallies_upsert(cells: list[tuple[tuple, list]]) -> None:
    table = connection.ops.quote_name(ResultTally._meta.db_table)
    columns = ", ".join((*_TALLY_KEY, *_TALLY_COLUMNS))
    conflict = ", ".join(_TALLY_KEY)
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for c in _TALLY_COLUMNS)
    width = len(_TALLY_KEY) + len(_TALLY_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and cells:
            # One array per column, as Django's bulk_create does on PostgreSQL: a statement of
            # eleven parameters, not eleven per row (psycopg spent longer splitting a statement
            # of thousands of placeholders than the database spent running it). UNNEST yields
            # the rows in the arrays' (sorted) order.
            types = {f.column: f.db_type(connection) for f in ResultTally._meta.concrete_fields}
            names = (*_TALLY_KEY, *_TALLY_COLUMNS)
            columns_values = zip(*((*k, *s) for k, s in cells), strict=True)
            arrays = [
                _array_literal(values, text=name in _TALLY_TEXT)
                for name, values in zip(names, columns_values, strict=True)
            ]
            placeholders = ", ".join(f"%s::{types[name]}[]" for name in names)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM UNNEST({placeholders}) "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                arrays,
            )
            return
        for start in range(0, len(cells), _UPSERT_ROWS):
            chunk = cells[start : start + _UPSERT_ROWS]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608 - no input
                f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
                [value for key, sums in chunk for value in (*key, *sums)],
            )


@transaction.atomic
def result_tallies_rebuild(*, survey: Survey) -> int:
    """Count a survey's submitted responses again from their answers (for data stored before the
    tallies existed), those awaiting the sums too (none is left awaiting, so none is counted
    twice). Takes its turn with the catch-ups on the survey's row."""
    _survey_turn_taken(survey_id=survey.pk)
    ResultTally.objects.filter(survey=survey).delete()
    submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    submitted.filter(awaiting_sums=True).update(awaiting_sums=False)
    # Marks the sums changed, also when no response is left.
    return result_tallies_add(survey_id=survey.pk, response_ids=submitted.values("id"))


def result_snapshot_data(*, survey: Survey) -> dict:
    """The aggregates kept after the purge (JSON-ready), each group under the same disclosure
    rule as the live pages (surveys/results/disclosure.py), without free text."""
    submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    disclosure = survey_disclosure(survey)
    keys = submitted.values_list("county_id", "library_id", "role").distinct().order_by()
    counties = sorted({c for c, _l, _r in keys if c is not None})
    libraries = sorted({lib for _c, lib, _r in keys if lib is not None})
    roles = sorted({r for _c, _l, r in keys})
    groups: dict[str, dict] = {}

    def add(key: str, filters: ResultFilters) -> None:
        raw = compute_numbers(submitted_responses(survey, ResultScope(), filters), with_texts=False)
        numbers = disclose(raw, disclosure, selection(ResultScope(), filters))
        numbers.pop("texts", None)
        numbers.pop("texts_hidden", None)
        groups[key] = numbers

    add("all", ResultFilters())
    for role in roles:
        add(f"role:{role}", ResultFilters(role=role))
    for county_id in counties:
        add(f"county:{county_id}", ResultFilters(county_id=county_id))
        for role in roles:
            add(f"county:{county_id}|role:{role}", ResultFilters(county_id=county_id, role=role))
    for library_id in libraries:
        add(f"library:{library_id}", ResultFilters(library_id=library_id))
    return {
        "version": SNAPSHOT_VERSION,
        "min_group_size": disclosure.threshold,
        "groups": groups,
        "response_rates": response_rate_data(survey=survey),
    }


def survey_purge_raw_answers(*, survey: Survey, user=None) -> bool:
    """Keep the aggregates, delete the responses and answers; False if already purged."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.raw_answers_purged_at:
            return False
        data = result_snapshot_data(survey=survey)
        ResultSnapshot.objects.update_or_create(
            survey=survey, defaults={"data": data, "computed_at": timezone.now()}
        )
        # The snapshot answers from now on; the running sums go with the answers.
        ResultTally.objects.filter(survey=survey).delete()
        result_tallies_changed(survey_id=survey.pk)
        # Answers first (a fast bulk delete), then the responses, now without answers.
        answers, _by_model = Answer.objects.filter(response__survey=survey).delete()
        responses, _by_model = Response.objects.filter(survey=survey).delete()
        survey.raw_answers_purged_at = timezone.now()
        survey.save(update_fields=["raw_answers_purged_at", "updated_at"])
        audit_log(
            "surveys.survey.raw_answers_purged",
            user=user,
            obj=survey,
            county=survey.county,
            data={
                "responses_deleted": responses,
                "answers_deleted": answers,
                "retention_days": survey.retention_days,
            },
        )
    return True


def surveys_due_for_purge(now: datetime | None = None) -> list[Survey]:
    """Closed surveys whose retention period has run out and whose raw answers remain."""
    now = now or timezone.now()
    candidates = Survey.objects.filter(
        raw_answers_purged_at__isnull=True, closes_at__isnull=False, closes_at__lt=now
    ).exclude(status=Survey.Status.DRAFT)
    return [s for s in candidates if s.closes_at + timedelta(days=s.retention_days) <= now]


def surveys_purge_expired(now: datetime | None = None) -> int:
    """Purge every survey past its retention period; returns how many were purged."""
    return sum(
        1 for survey in surveys_due_for_purge(now) if survey_purge_raw_answers(survey=survey)
    )
