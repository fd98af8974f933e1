"""Forms of the model libraries. They read and show; the rules are the services' (a form passes
what it was given, and a service's ValidationError lands on the field it names)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hospitering.forms import DateInput
from portal.models import CompetenceArea, Library, User

from .models import (
    NO,
    YES,
    Goal,
    Indicator,
    Milestone,
    ModelLibrary,
    PlanAnchoring,
    ProgressReport,
    ReportPeriod,
    Unit,
    value_raw,
)

DATE_FORMATS = ["%Y-%m-%d", "%d.%m.%Y"]


def _date(label, *, required=True, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(),
        input_formats=DATE_FORMATS,
        help_text=help_text,
    )


class ReportPeriodForm(forms.ModelForm):
    starts_on = _date(_("From"))
    ends_on = _date(_("To"))
    due_on = _date(_("Report due"))

    class Meta:
        model = ReportPeriod
        fields = ["title", "starts_on", "ends_on", "due_on"]


class ModelLibraryForm(forms.ModelForm):
    library = forms.ModelChoiceField(label=_("Library"), queryset=Library.objects.none())
    starts_on = _date(_("From"))
    ends_on = _date(_("To"))
    competence_areas = forms.ModelMultipleChoiceField(
        label=_("Competence areas it builds"),
        queryset=CompetenceArea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contact_people = forms.ModelMultipleChoiceField(
        label=_("Contact people"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("They are told when a report is returned or approved, and before one is due."),
    )

    class Meta:
        model = ModelLibrary
        fields = ["library", "title", "description", "starts_on", "ends_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, programme, libraries=None, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence_areas"].queryset = CompetenceArea.objects.filter(
            programme=programme
        )
        if self.instance.pk:
            del self.fields["library"]
            self.fields["competence_areas"].initial = list(self.instance.competence_areas.all())
            self.fields["contact_people"].initial = list(self.instance.contact_people.all())
        else:
            self.fields["library"].queryset = libraries
        if people is None:
            del self.fields["contact_people"]
        else:
            self.fields["contact_people"].queryset = people


class GoalForm(forms.ModelForm):
    competence_areas = forms.ModelMultipleChoiceField(
        label=_("Competence areas"),
        queryset=CompetenceArea.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Goal
        fields = ["title", "description", "competence_areas"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence_areas"].queryset = CompetenceArea.objects.filter(
            programme=programme
        )


class IndicatorForm(forms.Form):
    """Baseline and target are typed as text and checked against the unit by the service, so a
    wrong value comes back with the person's own input and a message."""

    name = forms.CharField(label=_("Indicator"), max_length=300)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    baseline = forms.CharField(
        label=_("Baseline"),
        required=False,
        max_length=500,
        help_text=_("A number, a percent (0–100), yes or no, or a text, after the unit."),
    )
    baseline_on = _date(_("Baseline date"), required=False)
    target = forms.CharField(label=_("Target"), required=False, max_length=500)
    target_on = _date(_("Target date"), required=False)
    portal_figure = forms.ChoiceField(
        label=_("The portal's own figure"),
        choices=Indicator.PortalFigure.choices,
        required=False,
        help_text=_("Shown beside the reported values, so the two can be compared."),
    )

    @classmethod
    def initial_for(cls, indicator: Indicator) -> dict:
        return {
            "name": indicator.name,
            "unit": indicator.unit,
            "baseline": value_raw(
                indicator.unit, indicator.baseline_number, indicator.baseline_text
            ),
            "baseline_on": indicator.baseline_on,
            "target": value_raw(indicator.unit, indicator.target_number, indicator.target_text),
            "target_on": indicator.target_on,
            "portal_figure": indicator.portal_figure,
        }


class MilestoneForm(forms.ModelForm):
    due_on = _date(_("Due"))
    done_on = _date(_("Done on"), required=False)

    class Meta:
        model = Milestone
        fields = ["title", "goal", "due_on", "status", "done_on"]

    def __init__(self, *args, model_library, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = model_library.goals.all()


class PlanAnchoringForm(forms.ModelForm):
    decided_on = _date(_("Date of the decision"), required=False)
    link = forms.URLField(
        label=_("Link to the plan or decision"),
        required=False,
        max_length=500,
        assume_scheme="https",
    )

    class Meta:
        model = PlanAnchoring
        fields = ["kind", "name", "level", "status", "decided_on", "link"]


class ReportCreateForm(forms.Form):
    period = forms.ModelChoiceField(label=_("Period"), queryset=ReportPeriod.objects.none())

    def __init__(self, *args, programme, periods: list[ReportPeriod] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["period"]
        field.queryset = ReportPeriod.objects.filter(programme=programme)
        if periods is not None:
            # The programme's periods, read already by the page that shows the form: offered
            # without reading them again (a submitted form is still checked against the query).
            field.widget.choices = [("", field.empty_label), *((p.pk, str(p)) for p in periods)]


YES_NO_CHOICES = [("", _("Not told")), (YES, _("Yes")), (NO, _("No"))]


class ReportForm(forms.ModelForm):
    """The narrative, a value for each indicator and a status for each milestone, in one form."""

    class Meta:
        model = ProgressReport
        fields = ["activities", "results", "challenges", "next_steps"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}

    def __init__(self, *args, indicators, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators, self.milestones = list(indicators), list(milestones)
        values = {v.indicator_id: v for v in self.instance.indicator_values.all()}
        updates = {u.milestone_id: u for u in self.instance.milestone_updates.all()}
        for indicator in self.indicators:
            value = values.get(indicator.pk)
            name = f"value_{indicator.pk}"
            if indicator.unit == Unit.YES_NO:
                field = forms.ChoiceField(choices=YES_NO_CHOICES, required=False)
            elif indicator.unit == Unit.TEXT:
                field = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
            else:
                field = forms.CharField(required=False, max_length=40)
            field.label = indicator.name
            field.help_text = _("Unit: %(unit)s. Target: %(target)s") % {
                "unit": indicator.get_unit_display(),
                "target": indicator.target_display or "–",
            }
            field.initial = value_raw(indicator.unit, value.number, value.text) if value else ""
            self.fields[name] = field
            self.fields[f"comment_{indicator.pk}"] = forms.CharField(
                label=_("Comment on “%(indicator)s”") % {"indicator": indicator.name},
                required=False,
                max_length=500,
                initial=value.comment if value else "",
            )
        for milestone in self.milestones:
            update = updates.get(milestone.pk)
            self.fields[f"milestone_{milestone.pk}"] = forms.ChoiceField(
                label=milestone.title,
                choices=Milestone.Status.choices,
                initial=update.status if update else milestone.status,
            )
            self.fields[f"done_on_{milestone.pk}"] = _date(
                _("“%(milestone)s” done on") % {"milestone": milestone.title}, required=False
            )
            self.fields[f"done_on_{milestone.pk}"].initial = (
                update.done_on if update else milestone.done_on
            )
            self.fields[f"note_{milestone.pk}"] = forms.CharField(
                label=_("Note on “%(milestone)s”") % {"milestone": milestone.title},
                required=False,
                max_length=500,
                initial=update.note if update else "",
            )

    def narrative(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.Meta.fields}

    def values(self) -> dict[int, tuple[str, str]]:
        return {
            i.pk: (
                self.cleaned_data.get(f"value_{i.pk}", ""),
                self.cleaned_data.get(f"comment_{i.pk}", ""),
            )
            for i in self.indicators
        }

    def milestone_changes(self) -> dict:
        return {
            m.pk: (
                self.cleaned_data.get(f"milestone_{m.pk}"),
                self.cleaned_data.get(f"done_on_{m.pk}"),
                self.cleaned_data.get(f"note_{m.pk}", ""),
            )
            for m in self.milestones
        }

    def indicator_rows(self):
        for indicator in self.indicators:
            yield indicator, self[f"value_{indicator.pk}"], self[f"comment_{indicator.pk}"]

    def milestone_rows(self):
        for m in self.milestones:
            yield m, self[f"milestone_{m.pk}"], self[f"done_on_{m.pk}"], self[f"note_{m.pk}"]


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Attachment"),
        help_text=_("PDF, DOCX, XLSX, PPTX, ODT, PNG, JPG or TXT."),
    )


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the library change?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
