"""The portal's own survey-structure format: versioned JSON.

    {"format": "kompetanseportalen.survey", "version": 1,
     "survey": {"title": {...}, "intro": {...}, "languages": [...], "anonymity": ...,
                "min_group_size": 5, "retention_days": 730},
     "pages": [{"title": {...}, "intro": {...}, "condition": null | {"question": code, "value": v},
                "questions": [{"code", "kind", "text", "help_text", "required",
                               "competence_area", "scale": {"min", "max", "labels"},
                               "allow_dont_know", "allow_other", "number": {"min", "max"},
                               "condition", "options": [{"value", "label"}],
                               "statements": [{"code", "text", "competence_area"}]}]}]}

Competence areas are referenced by their code within the programme, so a structure can move
between programmes. Uploaded JSON is as untrusted as any file: its shape is checked field by
field, with a message that says where the problem is, and its texts are cleaned to plain text.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _

from ..structure import (
    LANGUAGES,
    OptionStructure,
    PageStructure,
    QuestionStructure,
    StatementStructure,
    StructureError,
    SurveyStructure,
    clean_text,
    clean_texts,
    parse_decimal,
)

FORMAT = "kompetanseportalen.survey"
VERSION = 1
MAX_FILE_SIZE = 10 * 1024 * 1024
ANONYMITY = ("anonymous", "confidential")


# --- writing ---------------------------------------------------------------------------------


def _condition(code: str, value: str):
    return {"question": code, "value": value} if code else None


def structure_to_dict(structure: SurveyStructure) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "survey": {
            "title": structure.title,
            "intro": structure.intro,
            "languages": structure.languages,
            "anonymity": structure.anonymity,
            "min_group_size": structure.min_group_size,
            "retention_days": structure.retention_days,
        },
        "pages": [
            {
                "title": page.title,
                "intro": page.intro,
                "condition": _condition(page.condition_question, page.condition_value),
                "questions": [_question_to_dict(q) for q in page.questions],
            }
            for page in structure.pages
        ],
    }


def _question_to_dict(q: QuestionStructure) -> dict:
    return {
        "code": q.code,
        "kind": q.kind,
        "text": q.text,
        "help_text": q.help_text,
        "required": q.required,
        "competence_area": q.competence_area or None,
        "scale": {"min": q.scale_min, "max": q.scale_max, "labels": q.scale_labels},
        "allow_dont_know": q.allow_dont_know,
        "allow_other": q.allow_other,
        "number": {"min": q.number_min, "max": q.number_max},
        "condition": _condition(q.condition_question, q.condition_value),
        "options": [{"value": o.value, "label": o.label} for o in q.options],
        "statements": [
            {"code": s.code, "text": s.text, "competence_area": s.competence_area or None}
            for s in q.statements
        ],
    }


# --- reading ---------------------------------------------------------------------------------


def parse_portal_json(data: bytes) -> SurveyStructure:
    """A structure from the bytes of an exported JSON file; StructureError when refused."""
    if not data or not data.strip():
        raise StructureError(_("The file is empty."))
    if len(data) > MAX_FILE_SIZE:
        raise StructureError(_("The file is larger than 10 MB."))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeError, ValueError, RecursionError):
        raise StructureError(
            _("The file is not readable JSON: it may be damaged or cut short.")
        ) from None
    return structure_from_dict(document)


class _Reader:
    """Walks the document; every complaint names the place, e.g. pages[2].questions[0].kind."""

    def fail(self, path: str, message: str):
        raise StructureError(
            _("%(path)s: %(message)s") % {"path": path or _("file"), "message": message}
        )

    def obj(self, value, path: str) -> dict:
        if not isinstance(value, dict):
            self.fail(path, _("expected an object."))
        return value

    def items(self, value, path: str) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, _("expected a list."))
        return value

    def string(self, value, path: str, *, max_length: int = 200, required: bool = False) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.fail(path, _("expected a text."))
        value = value.strip()
        if required and not value:
            self.fail(path, _("must not be empty."))
        if len(value) > max_length:
            self.fail(path, _("is longer than %(n)s characters.") % {"n": max_length})
        return value

    def boolean(self, value, path: str) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            self.fail(path, _("expected true or false."))
        return value

    def integer(self, value, path: str, default: int, low: int, high: int) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(
                path,
                _("expected a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            )
        return value

    def texts(self, value, path: str) -> dict[str, str]:
        value = self.obj(value if value is not None else {}, path)
        for language, text in value.items():
            if language not in LANGUAGES:
                self.fail(
                    path,
                    _("unknown language %(code)s (use nb, nn or en).") % {"code": language[:10]},
                )
            if text is not None and not isinstance(text, str):
                self.fail(f"{path}.{language}", _("expected a text."))
        return clean_texts(value)

    def number(self, value, path: str) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(path, _("expected a number."))
        number = parse_decimal(value)
        if number is None:
            self.fail(path, _("expected a number between -999999 and 999999."))
        return str(number)

    def condition(self, value, path: str) -> tuple[str, str]:
        if value is None:
            return "", ""
        value = self.obj(value, path)
        return (
            self.string(value.get("question"), f"{path}.question", max_length=40, required=True),
            self.string(value.get("value"), f"{path}.value", max_length=100, required=True),
        )


def structure_from_dict(document) -> SurveyStructure:
    r = _Reader()
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise StructureError(
            _("This JSON file is not a survey structure exported from Kompetanseportalen.")
        )
    if document.get("version") != VERSION:
        raise StructureError(
            _(
                "This survey structure has format version %(version)s; only version %(ok)s can "
                "be imported."
            )
            % {"version": str(document.get("version"))[:10], "ok": VERSION}
        )
    survey = r.obj(document.get("survey", {}), "survey")
    languages = r.items(survey.get("languages", list(LANGUAGES)), "survey.languages")
    if not languages or any(language not in LANGUAGES for language in languages):
        r.fail("survey.languages", _("use some of nb, nn and en."))
    anonymity = survey.get("anonymity", "anonymous")
    if anonymity not in ANONYMITY:
        r.fail("survey.anonymity", _("use anonymous or confidential."))
    structure = SurveyStructure(
        source="json",
        title=r.texts(survey.get("title"), "survey.title"),
        intro=r.texts(survey.get("intro"), "survey.intro"),
        languages=[language for language in LANGUAGES if language in languages],
        anonymity=anonymity,
        min_group_size=r.integer(
            survey.get("min_group_size"),
            "survey.min_group_size",
            5,
            settings.SURVEYS_MIN_GROUP_SIZE_FLOOR,
            1000,
        ),
        retention_days=r.integer(
            survey.get("retention_days"), "survey.retention_days", 730, 1, 36500
        ),
    )
    for p, raw_page in enumerate(r.items(document.get("pages"), "pages")):
        path = f"pages[{p}]"
        raw_page = r.obj(raw_page, path)
        page = PageStructure(
            title=r.texts(raw_page.get("title"), f"{path}.title"),
            intro=r.texts(raw_page.get("intro"), f"{path}.intro"),
        )
        page.condition_question, page.condition_value = r.condition(
            raw_page.get("condition"), f"{path}.condition"
        )
        for q, raw_question in enumerate(r.items(raw_page.get("questions"), f"{path}.questions")):
            page.questions.append(_question_from_dict(r, raw_question, f"{path}.questions[{q}]"))
        structure.pages.append(page)
    return structure


def _question_from_dict(r: _Reader, raw, path: str) -> QuestionStructure:
    raw = r.obj(raw, path)
    scale = r.obj(raw.get("scale") or {}, f"{path}.scale")
    number = r.obj(raw.get("number") or {}, f"{path}.number")
    labels = r.obj(scale.get("labels") or {}, f"{path}.scale.labels")
    scale_labels = {}
    for language, values in labels.items():
        if language not in LANGUAGES:
            r.fail(
                f"{path}.scale.labels", _("unknown language %(code)s.") % {"code": language[:10]}
            )
        values = r.items(values, f"{path}.scale.labels.{language}")
        if any(not isinstance(v, str) for v in values):
            r.fail(f"{path}.scale.labels.{language}", _("expected a list of texts."))
        scale_labels[language] = [clean_text(v)[:200] for v in values]
    question = QuestionStructure(
        code=r.string(raw.get("code"), f"{path}.code", max_length=40, required=True),
        kind=r.string(raw.get("kind"), f"{path}.kind", max_length=40, required=True),
        text=r.texts(raw.get("text"), f"{path}.text"),
        help_text=r.texts(raw.get("help_text"), f"{path}.help_text"),
        required=r.boolean(raw.get("required"), f"{path}.required"),
        competence_area=r.string(
            raw.get("competence_area"), f"{path}.competence_area", max_length=50
        ),
        scale_min=r.integer(scale.get("min"), f"{path}.scale.min", 1, -100, 100),
        scale_max=r.integer(scale.get("max"), f"{path}.scale.max", 5, -100, 100),
        scale_labels=scale_labels,
        allow_dont_know=r.boolean(raw.get("allow_dont_know"), f"{path}.allow_dont_know"),
        allow_other=r.boolean(raw.get("allow_other"), f"{path}.allow_other"),
        number_min=r.number(number.get("min"), f"{path}.number.min"),
        number_max=r.number(number.get("max"), f"{path}.number.max"),
    )
    question.condition_question, question.condition_value = r.condition(
        raw.get("condition"), f"{path}.condition"
    )
    for i, option in enumerate(r.items(raw.get("options"), f"{path}.options")):
        option = r.obj(option, f"{path}.options[{i}]")
        question.options.append(
            OptionStructure(
                value=r.string(
                    option.get("value"), f"{path}.options[{i}].value", max_length=100, required=True
                ),
                label=r.texts(option.get("label"), f"{path}.options[{i}].label"),
            )
        )
    for i, statement in enumerate(r.items(raw.get("statements"), f"{path}.statements")):
        statement = r.obj(statement, f"{path}.statements[{i}]")
        question.statements.append(
            StatementStructure(
                code=r.string(
                    statement.get("code"),
                    f"{path}.statements[{i}].code",
                    max_length=40,
                    required=True,
                ),
                text=r.texts(statement.get("text"), f"{path}.statements[{i}].text"),
                competence_area=r.string(
                    statement.get("competence_area"),
                    f"{path}.statements[{i}].competence_area",
                    max_length=50,
                ),
            )
        )
    return question
