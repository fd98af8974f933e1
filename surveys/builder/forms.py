"""Forms of the survey builder. Texts written in several languages get one field per language."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal import permissions
from portal.models import County, Library, Programme

from ..models import Question, Survey
from ..texts import LANGUAGE_NAMES, default_scale_labels
from .services import SURVEY_FIELDS


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            from django.utils import timezone

            if timezone.is_aware(value):
                value = timezone.localtime(value)
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


def _datetime_field(label, required=False, help_text=""):
    return forms.DateTimeField(
        label=label,
        required=required,
        help_text=help_text,
        widget=DateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H:%M"],
    )


class TextsMixin:
    """Adds `<name>_nb`, `<name>_nn`, `<name>_en` fields for each name in `text_fields`."""

    text_fields: tuple[tuple[str, str, bool, bool], ...] = ()  # name, label, required, long

    def add_text_fields(self, initial_texts: dict[str, dict]):
        for name, label, required, long in self.text_fields:
            for code, language in LANGUAGE_NAMES:
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=f"{label} ({language})",
                    required=required and code == "nb",
                    max_length=5000 if long else 500,
                    widget=forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput(),
                    initial=(initial_texts.get(name) or {}).get(code, ""),
                )

    def texts(self, name: str) -> dict:
        return {
            code: self.cleaned_data.get(f"{name}_{code}", "")
            for code, _language in LANGUAGE_NAMES
            if self.cleaned_data.get(f"{name}_{code}")
        }


class SurveyForm(TextsMixin, forms.Form):
    text_fields = (
        ("title", _("Title"), True, False),
        ("intro", _("Introduction"), False, True),
    )

    programme = forms.ModelChoiceField(queryset=None, label=_("Programme"))
    county = forms.ModelChoiceField(
        queryset=None,
        label=_("County"),
        required=False,
        empty_label=_("– the whole programme –"),
        help_text=_("A county coordinator's survey belongs to their county."),
    )
    anonymity = forms.ChoiceField(
        label=_("Anonymity"),
        choices=Survey.Anonymity.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Anonymous: only county, library and role are kept with the answers. "
            "Confidential: the system knows who answered, but results never show it."
        ),
    )
    min_group_size = forms.IntegerField(
        label=_("Minimum group size"),
        # The floor (SURVEYS_MIN_GROUP_SIZE_FLOOR) is the service's rule; its message names it.
        min_value=1,
        max_value=100,
        initial=5,
        help_text=_("No figure about fewer respondents than this is shown or exported."),
    )
    retention_days = forms.IntegerField(
        label=_("Retention period (days)"),
        min_value=1,
        max_value=3650,
        initial=730,
        help_text=_("Raw answers are deleted this many days after closing; totals are kept."),
    )
    audience = forms.ChoiceField(
        label=_("Audience"), choices=Survey.Audience.choices, widget=forms.RadioSelect
    )
    audience_counties = forms.ModelMultipleChoiceField(
        queryset=County.objects.none(),
        label=_("Counties"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    audience_libraries = forms.ModelMultipleChoiceField(
        queryset=Library.objects.none(),
        label=_("Libraries"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    opens_at = _datetime_field(_("Opens"), help_text=_("Empty: when you open it."))
    closes_at = _datetime_field(_("Closes"))
    reminder_interval_days = forms.IntegerField(
        label=_("Days between reminders"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("Empty: no reminders."),
    )
    max_reminders = forms.IntegerField(
        label=_("Maximum number of reminders"), min_value=0, max_value=10, initial=2
    )
    open_link_enabled = forms.BooleanField(
        label=_("Also allow answers through an open, anonymous link"), required=False
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        choices=LANGUAGE_NAMES,
        widget=forms.CheckboxSelectMultiple,
        initial=["nb", "nn", "en"],
    )

    def __init__(self, *args, user, survey: Survey | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.survey = user, survey
        programmes = permissions.for_action(user, Programme, "manage_content")
        self.fields["programme"].queryset = programmes
        counties = permissions.county_choices(user)
        if not permissions.may_own_whole_programme(user):
            self.fields["county"].required = True
            self.fields["county"].empty_label = None
        self.fields["county"].queryset = counties
        self.fields["audience_counties"].queryset = counties
        self.fields["audience_libraries"].queryset = Library.objects.filter(
            county__in=counties
        ).select_related("county")
        texts = {}
        if survey is not None:
            texts = {"title": survey.title, "intro": survey.intro}
            for name in SURVEY_FIELDS:
                if name not in texts:
                    self.initial[name] = getattr(survey, name)
            self.initial["audience_counties"] = list(survey.audience_counties.all())
            self.initial["audience_libraries"] = list(survey.audience_libraries.all())
            # Where a survey belongs is fixed once it exists.
            del self.fields["programme"]
            del self.fields["county"]
        else:
            self.initial.setdefault("anonymity", Survey.Anonymity.ANONYMOUS)
            self.initial.setdefault("audience", Survey.Audience.PROGRAMME)
            if programmes.count() == 1:
                self.initial.setdefault("programme", programmes.first())
        self.add_text_fields(texts)
        order = [f"title_{c}" for c, _l in LANGUAGE_NAMES] + [
            f"intro_{c}" for c, _l in LANGUAGE_NAMES
        ]
        self.order_fields(order)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            "title": self.texts("title"),
            "intro": self.texts("intro"),
            **{
                name: data[name]
                for name in (
                    "anonymity",
                    "min_group_size",
                    "retention_days",
                    "audience",
                    "opens_at",
                    "closes_at",
                    "reminder_interval_days",
                    "open_link_enabled",
                    "languages",
                )
            },
            "max_reminders": data.get("max_reminders") or 0,
            "audience_counties": list(data["audience_counties"]),
            "audience_libraries": list(data["audience_libraries"]),
        }
        return kwargs


class SurveyTextsForm(TextsMixin, forms.Form):
    """The title and introduction of a survey that is no longer a draft (corrections only)."""

    text_fields = (
        ("title", _("Title"), True, False),
        ("intro", _("Introduction"), False, True),
    )

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_text_fields({"title": survey.title, "intro": survey.intro})


class PageForm(TextsMixin, forms.Form):
    text_fields = (
        ("title", _("Page title"), True, False),
        ("intro", _("Introduction"), False, True),
    )
    condition_question = forms.ModelChoiceField(
        queryset=Question.objects.none(),
        required=False,
        label=_("Show this page only when question"),
        empty_label=_("– always show –"),
    )
    condition_value = forms.CharField(
        label=_("has the answer (stored value)"),
        required=False,
        max_length=100,
        help_text=_("For a choice question: the option's stored value, e.g. 1."),
    )

    def __init__(self, *args, survey: Survey, page=None, texts_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        earlier = survey.questions.exclude(kind__in=Question.STATEMENT_KINDS)
        if page is not None:
            earlier = earlier.filter(page__position__lt=page.position)
            self.initial.update(
                condition_question=page.condition_question,
                condition_value=page.condition_value,
            )
        self.fields["condition_question"].queryset = earlier.select_related("page")
        if texts_only:  # the structure is locked: a page's condition with it
            del self.fields["condition_question"], self.fields["condition_value"]
        self.add_text_fields({"title": page.title, "intro": page.intro} if page else {})
        self.order_fields(
            [f"title_{c}" for c, _l in LANGUAGE_NAMES] + [f"intro_{c}" for c, _l in LANGUAGE_NAMES]
        )

    def condition(self) -> dict:
        return {
            "condition_question": self.cleaned_data["condition_question"],
            "condition_value": self.cleaned_data["condition_value"],
        }


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").splitlines() if line.strip()]


def _scale_lines(value: str) -> list[str]:
    """Scale labels, one per point: an empty line is a point shown by its number."""
    lines = [line.strip() for line in (value or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines if any(lines) else []


class QuestionForm(TextsMixin, forms.Form):
    text_fields = (
        ("text", _("Question"), True, True),
        ("help_text", _("Help text"), False, False),
    )
    kind = forms.ChoiceField(label=_("Type"), choices=Question.Kind.choices)
    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("A short name used in exports, e.g. q1. Empty: made for you."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    competence_area = forms.ModelChoiceField(
        queryset=None, label=_("Competence area"), required=False
    )
    scale_min = forms.IntegerField(label=_("Scale from"), initial=1, min_value=-10, max_value=10)
    scale_max = forms.IntegerField(label=_("Scale to"), initial=5, min_value=-9, max_value=11)
    allow_dont_know = forms.BooleanField(label=_("Offer “don't know”"), required=False)
    allow_other = forms.BooleanField(label=_("Offer “other” with a text"), required=False)
    number_min = forms.DecimalField(
        label=_("Smallest number"), required=False, max_digits=8, decimal_places=2
    )
    number_max = forms.DecimalField(
        label=_("Largest number"), required=False, max_digits=8, decimal_places=2
    )
    condition_question = forms.ModelChoiceField(
        queryset=Question.objects.none(),
        required=False,
        label=_("Show this question only when question"),
        empty_label=_("– always show –"),
    )
    condition_value = forms.CharField(
        label=_("has the answer (stored value)"), required=False, max_length=100
    )

    LIST_FIELDS = (
        ("options", _("Options, one per line"), Question.OPTION_KINDS),
        ("statements", _("Statements, one per line"), Question.STATEMENT_KINDS),
        ("scale_labels", _("Scale labels, one per point, one per line"), Question.SCALE_KINDS),
    )
    # Which kinds each part of the form is for: the page shows only the parts of the chosen kind
    # (static/surveys/question_form.js); without JavaScript all are shown and the others ignored.
    PARTS = {
        "options": Question.OPTION_KINDS,
        "statements": Question.STATEMENT_KINDS,
        "scale": Question.SCALE_KINDS,
        "number": frozenset({Question.Kind.NUMBER}),
    }
    STRUCTURE_FIELDS = (
        "kind",
        "code",
        "required",
        "competence_area",
        "scale_min",
        "scale_max",
        "allow_dont_know",
        "allow_other",
        "number_min",
        "number_max",
        "condition_question",
        "condition_value",
    )

    def __init__(
        self,
        *args,
        survey: Survey,
        page,
        question: Question | None = None,
        texts_only: bool = False,
        **kw,
    ):
        """`texts_only`: the structure is locked (people have answered); only texts can be
        corrected, line for line."""
        super().__init__(*args, **kw)
        self.survey, self.page, self.question = survey, page, question
        self.texts_only = texts_only
        self.parts = {name: " ".join(sorted(kinds)) for name, kinds in self.PARTS.items()}
        self.fields["competence_area"].queryset = survey.programme.competence_areas.all()
        # An earlier question: on an earlier page, or before this one on its page.
        earlier = Q(page__position__lt=page.position) | Q(page=page)
        if question is not None:
            earlier = Q(page__position__lt=page.position) | Q(
                page=page, position__lt=question.position
            )
        self.fields["condition_question"].queryset = (
            survey.questions.filter(earlier)
            .exclude(kind__in=Question.STATEMENT_KINDS)
            .exclude(pk=question.pk if question else None)
        )
        lists: dict[str, dict[str, str]] = {}
        if question is not None:
            for name in self.base_fields:
                if name in ("kind",) or hasattr(question, name):
                    self.initial[name] = getattr(question, name)
            options = list(question.options.all())
            statements = list(question.statements.all())
            for code, _language in LANGUAGE_NAMES:
                lists.setdefault("options", {})[code] = "\n".join(
                    (o.label.get(code) or "") for o in options
                ).strip()
                lists.setdefault("statements", {})[code] = "\n".join(
                    (s.text.get(code) or "") for s in statements
                ).strip()
                lists.setdefault("scale_labels", {})[code] = "\n".join(
                    (question.scale_labels or {}).get(code) or []
                )
        else:
            lists["scale_labels"] = {
                code: "\n".join(labels) for code, labels in default_scale_labels(5).items()
            }
        for name, label, _kinds in self.LIST_FIELDS:
            for code, language in LANGUAGE_NAMES:
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=f"{label} ({language})",
                    required=False,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    initial=lists.get(name, {}).get(code, ""),
                )
        self.add_text_fields(
            {"text": question.text, "help_text": question.help_text} if question else {}
        )
        # Each statement of a matrix or competence pair may count for its own area.
        self.statement_area_fields = []
        if question is not None and question.kind in Question.STATEMENT_KINDS:
            areas = survey.programme.competence_areas.all()
            for index, statement in enumerate(question.statements.all(), start=1):
                name = f"statement_area_{statement.pk}"
                self.fields[name] = forms.ModelChoiceField(
                    queryset=areas,
                    required=False,
                    label=_("Competence area of statement %(n)s (“%(text)s”)")
                    % {"n": index, "text": statement.localized_text},
                    empty_label=_("– the question's area –"),
                    initial=statement.competence_area_id,
                )
                self.statement_area_fields.append(name)
        if texts_only:
            for name in [*self.STRUCTURE_FIELDS, *self.statement_area_fields]:
                del self.fields[name]
            self.statement_area_fields = []
            for name, _label, kinds in self.LIST_FIELDS:
                if question.kind not in kinds:
                    for code, _language in LANGUAGE_NAMES:
                        del self.fields[f"{name}_{code}"]

    def clean(self):
        data = super().clean()
        kind = self.question.kind if self.texts_only else data.get("kind")
        if kind in Question.OPTION_KINDS and not _lines(data.get("options_nb")):
            self.add_error("options_nb", _("Write at least one option (in Bokmål)."))
        if kind in Question.STATEMENT_KINDS and not _lines(data.get("statements_nb")):
            self.add_error("statements_nb", _("Write at least one statement (in Bokmål)."))
        pair = kind == Question.Kind.COMPETENCE_PAIR and not self.texts_only
        if pair and not data.get("competence_area"):
            self.add_error(
                "competence_area",
                _(
                    "Choose the competence area the pair measures: without one its answers "
                    "never reach the gap analysis."
                ),
            )
        for name, _label, kinds in self.LIST_FIELDS:
            if kind not in kinds or f"{name}_nb" not in self.fields:
                continue
            split = _scale_lines if name == "scale_labels" else _lines
            base = len(split(data.get(f"{name}_nb")))
            for code in ("nn", "en"):
                count = len(split(data.get(f"{name}_{code}")))
                if count and count != base:
                    self.add_error(
                        f"{name}_{code}",
                        _("Write as many lines as in Bokmål (%(n)s), or none.") % {"n": base},
                    )
        return data

    def _per_line(self, name: str) -> list[dict]:
        columns = {
            code: _lines(self.cleaned_data.get(f"{name}_{code}")) for code, _l in LANGUAGE_NAMES
        }
        return [
            {code: columns[code][i] for code in columns if i < len(columns[code])}
            for i in range(len(columns["nb"]))
        ]

    def question_kwargs(self) -> dict:
        """The fields of the chosen kind; those of other kinds (hidden on the page) get their
        defaults, so nothing left in a hidden field is stored."""
        data = self.cleaned_data
        kind = data["kind"]
        kwargs = {
            name: data.get(name)
            for name in ("required", "competence_area", "condition_question", "condition_value")
        }
        if kind in Question.SCALE_KINDS:
            kwargs.update(
                scale_min=data.get("scale_min"),
                scale_max=data.get("scale_max"),
                allow_dont_know=data.get("allow_dont_know"),
                scale_labels=self.scale_labels(),
            )
        if kind in Question.OPTION_KINDS:
            kwargs["allow_other"] = data.get("allow_other")
        if kind == Question.Kind.NUMBER:
            kwargs.update(number_min=data.get("number_min"), number_max=data.get("number_max"))
        kwargs["text"] = self.texts("text")
        kwargs["help_text"] = self.texts("help_text")
        if data.get("code"):
            kwargs["code"] = data["code"]
        kwargs["condition_value"] = kwargs["condition_value"] or ""
        return kwargs

    def scale_labels(self) -> dict[str, list[str]]:
        return {
            code: _scale_lines(self.cleaned_data.get(f"scale_labels_{code}"))
            for code, _l in LANGUAGE_NAMES
            if _scale_lines(self.cleaned_data.get(f"scale_labels_{code}"))
        }

    def option_labels(self) -> list[dict]:
        return self._per_line("options")

    def statement_texts(self) -> list[dict]:
        return self._per_line("statements")

    def texts_kwargs(self) -> dict:
        """For `question_texts_correct`: the texts of a question whose structure is locked."""
        kind = self.question.kind
        return {
            "text": self.texts("text"),
            "help_text": self.texts("help_text"),
            "scale_labels": self.scale_labels() if kind in Question.SCALE_KINDS else None,
            "option_labels": self.option_labels() if kind in Question.OPTION_KINDS else None,
            "statement_texts": self.statement_texts() if kind in Question.STATEMENT_KINDS else None,
        }

    def statement_areas(self) -> dict[int, object]:
        """{statement id: chosen area or None} for the statements the form showed."""
        return {
            int(name.rsplit("_", 1)[1]): self.cleaned_data.get(name)
            for name in self.statement_area_fields
        }


class OpenForm(forms.Form):
    opens_at = _datetime_field(_("Opens"), help_text=_("Empty: now."))
    closes_at = _datetime_field(_("Closes"), required=True)


class ExtendForm(forms.Form):
    closes_at = _datetime_field(_("New closing time"), required=True)


class RemindersForm(forms.Form):
    reminder_interval_days = forms.IntegerField(
        label=_("Days between reminders"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=_("Empty: no reminders."),
    )
    max_reminders = forms.IntegerField(
        label=_("Maximum number of reminders"), min_value=0, max_value=10
    )
