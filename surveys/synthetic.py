"""Synthetic survey data: surveys with every question kind, and many responses at once.

Responses and answers are written with bulk_create (two INSERTs per batch), so the demo, the
benchmark command and the tests can fill a survey with thousands of responses in seconds. Values
are either given per question code or drawn from a seeded random generator (reproducible).
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.utils import timezone

from surveys.builder.services import survey_structure_changed
from surveys.models import Answer, Option, Page, Question, Response, Statement, Survey
from surveys.results.services import result_tallies_add

Kind = Question.Kind
IMPORTANCE = Answer.Dimension.IMPORTANCE
COMPETENCE = Answer.Dimension.COMPETENCE


def _t(text: str) -> dict:
    return {"nb": text, "en": text}


def build_survey(*, programme, county=None, title="Kompetansekartlegging 2011", **fields) -> Survey:
    fields.setdefault("status", Survey.Status.OPEN)
    return Survey.objects.create(programme=programme, county=county, title=_t(title), **fields)


def add_question(survey, page, *, code, kind, area=None, statements=(), options=(), **fields):
    question = Question.objects.create(
        survey=survey,
        page=page,
        position=Question.objects.filter(page=page).count(),
        code=code,
        kind=kind,
        text=_t(fields.pop("text", f"Question {code}")),
        competence_area=area,
        **fields,
    )
    for position, (statement_code, statement_area) in enumerate(statements):
        Statement.objects.create(
            question=question,
            position=position,
            code=statement_code,
            text=_t(f"Statement {statement_code}"),
            competence_area=statement_area,
        )
    for position, value in enumerate(options):
        Option.objects.create(
            question=question, position=position, value=value, label=_t(f"Option {value}")
        )
    survey_structure_changed(survey_id=survey.pk)  # written past the builder: its token too
    return question


def full_survey(*, programme, areas, county=None, **fields) -> Survey:
    """A survey with one question of every kind; competence pairs over the given areas."""
    survey = build_survey(programme=programme, county=county, **fields)
    page = Page.objects.create(survey=survey, position=0, title=_t("Page 1"))
    add_question(
        survey,
        page,
        code="likert",
        kind=Kind.LIKERT,
        allow_dont_know=True,
        area=areas[0],
        scale_labels={"nb": ["Svært lite", "Lite", "Middels", "Mye", "Svært mye"]},
    )
    add_question(
        survey,
        page,
        code="single",
        kind=Kind.SINGLE_CHOICE,
        options=["a", "b", "c"],
        allow_other=True,
    )
    add_question(survey, page, code="multi", kind=Kind.MULTIPLE_CHOICE, options=["x", "y", "z"])
    add_question(
        survey, page, code="matrix", kind=Kind.MATRIX, statements=[("m1", None), ("m2", None)]
    )
    add_question(
        survey,
        page,
        code="pair",
        kind=Kind.COMPETENCE_PAIR,
        statements=[(f"p{i}", area) for i, area in enumerate(areas)],
    )
    add_question(survey, page, code="number", kind=Kind.NUMBER)
    add_question(survey, page, code="short", kind=Kind.SHORT_TEXT)
    add_question(survey, page, code="long", kind=Kind.LONG_TEXT)
    return survey


def wide_survey(*, programme, areas, questions: int = 40, **fields) -> Survey:
    """A survey of `questions` questions cycling through the kinds (for the benchmark)."""
    survey = build_survey(programme=programme, **fields)
    page = Page.objects.create(survey=survey, position=0, title=_t("Page 1"))
    kinds = [
        Kind.LIKERT,
        Kind.COMPETENCE_PAIR,
        Kind.SINGLE_CHOICE,
        Kind.MATRIX,
        Kind.MULTIPLE_CHOICE,
        Kind.COMPETENCE_PAIR,
        Kind.NUMBER,
        Kind.LIKERT,
        Kind.SHORT_TEXT,
    ]
    for index in range(questions):
        kind = kinds[index % len(kinds)]
        area = areas[index % len(areas)] if areas else None
        add_question(
            survey,
            page,
            code=f"q{index + 1}",
            kind=kind,
            area=area,
            allow_dont_know=kind == Kind.LIKERT,
            statements=[(f"s{i}", None) for i in range(3)]
            if kind in Question.STATEMENT_KINDS
            else (),
            options=["a", "b", "c", "d"] if kind in Question.OPTION_KINDS else (),
        )
    return survey


def _structure(survey):
    return list(
        Question.objects.filter(survey=survey)
        .prefetch_related("options", "statements")
        .order_by("position", "id")
    )


def _pair(question, statement, rng, gaps) -> tuple[int, int]:
    """A random (importance, competence); with `gaps`, competence trails by about the gap."""
    points = question.scale_points
    area_id = statement.competence_area_id or question.competence_area_id
    if not gaps or area_id not in gaps:
        return rng.choice(points), rng.choice(points)
    importance = rng.choice(points[len(points) // 2 :])
    competence = round(importance - gaps[area_id] + rng.choice([-1, 0, 0, 1]))
    return importance, min(max(competence, points[0]), points[-1])


def _answers_for(question, value, rng, gaps=None) -> list[Answer]:
    """Unsaved answers of one response to one question (response set by the caller)."""
    points = question.scale_points
    kind = question.kind
    if kind == Kind.LIKERT:
        if value is None:
            value = rng.choice([*points, "dont_know"] if question.allow_dont_know else points)
        if value == "dont_know":
            return [Answer(question=question, dont_know=True)]
        return [Answer(question=question, number=Decimal(value))]
    if kind == Kind.MATRIX:
        return [
            Answer(
                question=question,
                statement=statement,
                number=Decimal(value if value is not None else rng.choice(points)),
            )
            for statement in question.statements.all()
        ]
    if kind == Kind.COMPETENCE_PAIR:
        answers = []
        for statement in question.statements.all():
            pair = (value or {}).get(statement.code) if isinstance(value, dict) else value
            importance, competence = pair or _pair(question, statement, rng, gaps)
            answers.append(
                Answer(
                    question=question,
                    statement=statement,
                    dimension=IMPORTANCE,
                    number=Decimal(importance),
                )
            )
            answers.append(
                Answer(
                    question=question,
                    statement=statement,
                    dimension=COMPETENCE,
                    number=Decimal(competence),
                )
            )
        return answers
    if kind == Kind.SINGLE_CHOICE:
        values = [o.value for o in question.options.all()]
        choice = value if value is not None else rng.choice(values)
        if isinstance(choice, tuple):  # ("other", "the text")
            return [Answer(question=question, choice=choice[0], text=choice[1])]
        return [Answer(question=question, choice=choice)]
    if kind == Kind.MULTIPLE_CHOICE:
        values = [o.value for o in question.options.all()]
        chosen = value if value is not None else rng.sample(values, k=rng.randint(1, 2))
        return [
            # ("other", "the text") for "other" with its text
            Answer(question=question, choice=choice[0], text=choice[1])
            if isinstance(choice, tuple)
            else Answer(question=question, choice=choice)
            for choice in chosen
        ]
    if kind == Kind.NUMBER:
        return [
            Answer(
                question=question,
                number=Decimal(value if value is not None else rng.randint(0, 40)),
            )
        ]
    text = value if value is not None else rng.choice(["Mer om samarbeid", "Kurs i planarbeid", ""])
    return [Answer(question=question, text=text)] if text else []


def add_responses(
    survey,
    *,
    count: int,
    county=None,
    library=None,
    role: str = "staff",
    values: dict | None = None,
    seed: int = 0,
    submitted: bool = True,
    respondent=None,
    gaps: dict[int, float] | None = None,
    batch_size: int = 500,
) -> int:
    """Create `count` responses with an answer to every question; returns the answer count.

    `values` maps question codes to a fixed value: a scale point or "dont_know" (likert,
    matrix), {statement code: (importance, competence)} or one pair for all statements, an
    option value or ("other", text) (single choice), a list of values (multiple choice), a
    number, or a text. Other questions get seeded random values; `gaps` ({area id: gap}) makes
    random competence pairs of those areas show about that gap.
    """
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    values = values or {}
    questions = _structure(survey)
    now = timezone.now()
    if county is None and library is not None:
        county = library.county
    created = 0
    for start in range(0, count, batch_size):
        size = min(batch_size, count - start)
        responses = Response.objects.bulk_create(
            [
                Response(
                    survey=survey,
                    county=county,
                    library=library,
                    role=role,
                    respondent=respondent,
                    language="nb",
                    started_at=now,
                    submitted_at=now if submitted else None,
                )
                for _ in range(size)
            ]
        )
        answers = []
        for response in responses:
            for question in questions:
                for answer in _answers_for(question, values.get(question.code), rng, gaps):
                    answer.response = response
                    answers.append(answer)
        Answer.objects.bulk_create(answers, batch_size=2000)
        if submitted:
            result_tallies_add(survey_id=survey.pk, response_ids=[r.pk for r in responses])
        created += len(answers)
    return created
