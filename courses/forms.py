from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.forms import add_service_errors
from portal.models import CompetenceArea, County, Programme

from . import services
from .models import Course, Gathering, GatheringCost, Registration, RegistrationQuestion


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CourseForm(forms.Form):
    county = forms.ModelChoiceField(
        label=_("Run by"),
        queryset=County.objects.none(),
        required=False,
        empty_label=_("The whole programme (project leader)"),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    competence_areas = forms.ModelMultipleChoiceField(
        label=_("Competence areas"),
        queryset=CompetenceArea.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    audience = forms.ChoiceField(
        label=_("Who may register"),
        choices=Course.Audience.choices,
        widget=forms.RadioSelect,
        initial=Course.Audience.PROGRAMME,
    )
    audience_counties = forms.ModelMultipleChoiceField(
        label=_("Counties"),
        queryset=County.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Only when “Chosen counties” is selected."),
    )

    def __init__(
        self, *args, programme: Programme, county_choices=None, may_be_programme_wide=False, **kw
    ):
        super().__init__(*args, **kw)
        self.fields["competence_areas"].queryset = programme.competence_areas.all()
        self.fields["audience_counties"].queryset = programme.counties.order_by("number")
        if county_choices is None:
            # Editing: the county of a course does not change.
            del self.fields["county"]
        else:
            self.fields["county"].queryset = county_choices
            self.fields["county"].required = not may_be_programme_wide
            if not may_be_programme_wide:
                self.fields["county"].empty_label = None

    @classmethod
    def initial_for(cls, course: Course) -> dict:
        return {
            "title": course.title,
            "description": course.description,
            "competence_areas": list(course.competence_areas.all()),
            "audience": course.audience,
            "audience_counties": list(course.audience_counties.all()),
        }


class GatheringForm(forms.ModelForm):
    class Meta:
        model = Gathering
        fields = [
            "title",
            "starts_at",
            "ends_at",
            "venue_name",
            "venue_address",
            "municipality",
            "county",
            "capacity",
            "registration_opens_at",
            "registration_deadline",
            "requires_leader_approval",
            "hours",
            "fee_note",
            "travel_note",
        ]
        widgets = {
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "registration_opens_at": DateTimeInput(),
            "registration_deadline": DateTimeInput(),
        }

    def __init__(self, *args, course: Course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = course.programme.counties.order_by("number")
        self.course = course
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if not self.instance.pk and course.county_id:
            self.initial.setdefault("county", course.county_id)

    def clean(self):
        """The service's rules, on the fields they concern and in the person's language, before
        the model's constraints are asked (they stay as the last guard)."""
        cleaned = super().clean()
        try:
            services.gathering_check(
                course=self.course,
                values=cleaned,
                previous=self.instance if self.instance.pk else None,
            )
        except ValidationError as error:
            add_service_errors(self, error)
        return cleaned


class QuestionForm(forms.ModelForm):
    class Meta:
        model = RegistrationQuestion
        fields = ["text", "help_text", "kind", "choices", "required", "personal"]
        widgets = {"kind": forms.RadioSelect, "choices": forms.Textarea(attrs={"rows": 4})}


class AnswersForm(forms.Form):
    """One field per registration question of the course; `answers()` gives them by question."""

    def __init__(self, *args, questions, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        answers = answers or {}
        for question in self.questions:
            label = question.text
            if question.personal:
                label = _("%(question)s (seen only by the organisers)") % {"question": label}
            if question.kind == RegistrationQuestion.Kind.CHOICE:
                field = forms.ChoiceField(
                    choices=[(c, c) for c in question.choice_list], widget=forms.RadioSelect
                )
            else:
                field = forms.CharField(max_length=2000)
            field.label, field.help_text = label, question.help_text
            field.required = question.required
            field.initial = answers.get(question.pk)
            self.fields[f"q{question.pk}"] = field

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}


class LibraryChoiceField(forms.ModelChoiceField):
    """A library chosen among those the view has read (`libraries`, a list or a queryset it
    has evaluated): found in them, not asked of the database again."""

    libraries: Sequence = ()

    def to_python(self, value):
        if value in self.empty_values:
            return None
        invalid = ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )
        try:  # the key as the database lookup would read it (" 12 " is 12, "x" no library)
            key = self.queryset.model._meta.pk.to_python(getattr(value, "pk", value))
        except ValidationError:
            raise invalid from None
        for library in self.libraries:
            if library.pk == key:
                return library
        raise invalid


class RegistrationForm(AnswersForm):
    library = LibraryChoiceField(
        label=_("I register from"), queryset=None, empty_label=None, required=True
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        self.fields["library"].libraries = libraries
        self.order_fields(["library"])
        if len(libraries) <= 1:
            self.fields["library"].widget = forms.HiddenInput()
            self.fields["library"].required = False


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The applicant sees this in the e-mail and under My registrations."),
    )


class StaffRegistrationForm(forms.Form):
    """A leader ticks the staff to register; each choice is "person id:library id"."""

    people = forms.MultipleChoiceField(
        label=_("Register"), widget=forms.CheckboxSelectMultiple, required=True
    )

    def __init__(self, *args, candidates: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {row["key"]: row for row in candidates if row["registration"] is None}
        self.fields["people"].choices = [
            (key, f"{row['user'].get_full_name()} ({row['library'].name})")
            for key, row in self.candidates.items()
        ]

    def chosen(self) -> list[tuple]:
        rows = [self.candidates[key] for key in self.cleaned_data["people"]]
        return [(row["user"], row["library"]) for row in rows]


class AttendanceForm(forms.Form):
    """One radio group per confirmed registration: attended or absent."""

    CHOICES = [("attended", _("Attended")), ("absent", _("Absent"))]

    def __init__(self, *args, registrations: list[Registration], **kwargs):
        super().__init__(*args, **kwargs)
        self.registrations = registrations
        for registration in registrations:
            initial = None
            if registration.status == Registration.Status.ATTENDED:
                initial = "attended"
            elif registration.status == Registration.Status.ABSENT:
                initial = "absent"
            self.fields[f"r{registration.pk}"] = forms.ChoiceField(
                label=registration.user.get_full_name(),
                choices=self.CHOICES,
                widget=forms.RadioSelect,
                required=False,
                initial=initial,
            )

    def rows(self):
        for registration in self.registrations:
            yield registration, self[f"r{registration.pk}"]

    def attended(self) -> dict[int, bool]:
        marks = {}
        for registration in self.registrations:
            value = self.cleaned_data.get(f"r{registration.pk}")
            if value:
                marks[registration.pk] = value == "attended"
        return marks


class EvaluationSurveyForm(forms.Form):
    survey = forms.ModelChoiceField(
        label=_("Evaluation survey"),
        queryset=None,
        required=False,
        empty_label=_("No evaluation survey"),
    )

    def __init__(self, *args, surveys, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survey"].queryset = surveys


class GatheringCostForm(forms.ModelForm):
    class Meta:
        model = GatheringCost
        fields = ["kind", "amount", "note", "funding_source"]

    def __init__(self, *args, programme: Programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funding_source"].queryset = programme.funding.order_by("-amount", "name")
        self.fields["funding_source"].empty_label = None
        self.fields["amount"].widget.attrs["min"] = "0"

    def _post_clean(self):
        pass  # the service asks the rules (the constraint stays as the last guard)
