from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.models import CompetenceArea, County, Programme

from .models import Course, Gathering, Registration


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
        for name in ("starts_at", "ends_at", "registration_opens_at", "registration_deadline"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if not self.instance.pk and course.county_id:
            self.initial.setdefault("county", course.county_id)


class RegistrationForm(forms.Form):
    library = forms.ModelChoiceField(
        label=_("I register from"), queryset=None, empty_label=None, required=True
    )

    def __init__(self, *args, libraries, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["library"].queryset = libraries
        if len(libraries) <= 1:
            self.fields["library"].widget = forms.HiddenInput()
            self.fields["library"].required = False


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
