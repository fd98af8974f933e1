"""The upload form for survey structures (LimeSurvey .lss or the portal's JSON)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from portal import permissions
from portal.models import County, Programme

from ..builder.selectors import people_named, survey_managers
from .limesurvey import MAX_FILE_SIZE


class SurveyImportForm(forms.Form):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    county = forms.ModelChoiceField(
        label=_("County"),
        queryset=County.objects.none(),
        required=False,
        empty_label=_("The whole programme"),
        help_text=_("A programme-wide survey can only be imported by the project leader."),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "A survey structure exported from LimeSurvey (.lss) or from this portal (.json), "
            "at most 10 MB. The survey is created as a draft."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        programmes = permissions.for_action(user, Programme, "manage_content")
        self.fields["programme"].queryset = programmes.order_by("name")
        self.fields["county"].queryset = permissions.county_choices(user).order_by("number")
        if len(self.fields["programme"].queryset) == 1:
            self.fields["programme"].initial = self.fields["programme"].queryset[0]
        if not permissions.may_own_whole_programme(user):
            # A coordinator imports for their county; "the whole programme" is not theirs.
            self.fields["county"].required = True
            self.fields["county"].empty_label = None
            self.fields["county"].help_text = ""

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_SIZE:
            raise forms.ValidationError(_("The file is larger than 10 MB."))
        return upload

    def clean(self):
        cleaned = super().clean()
        programme, county = cleaned.get("programme"), cleaned.get("county")
        if programme is None:
            return cleaned
        if county is not None and not programme.counties.filter(id=county.id).exists():
            self.add_error("county", _("This county does not take part in the programme."))
        elif not permissions.may_own(self.user, programme, county):
            managers = people_named(survey_managers(programme=programme, county=county))
            self.add_error(
                "county",
                (
                    _("Only %(people)s can import a survey for the whole programme.")
                    if county is None
                    else _("Only %(people)s can import surveys for this county.")
                )
                % {"people": managers or _("the project leader")},
            )
        return cleaned
