"""LongSelect writes the same select as Django's template-rendered one, without a template per
option (the results page's library filter has every library of a region)."""

import re

from django import forms
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from portal.forms import LongSelect

CHOICES = [
    ("", gettext_lazy("All libraries")),
    (1, "Hamar <bibliotek>"),
    (2, "Trondheim & omegn"),
    (3, mark_safe("Lillehammer &amp; Gausdal")),  # safe already: written as it is
]


def _options(html):
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', html)


def test_same_options_selection_and_attributes_as_a_select():
    class Filter(forms.Form):
        plain = forms.TypedChoiceField(choices=CHOICES, coerce=int, required=False)
        long = forms.TypedChoiceField(
            choices=CHOICES, coerce=int, required=False, widget=LongSelect
        )

    form = Filter(initial={"plain": 2, "long": 2})
    form.fields["long"].widget.attrs["class"] = "form-select"
    plain, long = str(form["plain"]), str(form["long"])
    assert _options(long) == _options(plain)
    assert _options(long)[2] == ("2", " selected", "Trondheim &amp; omegn")
    assert "&lt;bibliotek&gt;" in long  # escaped like every other value
    assert "Lillehammer &amp; Gausdal<" in long and long.count("<option") == 4
    assert 'name="long"' in long and 'id="id_long"' in long and 'class="form-select"' in long
    unbound = Filter()
    assert _options(str(unbound["long"])) == _options(str(unbound["plain"]))
