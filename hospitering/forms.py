from __future__ import annotations

from django import forms
from django.core.validators import MinValueValidator
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from portal.models import CompetenceArea, County, Library

from . import selectors
from .models import (
    Application,
    BudgetLine,
    Decision,
    HostFeedback,
    Offer,
    OfferPeriod,
    Placement,
    PlacementReport,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _dates(form: forms.Form, *names: str) -> None:
    for name in names:
        form.fields[name].widget = DateInput()
        form.fields[name].input_formats = ["%Y-%m-%d", "%d.%m.%Y"]


class OfferForm(forms.ModelForm):
    host_library = forms.ModelChoiceField(
        label=_("Host library"), queryset=Library.objects.none(), empty_label=None
    )

    class Meta:
        model = Offer
        fields = [
            "host_library",
            "title",
            "description",
            "competence_areas",
            "themes",
            "languages",
            "address",
            "contact_name",
            "contact_email",
            "contact_phone",
            "preparation",
            "accessibility",
            "helps_with_accommodation",
        ]
        widgets = {
            "competence_areas": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 4}),
            "preparation": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, programme, host_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competence_areas"].queryset = CompetenceArea.objects.filter(
            programme=programme
        )
        if host_choices is None:
            del self.fields["host_library"]  # the host of an offer does not change
        else:
            self.fields["host_library"].queryset = host_choices


class PeriodForm(forms.ModelForm):
    class Meta:
        model = OfferPeriod
        fields = ["starts_on", "ends_on", "places"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _dates(self, "starts_on", "ends_on")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The period must end on or after the day it starts."))
        return data

    def _post_clean(self):
        pass  # the services check the period against the applications it has


class BasePeriodFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        if not self.periods():
            raise forms.ValidationError(
                _("Add at least one period in which you can receive visitors.")
            )

    def periods(self):
        return [
            (f.cleaned_data["starts_on"], f.cleaned_data["ends_on"], f.cleaned_data["places"])
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("starts_on")
        ]


PeriodFormSet = forms.formset_factory(PeriodForm, formset=BasePeriodFormSet, extra=3, max_num=12)


class PeriodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, period):
        free = max(period.places - getattr(period, "taken", 0), 0)
        return _("%(start)s to %(end)s (%(free)s of %(places)s places free)") % {
            "start": formats.date_format(period.starts_on, "DATE_FORMAT"),
            "end": formats.date_format(period.ends_on, "DATE_FORMAT"),
            "free": free,
            "places": period.places,
        }


class ApplicationForm(forms.ModelForm):
    period = PeriodChoiceField(
        label=_("Period"),
        queryset=OfferPeriod.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    home_library = forms.ModelChoiceField(
        label=_("I work at"), queryset=Library.objects.none(), empty_label=None
    )

    class Meta:
        model = Application
        fields = [
            "period",
            "home_library",
            "starts_on",
            "ends_on",
            "learning_goals",
            "sharing_plan",
            "estimated_cost",
            "budget_note",
        ]
        widgets = {
            "learning_goals": forms.Textarea(attrs={"rows": 4}),
            "sharing_plan": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "starts_on": _("Inside the period you chose."),
            "learning_goals": _("What do you want to learn, and why there?"),
            "sharing_plan": _("For example a talk at a staff meeting, or a short note."),
            "estimated_cost": _("Travel, accommodation and per diem together, in NOK."),
        }

    def __init__(self, *args, periods=None, libraries=None, **kwargs):
        super().__init__(*args, **kwargs)
        _dates(self, "starts_on", "ends_on")
        if periods is None:
            # Editing: the period and the home library stay; the days may move inside the period.
            del self.fields["period"]
            del self.fields["home_library"]
            return
        self.fields["period"].queryset = periods
        # Shown even with one choice: it says which library's leader decides first.
        self.fields["home_library"].queryset = libraries

    def _post_clean(self):
        # The model's own validation (the period must exist) is the service's job, with messages
        # about the offer; only the fields are checked here.
        pass

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The last day must be on or after the first day."))
        return data


class DecisionForm(forms.Form):
    CHOICES = [
        (Decision.Outcome.APPROVED, _("Approve")),
        (Decision.Outcome.CHANGES, _("Ask for changes")),
        (Decision.Outcome.REJECTED, _("Reject")),
    ]
    outcome = forms.ChoiceField(label=_("Your decision"), choices=CHOICES, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason or changes asked for"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required when you reject or ask for changes; the applicant reads it."),
    )


class PlacementForm(forms.ModelForm):
    class Meta:
        model = Placement
        fields = ["starts_on", "ends_on", "host_contact", "day_programme"]
        widgets = {"day_programme": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _dates(self, "starts_on", "ends_on")

    def _post_clean(self):
        pass  # the service checks the days against the period and the participant's placements


class BudgetLineForm(forms.ModelForm):
    class Meta:
        model = BudgetLine
        fields = ["kind", "description", "planned", "actual", "funding_source"]

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funding_source"].queryset = programme.funding.all()
        self.fields["funding_source"].empty_label = None
        # The model's own checks are skipped below: the amounts' rule is asked here.
        for name in ("planned", "actual"):
            self.fields[name].validators.append(MinValueValidator(0))

    def _post_clean(self):
        pass


class ReportForm(forms.ModelForm):
    class Meta:
        model = PlacementReport
        fields = ["learnt", "changes_at_home", "shared"]
        widgets = {name: forms.Textarea(attrs={"rows": 5}) for name in fields}


class FeedbackForm(forms.ModelForm):
    class Meta:
        model = HostFeedback
        fields = ["feedback"]
        widgets = {"feedback": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"feedback": _("A few sentences: how the visit went, and what you learnt.")}


class _ChoicesRead(forms.models.ModelChoiceIterator):
    """A model choice field's choices drawn from objects the view has read already (a list, in
    the queryset's order) instead of reading the queryset again (on PostgreSQL through a
    server-side cursor, three round trips). The queryset still checks a submitted choice."""

    def __init__(self, field):
        super().__init__(field)
        self.objects = field.objects_read

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.objects:
            yield self.choice(obj)

    def __len__(self):
        return len(self.objects) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.objects)


def _choices_read(field: forms.ModelChoiceField, queryset, objects) -> None:
    """Give the field its queryset and, when the view has read it (`objects`), its choices
    from that list."""
    if objects is not None:
        field.objects_read = list(objects)
        field.iterator = _ChoicesRead
    field.queryset = queryset  # (sets the widget's choices from the iterator above)


class OfferFilterForm(forms.Form):
    area = forms.ModelChoiceField(
        label=_("Competence area"),
        queryset=CompetenceArea.objects.none(),
        required=False,
        empty_label=_("All areas"),
    )
    county = forms.ModelChoiceField(
        label=_("Host county"),
        queryset=County.objects.none(),
        required=False,
        empty_label=_("All counties"),
    )
    from_date = forms.DateField(label=_("From"), required=False)
    to_date = forms.DateField(label=_("To"), required=False)
    free_places = forms.BooleanField(label=_("Only periods with free places"), required=False)

    def __init__(self, *args, programme, areas=None, counties=None, **kwargs):
        """`areas` and `counties`: the programme's, as the querysets below read them, when the
        view has them (`selectors.programme_areas`, `selectors.programme_counties`)."""
        super().__init__(*args, **kwargs)
        _choices_read(
            self.fields["area"], selectors.programme_area_queryset(programme=programme), areas
        )
        _choices_read(
            self.fields["county"],
            selectors.programme_county_queryset(programme=programme),
            counties,
        )
        _dates(self, "from_date", "to_date")


class CalendarFilterForm(forms.Form):
    county = forms.ModelChoiceField(
        label=_("County"),
        queryset=County.objects.none(),
        required=False,
        empty_label=_("All counties"),
    )
    host = forms.ModelChoiceField(
        label=_("Host library"),
        queryset=Library.objects.none(),
        required=False,
        empty_label=_("All host libraries"),
    )

    def __init__(self, *args, counties, hosts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = counties
        self.fields["host"].queryset = hosts
