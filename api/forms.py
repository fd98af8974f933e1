from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Power BI report”."),
    )
    expires_on = forms.DateField(
        label=_("Valid until (optional)"),
        required=False,
        widget=DateInput(),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        help_text=_(
            "The token stops working after this day. Leave empty to keep it until you revoke it."
        ),
    )

    def clean_expires_on(self):
        expires_on = self.cleaned_data["expires_on"]
        if expires_on is not None and expires_on < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return expires_on
