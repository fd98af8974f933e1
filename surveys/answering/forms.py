"""One page of a survey as a form: fields per question, and answers in and out.

Field names: `q<id>` for one-value questions, `q<id>_s<statement id>` for matrix rows,
`q<id>_s<statement id>_importance` / `_competence` for competence pairs, `q<id>_other` for the
"other" text. Each statement of a matrix or competence pair is its own group (a fieldset with a
legend in the template), so it reads well with a screen reader and on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django import forms
from django.template.defaultfilters import floatformat
from django.utils import formats, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.memo import ProcessMemo

from ..models import Answer, Question
from ..texts import localized

DONT_KNOW = "dk"
OTHER = "other"
# Free text is capped with a clear message, never cut or stored at any length: about a page
# for a long answer, a line for a short one.
SHORT_TEXT_MAX_LENGTH = 500
LONG_TEXT_MAX_LENGTH = 5000
Kind = Question.Kind
DIMENSIONS = (
    (Answer.Dimension.IMPORTANCE, gettext_lazy("How important is this in your job?")),
    (Answer.Dimension.COMPETENCE, gettext_lazy("How competent do you feel?")),
)


@dataclass(frozen=True)
class Point:
    """One point of a scale: the stored value, its number and label, and both as one name."""

    value: str
    number: str
    text: str

    @property
    def label(self) -> str:
        if not self.number:
            return self.text
        return self.number if self.text == self.number else f"{self.number} – {self.text}"

    @cached_property
    def escaped(self) -> tuple[str, str]:
        """The value and label escaped, once per page: a scale's points are the same objects in
        every row of its grid."""
        return conditional_escape(self.value), conditional_escape(self.label)


@dataclass
class Group:
    """One labelled group of inputs: a fieldset with a legend, or a single labelled input.

    In the grid of a matrix or competence pair, a statement is a group whose `scales` are its
    radio groups (one per dimension), each named for the statement and the scale (`full_legend`).
    """

    name: str
    legend: str
    widget: str  # radio | checkbox | text | textarea | number | pair
    choices: list[tuple[str, str]] = field(default_factory=list)
    bound: forms.BoundField | None = None
    other: forms.BoundField | None = None
    subgroups: list[Group] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    full_legend: str = ""
    chrome_lang: str = ""  # the page's language where it differs from the survey's texts

    @property
    def scales(self) -> list[Group]:
        return self.subgroups or [self]

    @property
    def value(self):
        value = self.bound.value() if self.bound is not None else None
        return value if value is not None else ""

    @property
    def values(self) -> list[str]:
        value = self.value
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    @property
    def errors(self):
        return self.bound.errors if self.bound is not None else []

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(group.has_errors for group in self.subgroups)

    # The inputs are written here rather than in a template loop: a 40-question page has
    # several hundred of them, and Django's template engine spent most of the page's time on
    # them. Same markup; every value is escaped (`conditional_escape`, as the template does).

    def _inputs_html(self, template: str, options) -> SafeString:
        """`options`: (value, value escaped, label escaped, in the page's language) per input.
        Each value is escaped once (the name once for all inputs, a scale's points once per
        page): `format_html` would escape every argument of every input, the page's largest
        cost after the template."""
        values = set(self.values)
        name = conditional_escape(self.name)
        invalid = ' aria-invalid="true"' if self.errors else ""
        lang = _lang(self.chrome_lang)
        return mark_safe(  # noqa: S308 - every value escaped here, the template is ours
            "\n".join(
                template.format(
                    name,
                    number,
                    escaped_value,
                    " checked" if value in values else "",
                    invalid,
                    lang if chrome else "",
                    escaped_label,
                )
                for number, (value, escaped_value, escaped_label, chrome) in enumerate(options, 1)
            )
        )

    @property
    def grid_points_html(self) -> SafeString:
        """The radio buttons of one scale of a grid row, a label under each."""
        return self._inputs_html(
            '<label class="survey-grid-point" for="{0}-{1}"><input class="form-check-input" '
            'type="radio" name="{0}" id="{0}-{1}" value="{2}"{3}{4}>'
            '<span class="survey-grid-point-label"{5}>{6}</span></label>',
            ((point.value, *point.escaped, not point.number) for point in self.points),
        )

    @property
    def choices_html(self) -> SafeString:
        """The radio buttons or check boxes of a one-value or multiple-choice question."""
        return self._inputs_html(
            '<div class="form-check"><input class="form-check-input" type="'
            + ("checkbox" if self.widget == "checkbox" else "radio")
            + '" name="{0}" id="{0}-{1}" value="{2}"{3}{4}>'
            '<label class="form-check-label" for="{0}-{1}"{5}>{6}</label></div>',
            (
                (
                    str(value),
                    conditional_escape(value),
                    conditional_escape(label),
                    value in (DONT_KNOW, OTHER),
                )
                for value, label in self.choices
            ),
        )

    @property
    def statement_html(self) -> SafeString:
        """One row of a grid: the statement over a fieldset per scale, each with its legend,
        radio buttons and errors. Written here like the inputs (a 40-question page has about
        150 such rows; the template spent more on them than on anything else)."""
        statement = conditional_escape(self.legend)
        parts = [
            '<div class="survey-statement"><p class="survey-grid-statement" '
            f'aria-hidden="true">{statement}</p>'
        ]
        for scale in self.scales:
            errors = scale.errors
            lang = _lang(scale.chrome_lang)
            if self.subgroups:  # a competence pair: the statement, then the dimension
                legend = (
                    '<legend class="survey-grid-legend"><span class="visually-hidden">'
                    f"{statement}: </span><span{lang}>{conditional_escape(scale.legend)}</span>"
                    "</legend>"
                )
            else:
                legend = (
                    '<legend class="survey-grid-legend visually-hidden">'
                    f"{conditional_escape(scale.full_legend)}</legend>"
                )
            name = conditional_escape(scale.name)
            described = f' aria-describedby="{name}-error"' if errors else ""
            parts.append(
                f'<fieldset class="survey-grid-scale"{described}>{legend}'
                f'<div class="survey-grid-points">{scale.grid_points_html}</div>'
                f"{_errors_html(errors, lang, scale.name)}</fieldset>"
            )
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every value escaped above


@dataclass(frozen=True)
class GridHead:
    """A column head of the grid: the dimension (empty for a matrix) over its scale points."""

    label: str
    points: list[Point]


@dataclass
class QuestionBlock:
    question: Question
    text: str
    help_text: str
    groups: list[Group]
    heads: list[GridHead] = field(default_factory=list)
    content_lang: str = ""  # the survey's texts' language where it differs from the page's
    chrome_lang: str = ""  # the page's language where it differs from the survey's texts

    @property
    def is_grouped(self) -> bool:
        return self.question.kind in Question.STATEMENT_KINDS

    @property
    def has_errors(self) -> bool:
        return any(group.has_errors for group in self.groups)

    # The question is written here rather than in an included template, as its inputs and grid
    # rows are: the template engine spent more on the 40 blocks of a page (their tags, lookups
    # and includes) than on anything else. Every value is escaped as the template did; the portal's
    # own words are translated here with the template's message ids.

    @property
    def html(self) -> SafeString:
        """The question with its legend or label, help text, inputs and errors."""
        pk = self.question.pk
        chrome = _lang(self.chrome_lang)
        required = conditional_escape(_("required"))
        legend = conditional_escape(self.text) + (
            f' <span class="text-body-secondary"{chrome}>({required})</span>'
            if self.question.required
            else ""
        )
        help_html = (
            f'<p class="form-text" id="help-{pk}">{conditional_escape(self.help_text)}</p>'
            if self.help_text
            else ""
        )
        if self.is_grouped:
            body = self._grid_html(legend, help_html)
        elif self.groups[0].widget in ("radio", "checkbox"):
            body = self._choices_html(legend, help_html)
        else:
            body = self._input_html(legend, help_html)
        return mark_safe(  # noqa: S308 - every value escaped above and below
            f'<div class="survey-block" id="question-{pk}"{_lang(self.content_lang)}>\n'
            f"{body}\n</div>\n"
        )

    def _grid_html(self, legend: str, help_html: str) -> str:
        """A compact grid (LimeSurvey's dual-scale array): a row per statement, the scales side
        by side under their labels on a wide screen; a card per statement on a phone. Each
        statement and scale is its own radio group, named for both; arrow keys move within it."""
        pk = self.question.pk
        chrome = _lang(self.chrome_lang)
        described = f' aria-describedby="help-{pk}"' if self.help_text else ""
        heads = []
        for head in self.heads:
            label = conditional_escape(head.label)
            dimension = (
                f'<span class="survey-grid-dimension"{chrome}>{label}</span>\n'
                if head.label
                else ""
            )
            points = "".join(
                "<span>"
                + (
                    f'<span class="d-block">{conditional_escape(point.number)}</span>'
                    + (conditional_escape(point.text) if point.text != point.number else "")
                    if point.number
                    else f"<span{chrome}>{conditional_escape(point.text)}</span>"
                )
                + "</span>"
                for point in head.points
            )
            heads.append(
                f'<div>\n{dimension}<span class="survey-grid-points">{points}</span>\n</div>'
            )
        rows = "".join(group.statement_html for group in self.groups)
        return (
            f'<fieldset class="survey-question survey-grid-question"{described}>\n'
            f"<legend>{legend}</legend>\n{help_html}\n"
            f'<div class="survey-grid survey-grid-{len(self.heads)}">\n'
            f'<div class="survey-grid-head" aria-hidden="true">\n<span></span>\n'
            + "\n".join(heads)
            + f"\n</div>\n{rows}\n</div>\n</fieldset>"
        )

    def _choices_html(self, legend: str, help_html: str) -> str:
        pk = self.question.pk
        chrome = _lang(self.chrome_lang)
        group = self.groups[0]
        errors = group.errors
        described = ""
        if self.help_text or errors:
            described = ' aria-describedby="{}{}"'.format(
                f"help-{pk}" if self.help_text else "",
                f" {conditional_escape(group.name)}-error" if errors else "",
            )
        other = ""
        if group.other is not None:
            bound = group.other
            other_id = conditional_escape(bound.id_for_label)
            other_name = conditional_escape(bound.html_name)
            value = conditional_escape(_shown(bound.value()) if bound.value() is not None else "")
            invalid = (
                f' aria-invalid="true" aria-describedby="{other_name}-error"'
                if bound.errors
                else ""
            )
            other = (
                f'\n<div class="mt-2">\n<label class="form-label" for="{other_id}"{chrome}>'
                f"{conditional_escape(bound.label)}</label>\n"
                f'<input class="form-control" type="text" name="{other_name}" id="{other_id}" '
                f'value="{value}"{invalid}>\n'
                + _errors_html(bound.errors, chrome, bound.html_name)
                + "\n</div>"
            )
        return (
            f'<fieldset class="survey-question"{described}>\n<legend>{legend}</legend>\n'
            f'{help_html}\n<div class="survey-choices">{group.choices_html}</div>\n'
            + _errors_html(errors, chrome, group.name)
            + f"{other}\n</fieldset>"
        )

    def _input_html(self, legend: str, help_html: str) -> str:
        question, pk = self.question, self.question.pk
        chrome = _lang(self.chrome_lang)
        group = self.groups[0]
        errors = group.errors
        name = conditional_escape(group.name)
        field_id = conditional_escape(group.bound.id_for_label)
        value = conditional_escape(_shown(group.value))
        invalid = ' aria-invalid="true"' if errors else ""
        help_id = f"help-{pk}" if self.help_text else ""
        error_id = f" {name}-error" if errors else ""
        if group.widget == "textarea":
            limit = _("At most %(limit)s characters.") % {
                "limit": conditional_escape(_shown(group.bound.field.max_length))
            }
            control = (
                f'<textarea class="form-control" rows="3" name="{name}" id="{field_id}"{invalid} '
                f'aria-describedby="{help_id}{" " if help_id else ""}limit-{pk}{error_id}">'
                f"{value}</textarea>\n"
                f'<p class="form-text"{chrome} id="limit-{pk}">{limit}</p>'
            )
        elif group.widget == "number":
            low, high = question.number_min, question.number_max
            bounded = low is not None or high is not None
            described = (
                f' aria-describedby="{help_id} range-{pk}{error_id}"'
                if self.help_text or errors or bounded
                else ""
            )
            control = (
                f'<input class="form-control" type="text" inputmode="decimal" name="{name}" '
                f'id="{field_id}" value="{value}"{invalid}{described}>'
            )
            if bounded:
                control += (
                    f'\n<p class="form-text"{chrome} id="range-{pk}">{_range_text(low, high)}</p>'
                )
        else:
            described = (
                f' aria-describedby="{help_id}{error_id}"' if self.help_text or errors else ""
            )
            control = (
                f'<input class="form-control" type="text" name="{name}" id="{field_id}" '
                f'value="{value}"{invalid}{described}>'
            )
        return (
            '<div class="survey-question mb-4">\n'
            f'<label class="survey-question-title form-label" for="{field_id}">{legend}</label>\n'
            f"{help_html}\n{control}\n" + _errors_html(errors, chrome, group.name) + "\n</div>"
        )


def _lang(code: str) -> str:
    return f' lang="{conditional_escape(code)}"' if code else ""


def _shown(value) -> str:
    """A value as the template engine shows it (numbers in the page's language's format)."""
    return str(formats.localize(value))


def _errors_html(errors, chrome: str, name: str) -> str:
    if not errors:
        return ""
    messages = "".join(f"{conditional_escape(error)} " for error in errors)
    return f'<p class="survey-error"{chrome} id="{conditional_escape(name)}-error">{messages}</p>'


def _range_text(low, high) -> str:
    """The range of a number question, its bounds as the template's `floatformat:"-2"`."""
    if low is not None and high is not None:
        return _("A number from %(min)s to %(max)s.") % {
            "min": floatformat(low, "-2"),
            "max": floatformat(high, "-2"),
        }
    if low is not None:
        return _("A number of at least %(min)s.") % {"min": floatformat(low, "-2")}
    return _("A number of at most %(max)s.") % {"max": floatformat(high, "-2")}


def scale_points(question: Question, language: str) -> list[Point]:
    points = [
        Point(str(point), str(point), question.scale_label(point, language))
        for point in question.scale_points
    ]
    if question.allow_dont_know:
        points.append(Point(DONT_KNOW, "", _("Don't know")))
    return points


def _scale_choices(question: Question, language: str) -> list[tuple[str, str]]:
    return [(point.value, point.label) for point in scale_points(question, language)]


def _text_field(
    *, max_length: int, required: bool, label: str = "", messages: dict | None = None
) -> forms.CharField:
    return forms.CharField(
        max_length=max_length,
        required=required,
        label=label or None,
        error_messages={
            "max_length": _(
                "Your answer has %(show_value)s characters; at most %(limit_value)s fit. "
                "Please shorten it."
            ),
            **(messages or {}),
        },
    )


# A page's fields, built once per state of the survey's structure: a 40-question page has about
# a hundred fields, and building them (choices normalised, labels and messages translated) cost
# more than validating them. Keyed by the structure's token (SurveyStructureVersion, renewed with
# every change of the structure), the questions shown, the survey's language and the page's
# (the portal's own words: "Don't know", the messages). Nothing changes a field after it is
# built, so forms share them.
_fields_memo = ProcessMemo(size=256)


def _required_messages(message: str) -> dict[str, str]:
    return {"required": message}


def _question_fields(question: Question, language: str, required: bool) -> dict[str, forms.Field]:
    name = f"q{question.pk}"
    kind = question.kind
    if kind in Question.STATEMENT_KINDS:
        dimensions = [d for d, _label in DIMENSIONS] if kind == Kind.COMPETENCE_PAIR else [""]
        choices = _scale_choices(question, language)
        messages = _required_messages(_("Please answer this statement."))
        return {
            f"{name}_s{statement.pk}" + (f"_{dimension}" if dimension else ""): forms.ChoiceField(
                choices=choices, required=required, error_messages=messages
            )
            for statement in question.statements.all()
            for dimension in dimensions
        }
    messages = _required_messages(_("Please answer this question."))
    if kind == Kind.LIKERT:
        return {
            name: forms.ChoiceField(
                choices=_scale_choices(question, language),
                required=required,
                error_messages=messages,
            )
        }
    if kind in Question.OPTION_KINDS:
        choices = [(o.value, localized(o.label, language)) for o in question.options.all()]
        if question.allow_other:
            choices.append((OTHER, _("Other")))
        field_class = (
            forms.MultipleChoiceField if kind == Kind.MULTIPLE_CHOICE else forms.ChoiceField
        )
        fields = {name: field_class(choices=choices, required=required, error_messages=messages)}
        if question.allow_other:
            fields[f"{name}_other"] = _text_field(
                max_length=SHORT_TEXT_MAX_LENGTH, required=False, label=_("Other, namely")
            )
        return fields
    if kind == Kind.NUMBER:
        return {
            name: forms.DecimalField(
                required=required,
                max_digits=8,
                decimal_places=2,
                min_value=question.number_min,
                max_value=question.number_max,
                localize=True,
                error_messages=messages,
            )
        }
    return {
        name: _text_field(
            max_length=SHORT_TEXT_MAX_LENGTH if kind == Kind.SHORT_TEXT else LONG_TEXT_MAX_LENGTH,
            required=required,
            messages=messages,
        )
    }


def _page_fields(
    questions: list[Question], language: str, enforce_required: bool, structure_key
) -> dict[str, forms.Field]:
    key = structure_key and (
        structure_key,
        tuple(question.pk for question in questions),
        language,
        translation.get_language(),
        enforce_required,
    )
    fields = _fields_memo.get(key) if key else None
    if fields is None:
        fields = {}
        for question in questions:
            fields.update(
                _question_fields(question, language, question.required and enforce_required)
            )
        if key:
            _fields_memo.keep(key, fields)
    return fields


class AnswerPageForm(forms.Form):
    """The questions of one page; `enforce_required=False` when going back (keep what is valid).

    `structure_key`: the state of the survey's structure the questions are of (the survey and
    its structure token, `AnswerPosition.structure_key`), so the fields are built once per state;
    None (the builder's preview) builds them for this form alone."""

    def __init__(
        self,
        *args,
        questions: list[Question],
        language: str,
        enforce_required=True,
        structure_key=None,
        **kw,
    ):
        super().__init__(*args, **kw)
        self.questions = questions
        self.language = language
        self.fields = dict(_page_fields(questions, language, enforce_required, structure_key))

    def clean(self):
        cleaned = super().clean()
        for question in self.questions:
            if not question.allow_other:
                continue
            name = f"q{question.pk}"
            chosen = cleaned.get(name)
            chosen = chosen if isinstance(chosen, list) else [chosen]
            if OTHER in chosen and not (cleaned.get(f"{name}_other") or "").strip():
                self.add_error(f"{name}_other", _("Write what “other” is."))
        return cleaned

    # --- answers in and out ---

    @staticmethod
    def initial_from(questions: list[Question], answers: dict[int, list[Answer]]) -> dict:
        initial = {}
        for question in questions:
            name = f"q{question.pk}"
            for answer in answers.get(question.pk, []):
                if question.kind in Question.STATEMENT_KINDS:
                    suffix = f"_{answer.dimension}" if answer.dimension else ""
                    key = f"{name}_s{answer.statement_id}{suffix}"
                    initial[key] = DONT_KNOW if answer.dont_know else _number_text(answer.number)
                elif question.kind == Kind.LIKERT:
                    initial[name] = DONT_KNOW if answer.dont_know else _number_text(answer.number)
                elif question.kind == Kind.MULTIPLE_CHOICE:
                    initial.setdefault(name, []).append(answer.choice)
                    if answer.choice == OTHER:
                        initial[f"{name}_other"] = answer.text
                elif question.kind == Kind.SINGLE_CHOICE:
                    initial[name] = answer.choice
                    if answer.choice == OTHER:
                        initial[f"{name}_other"] = answer.text
                elif question.kind == Kind.NUMBER:
                    initial[name] = answer.number
                else:
                    initial[name] = answer.text
        return initial

    def answer_values(self) -> list[dict]:
        """The answers (as Answer field values) of every field that cleaned without error. The
        question and statement by id: an Answer built with the objects has them checked again
        when it is saved (~0.7 ms of CPU for the ~95 answers of a page)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        rows = []

        def scale(question, value, **extra):
            if value in (None, ""):
                return
            if value == DONT_KNOW:
                rows.append({"question_id": question.pk, "dont_know": True, **extra})
            else:
                rows.append({"question_id": question.pk, "number": Decimal(value), **extra})

        for question in self.questions:
            name = f"q{question.pk}"
            if question.kind == Kind.LIKERT:
                scale(question, data.get(name))
            elif question.kind in Question.STATEMENT_KINDS:
                for statement in question.statements.all():
                    if question.kind == Kind.COMPETENCE_PAIR:
                        for dimension, _label in DIMENSIONS:
                            scale(
                                question,
                                data.get(f"{name}_s{statement.pk}_{dimension}"),
                                statement_id=statement.pk,
                                dimension=dimension,
                            )
                    else:
                        scale(
                            question, data.get(f"{name}_s{statement.pk}"), statement_id=statement.pk
                        )
            elif question.kind in Question.OPTION_KINDS:
                chosen = data.get(name) or []
                chosen = chosen if isinstance(chosen, list) else [chosen]
                other = (data.get(f"{name}_other") or "").strip()
                for value in chosen:
                    rows.append(
                        {
                            "question_id": question.pk,
                            "choice": value,
                            "text": other if value == OTHER else "",
                        }
                    )
            elif question.kind == Kind.NUMBER:
                if data.get(name) is not None:
                    rows.append({"question_id": question.pk, "number": data[name]})
            elif (data.get(name) or "").strip():
                rows.append({"question_id": question.pk, "text": data[name].strip()})
        return rows

    def blocks(self, *, chrome_lang: str = "", content_lang: str = "") -> list[QuestionBlock]:
        """What the template renders: each question with its labelled groups. `chrome_lang`:
        the page's language, marked on the inputs' labels that are the portal's words ("Don't
        know", "Other") where the survey's texts are in another; `content_lang`: the survey's
        texts' language, marked on each question where it is not the page's."""
        blocks = []
        language = self.language
        for question in self.questions:
            name = f"q{question.pk}"
            kind = question.kind
            groups = []
            heads = []
            if kind in Question.STATEMENT_KINDS:
                points = scale_points(question, language)
                dimensions = DIMENSIONS if kind == Kind.COMPETENCE_PAIR else (("", ""),)
                heads = [GridHead(label=str(label), points=points) for _d, label in dimensions]
                for statement in question.statements.all():
                    legend = localized(statement.text, language)
                    scales = []
                    for dimension, label in dimensions:
                        field_name = f"{name}_s{statement.pk}" + (
                            f"_{dimension}" if dimension else ""
                        )
                        scales.append(
                            Group(
                                name=field_name,
                                legend=str(label) or legend,
                                full_legend=f"{legend}: {label}" if label else legend,
                                widget="radio",
                                choices=self.fields[field_name].choices,
                                points=points,
                                bound=self[field_name],
                                chrome_lang=chrome_lang,
                            )
                        )
                    if kind == Kind.COMPETENCE_PAIR:
                        groups.append(
                            Group(
                                name=f"{name}_s{statement.pk}",
                                legend=legend,
                                widget="pair",
                                subgroups=scales,
                            )
                        )
                    else:
                        groups.extend(scales)
            else:
                widget = {
                    Kind.LIKERT: "radio",
                    Kind.SINGLE_CHOICE: "radio",
                    Kind.MULTIPLE_CHOICE: "checkbox",
                    Kind.NUMBER: "number",
                    Kind.SHORT_TEXT: "text",
                    Kind.LONG_TEXT: "textarea",
                }[kind]
                groups.append(
                    Group(
                        name=name,
                        legend=localized(question.text, language),
                        widget=widget,
                        choices=getattr(self.fields[name], "choices", []),
                        bound=self[name],
                        other=self[f"{name}_other"]
                        if question.allow_other and kind in Question.OPTION_KINDS
                        else None,
                        chrome_lang=chrome_lang,
                    )
                )
            blocks.append(
                QuestionBlock(
                    question=question,
                    text=localized(question.text, language),
                    help_text=localized(question.help_text, language),
                    groups=groups,
                    heads=heads,
                    content_lang=content_lang,
                    chrome_lang=chrome_lang,
                )
            )
        return blocks


def _number_text(number) -> str:
    if number is None:
        return ""
    return str(int(number)) if number == int(number) else str(number)
