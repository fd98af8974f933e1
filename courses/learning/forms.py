"""Forms of the learning arena: they collect input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .content import allowed_extensions_text
from .models import Assignment, Lesson, Module

TEXT_MAX = 10_000  # a board post; longer texts belong in a file
ANSWER_MAX = 50_000
FILE_ACCEPT = ".pdf,.docx,.xlsx,.pptx,.odt,.png,.jpg,.jpeg,.txt"


def _file_help():
    return _("Allowed types: %(types)s. At most 20 MB.") % {"types": allowed_extensions_text()}


class ModuleForm(forms.ModelForm):
    class Meta:
        model = Module
        fields = ["title", "intro"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 3})}


class LessonForm(forms.ModelForm):
    # Not a model field of the form: the service checks the upload and replaces the old file.
    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
    )

    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("For a link lesson: the web address, starting with https://."),
    )
    video_url = forms.URLField(
        label=_("Video link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("For a video lesson: a YouTube or Vimeo address."),
    )
    field_order = ["title", "kind", "body", "file", "url", "video_url"]

    class Meta:
        model = Lesson
        fields = ["title", "kind", "body", "url", "video_url"]
        widgets = {
            "kind": forms.RadioSelect,
            "body": forms.Textarea(attrs={"rows": 10, "data-rich-text": "on"}),
        }
        help_texts = {
            "body": _(
                "For a text lesson: headings, lists, links, bold and italics, and images "
                "uploaded here. Anything else is removed."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()
        if self.instance.file:
            self.fields["file"].help_text = _(
                "Now: %(name)s. Choose a new file to replace it. %(help)s"
            ) % {"name": self.instance.file_name, "help": _file_help()}


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Text"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class AssignmentForm(forms.ModelForm):
    class Meta:
        model = Assignment
        fields = ["title", "instructions", "deadline", "module"]
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 6}),
            "deadline": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args, course, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["module"].queryset = Module.objects.filter(course=course)
        self.fields["deadline"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["deadline"].help_text = _("Date and time, Norwegian time.")


class SubmissionForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer"),
        required=False,
        max_length=ANSWER_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("file"):
            raise forms.ValidationError(_("Write an answer or attach a file."))
        return cleaned


class ReviewForm(forms.Form):
    """The overall grade and feedback, and a grade and a comment per criterion of the rubric.
    `grades` are the course's (see services.course_grades)."""

    grade = forms.ChoiceField(label=_("Grade"), widget=forms.RadioSelect)
    feedback = forms.CharField(
        label=_("Feedback to the participant"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args, grades, criteria=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(g.key, g.label) for g in grades]
        self.fields["grade"].choices = choices
        self.criteria = list(criteria)
        for criterion in self.criteria:
            self.fields[f"c{criterion.pk}_grade"] = forms.ChoiceField(
                label=_("Grade: %(criterion)s") % {"criterion": criterion.title},
                choices=choices,
                widget=forms.RadioSelect,
                help_text=criterion.description,
            )
            self.fields[f"c{criterion.pk}_feedback"] = forms.CharField(
                label=_("Comment: %(criterion)s") % {"criterion": criterion.title},
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.order_fields(
            [name for c in self.criteria for name in (f"c{c.pk}_grade", f"c{c.pk}_feedback")]
            + ["grade", "feedback"]
        )

    def criteria_values(self) -> dict[int, tuple[str, str]]:
        return {
            c.pk: (
                self.cleaned_data.get(f"c{c.pk}_grade") or "",
                self.cleaned_data.get(f"c{c.pk}_feedback") or "",
            )
            for c in self.criteria
        }


class CriterionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Criterion"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What is looked for"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


CriteriaFormSet = forms.formset_factory(CriterionForm, extra=2)


def criteria_formset(data=None, assignment=None):
    """The rubric's rows: the criteria there are, and two empty ones to add more."""
    initial = []
    if assignment is not None and assignment.pk:
        initial = [
            {"id": c.pk, "title": c.title, "description": c.description}
            for c in assignment.criteria.all()
        ]
    return CriteriaFormSet(data, initial=initial, prefix="criteria")


def criteria_values(formset) -> list[tuple]:
    return [
        (
            form.cleaned_data.get("id"),
            form.cleaned_data.get("title"),
            form.cleaned_data.get("description"),
        )
        for form in formset.forms
        if form.cleaned_data
    ]


class GradeLevelForm(forms.Form):
    label = forms.CharField(label=_("Grade"), max_length=60, required=False)
    passes = forms.BooleanField(label=_("Passes (the answer is approved)"), required=False)


def grade_scale_formset(data=None, course=None):
    """The scale's rows: the grades there are and two empty ones (four for a new scale)."""
    initial = [{"label": g.label, "passes": g.passes} for g in course.grade_levels.all()]
    formset_class = forms.formset_factory(GradeLevelForm, extra=2 if initial else 4)
    return formset_class(data, initial=initial, prefix="levels")


class ImageUploadForm(forms.Form):
    image = forms.FileField(
        label=_("Image"), widget=forms.FileInput(attrs={"accept": ".png,.jpg,.jpeg"})
    )
