"""A survey's structure (pages, questions, options, statements, scales, conditions) and the one
validator of it.

Every writer of a structure goes through `validate_structure`: the builder after each change
(`draft=True`: a survey being built may still lack pages, options or statements), the imports
(LimeSurvey .lss and the portal's own JSON produce a `SurveyStructure`) and the copy (an import of
the survey's own export). So a scale, a condition or a code is valid by the same rules whoever
writes it. Texts are plain text, {"nb"|"nn"|"en": str}, never HTML.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import nh3
from django.utils.translation import gettext as _

LANGUAGES = ("nb", "nn", "en")
KINDS = (
    "likert",
    "matrix",
    "single_choice",
    "multiple_choice",
    "short_text",
    "long_text",
    "number",
    "competence_pair",
)
SCALE_KINDS = frozenset({"likert", "matrix", "competence_pair"})
STATEMENT_KINDS = frozenset({"matrix", "competence_pair"})
OPTION_KINDS = frozenset({"single_choice", "multiple_choice"})
CODE_MAX_LENGTH = 40
VALUE_MAX_LENGTH = 100
TEXT_MAX_LENGTH = 10_000
MAX_PAGES = 200
MAX_QUESTIONS = 1000
MAX_ROWS = 200  # options or statements per question
SCALE_RANGE = (-100, 100)
MAX_SCALE_POINTS = 11
CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+$")


class StructureError(ValueError):
    """The structure cannot be a survey's; the message says why, for the person writing it, and
    `field` names the builder's field it concerns (if one does)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class OptionStructure:
    value: str
    label: dict[str, str] = field(default_factory=dict)


@dataclass
class StatementStructure:
    code: str
    text: dict[str, str] = field(default_factory=dict)
    competence_area: str = ""  # a CompetenceArea code of the programme, "" for none


@dataclass
class QuestionStructure:
    code: str
    kind: str
    text: dict[str, str] = field(default_factory=dict)
    help_text: dict[str, str] = field(default_factory=dict)
    required: bool = False
    competence_area: str = ""
    scale_min: int = 1
    scale_max: int = 5
    scale_labels: dict[str, list[str]] = field(default_factory=dict)
    allow_dont_know: bool = False
    allow_other: bool = False
    number_min: str | None = None  # decimals as strings, so JSON keeps them exact
    number_max: str | None = None
    condition_question: str = ""  # the code of an earlier question
    condition_value: str = ""
    options: list[OptionStructure] = field(default_factory=list)
    statements: list[StatementStructure] = field(default_factory=list)
    pk: int | None = None  # the question's id, when read from the database


@dataclass
class PageStructure:
    title: dict[str, str] = field(default_factory=dict)
    intro: dict[str, str] = field(default_factory=dict)
    condition_question: str = ""
    condition_value: str = ""
    questions: list[QuestionStructure] = field(default_factory=list)
    pk: int | None = None  # the page's id, when read from the database


@dataclass
class ReportItem:
    """One thing that was not imported (or imported differently), and why."""

    subject: str  # e.g. a question code, "Quotas", "Language et"
    reason: str


@dataclass
class ImportReport:
    not_imported: list[ReportItem] = field(default_factory=list)
    notes: list[ReportItem] = field(default_factory=list)

    def skip(self, subject: str, reason: str) -> None:
        self.not_imported.append(ReportItem(str(subject), str(reason)))

    def note(self, subject: str, reason: str) -> None:
        self.notes.append(ReportItem(str(subject), str(reason)))

    def as_dict(self) -> dict:
        return {
            "not_imported": [{"subject": i.subject, "reason": i.reason} for i in self.not_imported],
            "notes": [{"subject": i.subject, "reason": i.reason} for i in self.notes],
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        report = cls()
        for item in data.get("not_imported", []):
            report.skip(item["subject"], item["reason"])
        for item in data.get("notes", []):
            report.note(item["subject"], item["reason"])
        return report


@dataclass
class SurveyStructure:
    title: dict[str, str] = field(default_factory=dict)
    intro: dict[str, str] = field(default_factory=dict)
    languages: list[str] = field(default_factory=lambda: list(LANGUAGES))
    anonymity: str = "anonymous"
    min_group_size: int = 5
    retention_days: int = 730
    pages: list[PageStructure] = field(default_factory=list)
    source: str = ""  # "limesurvey" or "json", for the audit log
    report: ImportReport = field(default_factory=ImportReport)

    def questions(self):
        for page in self.pages:
            yield from page.questions


# --- untrusted text ---------------------------------------------------------------------------

_BREAKS = re.compile(r"<\s*br\s*/?\s*>", re.IGNORECASE)
_BLOCK_ENDS = re.compile(r"<\s*/\s*(p|div|li|h[1-6]|tr)\s*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def clean_text(value: str | None) -> str:
    """Untrusted HTML (a LimeSurvey text, an uploaded JSON) as plain text.

    nh3 drops every tag and the contents of script and style; line breaks and paragraph ends
    become newlines so the text keeps its shape. The result is plain text that templates escape
    as usual, so no markup from a file ever reaches a page.
    """
    if not value:
        return ""
    value = _BREAKS.sub("\n", str(value))
    value = _BLOCK_ENDS.sub("\n\n", value)
    value = html.unescape(nh3.clean(value, tags=set(), attributes={}))
    lines = [_SPACES.sub(" ", line).strip() for line in value.replace("\xa0", " ").split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()[:TEXT_MAX_LENGTH]


def clean_texts(texts: dict[str, str | None]) -> dict[str, str]:
    """A {language: text} dict with only our languages and non-empty, cleaned texts."""
    cleaned = {}
    for language in LANGUAGES:
        text = clean_text(texts.get(language))
        if text:
            cleaned[language] = text
    return cleaned


def code_from(value: str, taken: set[str], fallback: str = "q") -> str:
    """A slug code (letters, digits, - and _) unique among `taken`, which it joins."""
    code = re.sub(r"[^-a-zA-Z0-9_]+", "", value or "")[:CODE_MAX_LENGTH] or fallback
    candidate, n = code, 2
    while candidate.lower() in taken:
        suffix = f"-{n}"
        candidate = code[: CODE_MAX_LENGTH - len(suffix)] + suffix
        n += 1
    taken.add(candidate.lower())
    return candidate


# --- the one validator ----------------------------------------------------------------------


def validate_structure(structure: SurveyStructure, *, draft: bool = False) -> None:
    """Raise StructureError (with a message for people) when the structure breaks a rule.

    `draft`: a survey being built in the builder, which may still lack pages, and questions their
    options or statements; an import or a copy brings a whole survey.
    """
    if not structure.pages and not draft:
        raise StructureError(_("The survey has no pages with questions that could be imported."))
    if len(structure.pages) > MAX_PAGES:
        raise StructureError(_("The survey has more than %(n)s pages.") % {"n": MAX_PAGES})
    if sum(len(p.questions) for p in structure.pages) > MAX_QUESTIONS:
        raise StructureError(_("The survey has more than %(n)s questions.") % {"n": MAX_QUESTIONS})
    languages = [language for language in structure.languages if language in LANGUAGES]
    if not languages or len(languages) != len(structure.languages):
        raise StructureError(_("The survey languages must be some of nb, nn and en."))
    earlier: dict[str, QuestionStructure] = {}
    for page_number, page in enumerate(structure.pages, start=1):
        if page.condition_question:
            _check_condition(
                earlier.get(page.condition_question.lower()),
                page.condition_question,
                page.condition_value,
                _("Page %(n)s") % {"n": page_number},
            )
        for question in page.questions:
            _validate_question(question, earlier, draft=draft)
            earlier[question.code.lower()] = question


def condition_problem(target: QuestionStructure | None, value: str) -> tuple[str, str] | None:
    """(field, reason) when a condition on `target` (an earlier question, or None when the named
    question is not one) having `value` cannot be kept; None when it is valid."""
    if target is None:
        return "condition_question", _("The condition must refer to an earlier question.")
    if target.kind in STATEMENT_KINDS:
        return "condition_question", _("A condition cannot refer to a matrix or competence pair.")
    if not value or len(value) > VALUE_MAX_LENGTH:
        return "condition_value", _("Give the answer that shows this.")
    if target.kind in OPTION_KINDS:
        values = [option.value for option in target.options]
        if value not in values:
            return "condition_value", _("Use one of the stored values: %(values)s.") % {
                "values": ", ".join(sorted(values))
            }
    elif target.kind == "likert":
        points = range(target.scale_min, target.scale_max + 1)
        if not value.lstrip("-").isdigit() or int(value) not in points:
            return "condition_value", _("Use a point on the question's scale, e.g. 1.")
    return None


def _check_condition(target, code: str, value: str, where: str) -> None:
    if target is None:
        raise StructureError(
            _("%(where)s: the condition refers to %(code)s, which is not an earlier question.")
            % {"where": where, "code": code},
            "condition_question",
        )
    problem = condition_problem(target, value)
    if problem is not None:
        field, reason = problem
        raise StructureError(
            _("%(where)s: the condition on %(code)s: %(reason)s")
            % {"where": where, "code": code, "reason": reason},
            field,
        )


def _validate_question(q: QuestionStructure, earlier, *, draft: bool) -> None:
    where = q.code or "?"
    if not q.code or len(q.code) > CODE_MAX_LENGTH or not CODE_PATTERN.match(q.code):
        raise StructureError(
            _("Question code %(code)s is not valid: use up to 40 letters, digits, - and _.")
            % {"code": q.code or "''"},
            "code",
        )
    if q.code.lower() in earlier:
        raise StructureError(
            _("The question code %(code)s is used twice.") % {"code": q.code}, "code"
        )
    if q.kind not in KINDS:
        raise StructureError(
            _("Question %(code)s has an unknown type %(kind)s.") % {"code": where, "kind": q.kind},
            "kind",
        )
    if not any(q.text.values()):
        raise StructureError(_("Question %(code)s has no text.") % {"code": where}, "text")
    if q.kind in SCALE_KINDS:
        _validate_scale(q, where)
    if q.kind in OPTION_KINDS:
        if not q.options and not draft:
            raise StructureError(_("Question %(code)s has no options.") % {"code": where})
        values = [o.value for o in q.options]
        if len(set(values)) != len(values) or any(
            not v or len(v) > VALUE_MAX_LENGTH for v in values
        ):
            raise StructureError(
                _("Question %(code)s: option values must be present and different.")
                % {"code": where}
            )
    if q.kind in STATEMENT_KINDS:
        if not q.statements and not draft:
            raise StructureError(_("Question %(code)s has no statements.") % {"code": where})
        codes = [s.code for s in q.statements]
        if len(set(codes)) != len(codes) or any(not c or len(c) > CODE_MAX_LENGTH for c in codes):
            raise StructureError(
                _("Question %(code)s: statement codes must be present, short and different.")
                % {"code": where}
            )
    if len(q.options) > MAX_ROWS or len(q.statements) > MAX_ROWS:
        raise StructureError(
            _("Question %(code)s has more than %(n)s rows.") % {"code": where, "n": MAX_ROWS}
        )
    for bound in (q.number_min, q.number_max):
        if bound is not None and parse_decimal(bound) is None:
            raise StructureError(
                _("Question %(code)s: %(value)s is not a number between -999999 and 999999.")
                % {"code": where, "value": bound},
                "number_min",
            )
    if (
        q.number_min is not None
        and q.number_max is not None
        and parse_decimal(q.number_min) > parse_decimal(q.number_max)
    ):
        raise StructureError(
            _("Question %(code)s: the smallest number is larger than the largest.")
            % {"code": where},
            "number_max",
        )
    if q.condition_question:
        target = earlier.get(q.condition_question.lower())
        _check_condition(target, q.condition_question, q.condition_value, where)


def _validate_scale(q: QuestionStructure, where: str) -> None:
    def refuse(reason: str, field: str = "scale_max"):
        raise StructureError(
            _("Question %(code)s: %(reason)s") % {"code": where, "reason": reason}, field
        )

    points = q.scale_max - q.scale_min + 1
    low, high = SCALE_RANGE
    if q.scale_max <= q.scale_min:
        refuse(_("The scale must end above where it starts."))
    if not (low <= q.scale_min and q.scale_max <= high):
        refuse(
            _("the scale must go upwards, between %(low)s and %(high)s.")
            % {"low": low, "high": high}
        )
    if points > MAX_SCALE_POINTS:
        refuse(_("A scale has at most 11 points."))
    for labels in q.scale_labels.values():
        if labels and any(labels) and len(labels) != points:
            refuse(
                _("Write one label per point of the scale (%(n)s), or none.") % {"n": points},
                "scale_labels",
            )


def parse_decimal(value) -> Decimal | None:
    """A number that fits the question's Decimal(8, 2) bounds, rounded to cents; else None."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or abs(number) >= Decimal("1000000"):
        return None
    return number.quantize(Decimal("0.01"))
