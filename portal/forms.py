from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.translation import gettext_lazy as _

from .models import Invitation, Library, Programme, RoleAssignment, User
from .rows import markup, markup_join


class LongSelect(forms.Select):
    """A select of many options (every library of a region) written in Python: Django renders
    each option through a template of its own, which made such a list the slowest part of a page.
    Flat choices only (no groups); the markup is what forms.Select writes, each value escaped by
    `portal.rows.markup_join` (`format_html_join` without its per-call checks: ~140 options a
    page)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = markup_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (key, " selected" if str(key) in chosen else "", label)
                for key, label in self.choices
            ),
        )
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return markup("<select{}>{}</select>", flatatt(attrs), options)


class SignupNameForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    preferred_language = forms.ChoiceField(
        label=_("Language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )

    def signup(self, request, user):
        user.full_name = self.cleaned_data["full_name"]
        user.preferred_language = self.cleaned_data["preferred_language"]
        user.save(update_fields=["full_name", "preferred_language"])


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=Invitation.Role.choices, initial=Invitation.Role.STAFF
    )
    language = forms.ChoiceField(
        label=_("Language of the invitation"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text=_("A person who already has an account is written to in their own language."),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "preferred_language"]
        labels = {"full_name": _("Full name"), "preferred_language": _("Language")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].required = True


class AccessibilityReportForm(forms.Form):
    page_url = forms.CharField(
        label=_("Which page (address or name)"), max_length=500, required=False
    )
    description = forms.CharField(
        label=_("What did not work for you?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    email = forms.EmailField(label=_("Your e-mail address (if you want an answer)"), required=False)


class StaffListForm(forms.Form):
    file = forms.FileField(
        label=_("Staff list (CSV)"),
        help_text=_(
            "One person per line. Columns: “e-post” (required), “navn” and “rolle” "
            "(“ansatt” or “leder”). Comma or semicolon separated."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the invitations"),
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        return upload


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: on the fields it names, where the form has
    them, else on the form as a whole."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- the site admin's forms: each database constraint's rule, checked first in plain words ---


class LibraryAdminForm(forms.ModelForm):
    class Meta:
        model = Library
        fields = ["name", "kind", "county", "municipality_number", "isil"]

    def clean_isil(self):
        isil = (self.cleaned_data.get("isil") or "").strip()
        if isil and Library.objects.filter(isil=isil).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                _("Another library already has the ISIL code %(isil)s.") % {"isil": isil}
            )
        return isil


class ProgrammeAdminForm(forms.ModelForm):
    class Meta:
        model = Programme
        fields = [
            "name",
            "short_name",
            "description",
            "start_date",
            "end_date",
            "lead_county",
            "counties",
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The programme cannot end before it starts."))
        return cleaned


Role = RoleAssignment.Role
# What each role is held for: (programme, county, library) required (True) or absent (False).
ROLE_SCOPES = {
    Role.PROJECT_LEADER: (True, False, False),
    Role.COORDINATOR: (True, True, False),
    Role.LIBRARY_LEADER: (False, False, True),
    Role.STAFF: (False, False, True),
}


def role_scope_problem(role, programme, county, library):
    """Why this role cannot be held for this scope (in words), or None."""
    if role not in ROLE_SCOPES:
        return None
    given = (programme is not None, county is not None, library is not None)
    if given == ROLE_SCOPES[role]:
        return None
    if role == Role.PROJECT_LEADER:
        return _("A project leader leads a programme: choose the programme only.")
    if role == Role.COORDINATOR:
        return _(
            "A county coordinator coordinates a county in a programme: choose both, no library."
        )
    return _("A library leader or staff member works at a library: choose the library only.")


class RoleAssignmentAdminForm(forms.ModelForm):
    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "programme", "county", "library"]

    def clean(self):
        cleaned = super().clean()
        problem = role_scope_problem(
            cleaned.get("role"),
            cleaned.get("programme"),
            cleaned.get("county"),
            cleaned.get("library"),
        )
        if problem:
            # On the field, so that the model's constraint (the last guard) is not asked too.
            self.add_error("role", problem)
        return cleaned


class FunderReportForm(forms.Form):
    """What the project leader chooses and writes before a report to the funder is generated:
    the period, the language, a foreword and a comment on each of the report's sections (the
    sections of the dashboard's overview, so a new panel gets its comment field too)."""

    WHOLE_PROGRAMME = "all"

    period = forms.ChoiceField(label=_("Period"))
    language = forms.ChoiceField(label=_("Language of the report"), choices=settings.LANGUAGES)

    def __init__(self, *args, programme: Programme, years: list[int], sections, **kwargs):
        from .services import COMMENT_MAX_LENGTH, FOREWORD_MAX_LENGTH

        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(str(year), str(year)) for year in years] + [
            (self.WHOLE_PROGRAMME, _("The whole programme period"))
        ]
        self.fields["foreword"] = forms.CharField(
            label=_("Foreword"),
            required=False,
            max_length=FOREWORD_MAX_LENGTH,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text=_("Opens the report, before the figures."),
        )
        self.section_keys = []
        for section in sections:
            name = f"comment_{section.key}"
            self.section_keys.append(section.key)
            self.fields[name] = forms.CharField(
                label=_("Comment on “%(section)s”") % {"section": section.title},
                required=False,
                max_length=COMMENT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def year(self) -> int | None:
        period = self.cleaned_data["period"]
        return None if period == self.WHOLE_PROGRAMME else int(period)

    def comments(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"comment_{key}", "") for key in self.section_keys}
