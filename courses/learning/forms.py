"""Forms of the learning arena: they collect input; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .content import allowed_extensions_text
from .models import Assignment, Lesson, Module, Submission

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
            "body": forms.Textarea(attrs={"rows": 10}),
        }
        help_texts = {
            "body": _(
                "For a text lesson. You may use HTML: paragraphs, headings (h2–h4), lists, "
                "links, bold and italics. Anything else is removed."
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
    status = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Submission.Status.APPROVED, Submission.Status.APPROVED.label),
            (Submission.Status.REVISE, Submission.Status.REVISE.label),
        ],
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(
        label=_("Feedback to the participant"), widget=forms.Textarea(attrs={"rows": 6})
    )
