"""The disclosure rule's sizes counted again from every answer: the reference the sizes kept in
the running sums (surveys/results/disclosure.py `measure_sizes`) are compared with.

This is how `survey_disclosure` computed them before the sums kept them (two grouped queries over
all answers of the survey), kept here unchanged for the tests.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from surveys.models import Answer, Question, Response, Survey
from surveys.results.disclosure import (
    RESPONSES,
    Cell,
    Disclosure,
    area_measure,
    partition,
    text_measure,
)
from surveys.results.selectors import item_key


def recomputed_measure_sizes(survey: Survey) -> dict[str, dict[Cell, int]]:
    """Respondents per measure and cell over the survey's submitted responses and answers."""
    responses = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    sizes: dict[str, dict[Cell, int]] = defaultdict(dict)
    for row in (
        responses.values("county_id", "library_id", "role").annotate(n=Count("id")).order_by()
    ):
        sizes[RESPONSES][_cell(row, "")] = row["n"]
    prefix = "response__"
    rows = (
        Answer.objects.filter(response__in=responses.values("id"))
        .annotate(area_id=Coalesce("statement__competence_area_id", "question__competence_area_id"))
        .values(
            "question_id",
            "statement_id",
            "dimension",
            "area_id",
            f"{prefix}county_id",
            f"{prefix}library_id",
            f"{prefix}role",
        )
        .annotate(
            answers=Count("id"),
            chosen_by=Count(
                "response_id",
                distinct=True,
                filter=Q(question__kind=Question.Kind.MULTIPLE_CHOICE),
            ),
            rated=Count(
                "id",
                filter=Q(
                    question__kind=Question.Kind.COMPETENCE_PAIR,
                    dont_know=False,
                    number__isnull=False,
                ),
            ),
            wrote=Count("id", filter=~Q(text="")),
        )
        .order_by()
    )
    for row in rows:
        cell = _cell(row, prefix)
        key = item_key(row["question_id"], row["statement_id"], row["dimension"])
        sizes[key][cell] = row["chosen_by"] or row["answers"]
        if row["rated"] and row["area_id"] is not None:
            area = sizes[area_measure(row["area_id"])]
            area[cell] = max(area.get(cell, 0), row["rated"])
        if row["wrote"]:
            texts = sizes[text_measure(row["question_id"])]
            texts[cell] = texts.get(cell, 0) + row["wrote"]
    return sizes


def _cell(row: dict, prefix: str) -> Cell:
    return (row[f"{prefix}county_id"], row[f"{prefix}library_id"], row[f"{prefix}role"] or "")


def recomputed_disclosure(survey: Survey) -> Disclosure:
    threshold = survey.group_size_threshold
    return Disclosure(
        threshold=threshold,
        partitions={
            measure: partition(sizes, threshold)
            for measure, sizes in recomputed_measure_sizes(survey).items()
        },
    )
