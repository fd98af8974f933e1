"""Creating a draft survey from a structure, and reading a survey back as one."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.models import CompetenceArea

from ..builder.services import survey_structure_changed
from ..models import Option, Page, Question, Statement, Survey
from ..structure import (
    LANGUAGES,
    ImportReport,
    OptionStructure,
    PageStructure,
    QuestionStructure,
    StatementStructure,
    StructureError,
    SurveyStructure,
    validate_structure,
)
from .limesurvey import parse_limesurvey
from .portal_json import parse_portal_json, structure_to_dict


@dataclass
class ImportResult:
    survey: Survey
    report: ImportReport
    structure: SurveyStructure


def structure_from_file(*, filename: str, data: bytes) -> SurveyStructure:
    """Parse an uploaded file: the portal's JSON (.json) or a LimeSurvey export (anything else)."""
    name = (filename or "").lower()
    if name.endswith(".json") or (data or b"").lstrip()[:1] == b"{":
        return parse_portal_json(data)
    return parse_limesurvey(data)


def survey_import_structure(
    *, programme, county, created_by, structure: SurveyStructure, draft: bool = False
) -> ImportResult:
    """A new draft survey with the structure's pages and questions, all or nothing.

    `structure.report` (what the parser could not map) is extended with what the import itself
    could not map (competence-area codes unknown in this programme) and returned with the survey.
    `draft`: the structure is a draft's own (a copy), which may still be incomplete.
    """
    validate_structure(structure, draft=draft)
    if county is not None and not programme.counties.filter(id=county.id).exists():
        raise StructureError(_("The county does not take part in this programme."))
    report = structure.report
    areas = {area.code: area for area in CompetenceArea.objects.filter(programme=programme)}

    def area_for(code: str, subject: str):
        if not code:
            return None
        area = areas.get(code)
        if area is None:
            report.skip(
                subject,
                _("The competence area %(code)s does not exist in this programme; left empty.")
                % {"code": code},
            )
        return area

    with transaction.atomic():
        survey = Survey.objects.create(
            programme=programme,
            county=county,
            created_by=created_by,
            title=structure.title,
            intro=structure.intro,
            status=Survey.Status.DRAFT,
            anonymity=structure.anonymity,
            min_group_size=structure.min_group_size,
            retention_days=structure.retention_days,
            languages=list(structure.languages),
        )
        # Everything in a few bulk inserts (a survey at the limits has 1,000 questions); the
        # conditions point at questions, so they are set once the questions have ids.
        pages = Page.objects.bulk_create(
            Page(survey=survey, position=position, title=p.title, intro=p.intro)
            for position, p in enumerate(structure.pages, start=1)
        )
        questions = Question.objects.bulk_create(
            Question(
                survey=survey,
                page=page,
                position=position,
                code=q.code,
                kind=q.kind,
                text=q.text,
                help_text=q.help_text,
                required=q.required,
                competence_area=area_for(q.competence_area, q.code),
                scale_min=q.scale_min,
                scale_max=q.scale_max,
                scale_labels=q.scale_labels,
                allow_dont_know=q.allow_dont_know,
                allow_other=q.allow_other,
                number_min=Decimal(q.number_min) if q.number_min is not None else None,
                number_max=Decimal(q.number_max) if q.number_max is not None else None,
                condition_value=q.condition_value,
            )
            for page, page_structure in zip(pages, structure.pages, strict=True)
            for position, q in enumerate(page_structure.questions, start=1)
        )
        by_code = {question.code.lower(): question for question in questions}
        conditioned = []
        for item, wanted in [
            *zip(pages, structure.pages, strict=True),
            *zip(questions, structure.questions(), strict=True),
        ]:
            if wanted.condition_question:
                item.condition_question = by_code[wanted.condition_question.lower()]
                item.condition_value = wanted.condition_value
                conditioned.append(item)
        Page.objects.bulk_update(
            [p for p in conditioned if isinstance(p, Page)],
            ["condition_question", "condition_value"],
        )
        Question.objects.bulk_update(
            [q for q in conditioned if isinstance(q, Question)],
            ["condition_question", "condition_value"],
        )
        options, statements = [], []
        for question, q in zip(questions, structure.questions(), strict=True):
            if q.kind == "competence_pair" and not q.competence_area:
                report.note(
                    q.code,
                    _(
                        "Choose the competence area this competence pair measures before the "
                        "survey opens; without one its answers never reach the gap analysis."
                    ),
                )
            options += [
                Option(question=question, position=i, value=o.value, label=o.label)
                for i, o in enumerate(q.options, start=1)
            ]
            statements += [
                Statement(
                    question=question,
                    position=i,
                    code=s.code,
                    text=s.text,
                    competence_area=area_for(s.competence_area, f"{q.code} / {s.code}"),
                )
                for i, s in enumerate(q.statements, start=1)
            ]
        Option.objects.bulk_create(options)
        Statement.objects.bulk_create(statements)
        survey_structure_changed(survey_id=survey.pk)  # its answer pages may be cached from now
        if structure.source != "copy":  # a copy is logged by the copy, with its original
            audit_log(
                "surveys.survey.imported",
                user=created_by,
                obj=survey,
                county=county,
                data={
                    "source": structure.source,
                    "pages": len(structure.pages),
                    "questions": len(by_code),
                    "not_imported": len(report.not_imported),
                },
            )
    return ImportResult(survey=survey, report=report, structure=structure)


def survey_import_file(
    *, programme, county, created_by, filename: str, data: bytes
) -> ImportResult:
    """Parse an uploaded .lss or .json file and import it; StructureError when refused."""
    structure = structure_from_file(filename=filename, data=data)
    return survey_import_structure(
        programme=programme, county=county, created_by=created_by, structure=structure
    )


# --- reading a survey back --------------------------------------------------------------------


def _texts(value) -> dict[str, str]:
    value = value if isinstance(value, dict) else {}
    return {language: value[language] for language in LANGUAGES if value.get(language)}


def _decimal(value) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


def survey_structure(survey: Survey) -> SurveyStructure:
    """The survey's pages and questions as a structure (a fixed number of queries)."""
    questions = (
        Question.objects.filter(survey=survey)
        .select_related("competence_area", "condition_question")
        .prefetch_related(
            Prefetch("options", queryset=Option.objects.order_by("position", "id")),
            Prefetch(
                "statements",
                queryset=Statement.objects.select_related("competence_area").order_by(
                    "position", "id"
                ),
            ),
        )
        .order_by("position", "id")
    )
    pages = (
        Page.objects.filter(survey=survey)
        .select_related("condition_question")
        .prefetch_related(Prefetch("questions", queryset=questions))
        .order_by("position", "id")
    )
    structure = SurveyStructure(
        title=_texts(survey.title),
        intro=_texts(survey.intro),
        languages=[code for code in LANGUAGES if code in (survey.languages or LANGUAGES)],
        anonymity=survey.anonymity,
        min_group_size=survey.min_group_size,
        retention_days=survey.retention_days,
        source="portal",
    )
    for page in pages:
        page_structure = PageStructure(
            title=_texts(page.title),
            intro=_texts(page.intro),
            condition_question=page.condition_question.code if page.condition_question else "",
            condition_value=page.condition_value if page.condition_question else "",
            pk=page.pk,
        )
        page_structure.questions = [question_structure(q) for q in page.questions.all()]
        structure.pages.append(page_structure)
    return structure


def question_structure(q: Question, *, options=None, statements=None) -> QuestionStructure:
    """One question (saved or not) as a structure; `options` and `statements` default to the
    question's own (prefetched) rows."""
    options = q.options.all() if options is None else options
    statements = q.statements.all() if statements is None else statements
    return QuestionStructure(
        code=q.code,
        kind=q.kind,
        text=_texts(q.text),
        help_text=_texts(q.help_text),
        required=q.required,
        competence_area=q.competence_area.code if q.competence_area else "",
        scale_min=q.scale_min,
        scale_max=q.scale_max,
        scale_labels={k: list(v) for k, v in (q.scale_labels or {}).items() if k in LANGUAGES},
        allow_dont_know=q.allow_dont_know,
        allow_other=q.allow_other,
        number_min=_decimal(q.number_min),
        number_max=_decimal(q.number_max),
        condition_question=q.condition_question.code if q.condition_question else "",
        condition_value=q.condition_value if q.condition_question else "",
        options=[OptionStructure(value=o.value, label=_texts(o.label)) for o in options],
        statements=[
            StatementStructure(
                code=s.code,
                text=_texts(s.text),
                competence_area=s.competence_area.code if s.competence_area else "",
            )
            for s in statements
        ],
        pk=q.pk,
    )


def survey_export_structure(survey: Survey) -> dict:
    """The survey's structure in the portal's versioned JSON format (see portal_json)."""
    return structure_to_dict(survey_structure(survey))
