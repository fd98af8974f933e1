"""One page of a survey as a form: fields per question, and answers in and out.

Field names: `q<id>` for one-value questions, `q<id>_s<statement id>` for matrix rows,
`q<id>_s<statement id>_importance` / `_competence` for competence pairs, `q<id>_other` for the
"other" text. Each statement of a matrix or competence pair is its own group (a fieldset with a
legend in the template), so it reads well with a screen reader and on a phone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django import forms
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    # them. Same markup; `format_html` escapes every value.

    def _inputs_html(self, template: str, options) -> SafeString:
        """`options`: (value, label, in the page's language) per input. Each value is escaped
        once (the name once for all inputs): `format_html` would escape every argument of every
        input, the page's largest cost after the template."""
        values = set(self.values)
        name = conditional_escape(self.name)
        invalid = ' aria-invalid="true"' if self.errors else ""
        lang = format_html(' lang="{}"', self.chrome_lang) if self.chrome_lang else ""
        return mark_safe(  # noqa: S308 - every value escaped here, the template is ours
            "\n".join(
                template.format(
                    name,
                    number,
                    conditional_escape(value),
                    " checked" if value in values else "",
                    invalid,
                    lang if chrome else "",
                    conditional_escape(label),
                )
                for number, (value, label, chrome) in enumerate(options, 1)
            )
        )

    @property
    def grid_points_html(self) -> SafeString:
        """The radio buttons of one scale of a grid row, a label under each."""
        return self._inputs_html(
            '<label class="survey-grid-point" for="{0}-{1}"><input class="form-check-input" '
            'type="radio" name="{0}" id="{0}-{1}" value="{2}"{3}{4}>'
            '<span class="survey-grid-point-label"{5}>{6}</span></label>',
            ((point.value, point.label, not point.number) for point in self.points),
        )

    @property
    def choices_html(self) -> SafeString:
        """The radio buttons or check boxes of a one-value or multiple-choice question."""
        return self._inputs_html(
            '<div class="form-check"><input class="form-check-input" type="'
            + ("checkbox" if self.widget == "checkbox" else "radio")
            + '" name="{0}" id="{0}-{1}" value="{2}"{3}{4}>'
            '<label class="form-check-label" for="{0}-{1}"{5}>{6}</label></div>',
            ((str(value), label, value in (DONT_KNOW, OTHER)) for value, label in self.choices),
        )

    @property
    def statement_html(self) -> SafeString:
        """One row of a grid: the statement over a fieldset per scale, each with its legend,
        radio buttons and errors. Written here like the inputs (a 40-question page has about
        150 such rows; the template spent more on them than on anything else)."""
        parts = [
            format_html(
                '<div class="survey-statement"><p class="survey-grid-statement" '
                'aria-hidden="true">{}</p>',
                self.legend,
            )
        ]
        for scale in self.scales:
            errors = scale.errors
            lang = format_html(' lang="{}"', scale.chrome_lang) if scale.chrome_lang else ""
            if self.subgroups:  # a competence pair: the statement, then the dimension
                legend = format_html(
                    '<legend class="survey-grid-legend"><span class="visually-hidden">{}: '
                    "</span><span{}>{}</span></legend>",
                    self.legend,
                    lang,
                    scale.legend,
                )
            else:
                legend = format_html(
                    '<legend class="survey-grid-legend visually-hidden">{}</legend>',
                    scale.full_legend,
                )
            parts.append(
                format_html(
                    '<fieldset class="survey-grid-scale"{}>{}'
                    '<div class="survey-grid-points">{}</div>{}</fieldset>',
                    format_html(' aria-describedby="{}-error"', scale.name) if errors else "",
                    legend,
                    scale.grid_points_html,
                    format_html(
                        '<p class="survey-error"{} id="{}-error">{}</p>',
                        lang,
                        scale.name,
                        format_html_join("", "{} ", ((error,) for error in errors)),
                    )
                    if errors
                    else "",
                )
            )
        parts.append("</div>")
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped by format_html


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

    @property
    def is_grouped(self) -> bool:
        return self.question.kind in Question.STATEMENT_KINDS

    @property
    def has_errors(self) -> bool:
        return any(group.has_errors for group in self.groups)


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


def _text_field(*, max_length: int, required: bool, label: str = "") -> forms.CharField:
    return forms.CharField(
        max_length=max_length,
        required=required,
        label=label or None,
        error_messages={
            "max_length": _(
                "Your answer has %(show_value)s characters; at most %(limit_value)s fit. "
                "Please shorten it."
            )
        },
    )


class AnswerPageForm(forms.Form):
    """The questions of one page; `enforce_required=False` when going back (keep what is valid)."""

    def __init__(
        self, *args, questions: list[Question], language: str, enforce_required=True, **kw
    ):
        super().__init__(*args, **kw)
        self.questions = questions
        self.language = language
        for question in questions:
            required = question.required and enforce_required
            name = f"q{question.pk}"
            kind = question.kind
            if kind == Kind.LIKERT:
                self.fields[name] = forms.ChoiceField(
                    choices=_scale_choices(question, language), required=required
                )
            elif kind in Question.STATEMENT_KINDS:
                dimensions = (
                    [d for d, _label in DIMENSIONS] if kind == Kind.COMPETENCE_PAIR else [""]
                )
                for statement in question.statements.all():
                    for dimension in dimensions:
                        suffix = f"_{dimension}" if dimension else ""
                        self.fields[f"{name}_s{statement.pk}{suffix}"] = forms.ChoiceField(
                            choices=_scale_choices(question, language), required=required
                        )
            elif kind in Question.OPTION_KINDS:
                choices = [(o.value, localized(o.label, language)) for o in question.options.all()]
                if question.allow_other:
                    choices.append((OTHER, _("Other")))
                field_class = (
                    forms.MultipleChoiceField if kind == Kind.MULTIPLE_CHOICE else forms.ChoiceField
                )
                self.fields[name] = field_class(choices=choices, required=required)
                if question.allow_other:
                    self.fields[f"{name}_other"] = _text_field(
                        max_length=SHORT_TEXT_MAX_LENGTH, required=False, label=_("Other, namely")
                    )
            elif kind == Kind.NUMBER:
                self.fields[name] = forms.DecimalField(
                    required=required,
                    max_digits=8,
                    decimal_places=2,
                    min_value=question.number_min,
                    max_value=question.number_max,
                    localize=True,
                )
            elif kind == Kind.SHORT_TEXT:
                self.fields[name] = _text_field(max_length=SHORT_TEXT_MAX_LENGTH, required=required)
            else:
                self.fields[name] = _text_field(max_length=LONG_TEXT_MAX_LENGTH, required=required)
            if kind not in Question.STATEMENT_KINDS:
                self.fields[name].error_messages["required"] = _("Please answer this question.")
            else:
                for field_name, form_field in self.fields.items():
                    if field_name.startswith(f"{name}_s"):
                        form_field.error_messages["required"] = _("Please answer this statement.")

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
        """The answers (as Answer field values) of every field that cleaned without error."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        rows = []

        def scale(question, value, **extra):
            if value in (None, ""):
                return
            if value == DONT_KNOW:
                rows.append({"question": question, "dont_know": True, **extra})
            else:
                rows.append({"question": question, "number": Decimal(value), **extra})

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
                                statement=statement,
                                dimension=dimension,
                            )
                    else:
                        scale(question, data.get(f"{name}_s{statement.pk}"), statement=statement)
            elif question.kind in Question.OPTION_KINDS:
                chosen = data.get(name) or []
                chosen = chosen if isinstance(chosen, list) else [chosen]
                other = (data.get(f"{name}_other") or "").strip()
                for value in chosen:
                    rows.append(
                        {
                            "question": question,
                            "choice": value,
                            "text": other if value == OTHER else "",
                        }
                    )
            elif question.kind == Kind.NUMBER:
                if data.get(name) is not None:
                    rows.append({"question": question, "number": data[name]})
            elif (data.get(name) or "").strip():
                rows.append({"question": question, "text": data[name].strip()})
        return rows

    def blocks(self, *, chrome_lang: str = "") -> list[QuestionBlock]:
        """What the template renders: each question with its labelled groups. `chrome_lang`:
        the page's language, marked on the inputs' labels that are the portal's words ("Don't
        know", "Other") where the survey's texts are in another."""
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
                )
            )
        return blocks


def _number_text(number) -> str:
    if number is None:
        return ""
    return str(int(number)) if number == int(number) else str(number)
