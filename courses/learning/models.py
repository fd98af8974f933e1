"""The online learning arena of a course: modules with lessons, a discussion board, assignments.

Everything hangs off a course (`courses.Course`); who may read or write is decided in
`courses.learning.permissions`, the rules of writing in `courses.learning.services`.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .content import sanitize_html, video_embed_url


def _upload_to(folder: str, instance, filename: str) -> str:
    # A random stored name: files are only ever served through a view that checks the policy,
    # and a guessable name would leak which files exist. The original name is kept in a field.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"learning/{folder}/{uuid.uuid4().hex}{suffix}"


def lesson_upload_to(instance, filename: str) -> str:
    return _upload_to("lessons", instance, filename)


def submission_upload_to(instance, filename: str) -> str:
    return _upload_to("submissions", instance, filename)


def image_upload_to(instance, filename: str) -> str:
    return _upload_to("images", instance, filename)


class Module(models.Model):
    """A chapter of a course's online material, with lessons in order."""

    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="modules",
        verbose_name=_("course"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(
        _("introduction"), blank=True, help_text=_("A short text shown above the lessons.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("module")
        verbose_name_plural = _("modules")
        ordering = ["course", "position", "id"]

    def __str__(self):
        return self.title


class Lesson(models.Model):
    """One piece of learning material: a text, a file, a link or a video."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        FILE = "file", _("File")
        LINK = "link", _("Link")
        VIDEO = "video", _("Video")

    module = models.ForeignKey(
        Module, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("module")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(
        _("text"),
        blank=True,
        help_text=_("Simple formatting (headings, lists, links, bold and italics) is kept."),
    )
    file = models.FileField(_("file"), upload_to=lesson_upload_to, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True, editable=False)
    url = models.URLField(_("link"), blank=True, max_length=500)
    video_url = models.URLField(
        _("video link"),
        blank=True,
        max_length=500,
        help_text=_("A YouTube or Vimeo address."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module", "position", "id"]

    def __str__(self):
        return self.title

    @property
    def safe_body(self) -> str:
        # Sanitised when saved by the services; again here, so that text put in any other way
        # (the admin, a data import) can never carry script into the page.
        return mark_safe(sanitize_html(self.body))  # noqa: S308 - nh3 output

    @property
    def video_embed_url(self) -> str | None:
        return video_embed_url(self.video_url) if self.video_url else None


class LessonImage(models.Model):
    """An image in a lesson's text: uploaded by an author, checked, served through the policy."""

    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="lesson_images",
        verbose_name=_("course"),
    )
    file = models.FileField(_("image"), upload_to=image_upload_to, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson image")
        verbose_name_plural = _("lesson images")
        ordering = ["course", "-created_at"]

    def __str__(self):
        return self.file_name or str(self.pk)

    def get_absolute_url(self):
        return reverse("learning:lesson_image", args=[self.pk])


class LessonCompletion(models.Model):
    """A participant has marked a lesson as done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_completions",
        verbose_name=_("person"),
    )
    # Indexed by the constraint below, whose key starts with the lesson: it serves the lookups
    # by lesson (the cascade, a lesson's completions) and by lesson and person (has this person
    # done this lesson: the completion figures ask it for every lesson of every participant).
    lesson = models.ForeignKey(
        Lesson,
        on_delete=models.CASCADE,
        related_name="completions",
        verbose_name=_("lesson"),
        db_index=False,
    )
    done_at = models.DateTimeField(_("done"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        ordering = ["-done_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["lesson", "user"],
                name="lesson_done_once_per_person",
                violation_error_message=_("This lesson is already marked as done."),
            )
        ]

    def __str__(self):
        return f"{self.user} – {self.lesson}"


class Thread(models.Model):
    """A topic on a course's discussion board."""

    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="threads",
        verbose_name=_("course"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="learning_threads",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    is_hidden = models.BooleanField(
        _("hidden"), default=False, help_text=_("Hidden by a moderator; only moderators see it.")
    )
    is_locked = models.BooleanField(
        _("locked"), default=False, help_text=_("A locked thread takes no new replies.")
    )

    class Meta:
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("learning:thread_detail", args=[self.pk])


class Post(models.Model):
    """A reply in a thread."""

    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="posts", verbose_name=_("thread")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="learning_posts",
        verbose_name=_("author"),
    )
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    is_hidden = models.BooleanField(_("hidden"), default=False)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.thread} #{self.pk}"


class Assignment(models.Model):
    """A task participants hand in (text or a file) before a deadline."""

    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("course"),
    )
    module = models.ForeignKey(
        Module,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        verbose_name=_("module"),
        help_text=_("Optional: the module the assignment belongs to."),
    )
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"))
    deadline = models.DateTimeField(_("deadline"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["course", "deadline", "id"]

    def __str__(self):
        return self.title

    @property
    def is_past_deadline(self) -> bool:
        return timezone.now() > self.deadline


class GradeLevel(models.Model):
    """A step of the grading scale a course sets for its assignments (e.g. "Very good",
    "Good", "Not yet"). A course without levels grades "approved" or "to be revised"."""

    course = models.ForeignKey(
        "courses.Course",
        on_delete=models.CASCADE,
        related_name="grade_levels",
        verbose_name=_("course"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    label = models.CharField(_("grade"), max_length=60)
    passes = models.BooleanField(
        _("passes"), default=True, help_text=_("An answer with this grade is approved.")
    )

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grading scale")
        ordering = ["course", "position", "id"]

    def __str__(self):
        return self.label


class Criterion(models.Model):
    """A criterion of an assignment's rubric: graded and commented on one by one."""

    assignment = models.ForeignKey(
        "Assignment",
        on_delete=models.CASCADE,
        related_name="criteria",
        verbose_name=_("assignment"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.CharField(_("criterion"), max_length=200)
    description = models.TextField(_("what is looked for"), blank=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["assignment", "position", "id"]

    def __str__(self):
        return self.title


class Submission(models.Model):
    """A participant's answer to an assignment; one per person, replaced when revised."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REVISE = "revise", _("To be revised")

    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.CASCADE,
        related_name="submissions",
        verbose_name=_("assignment"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="learning_submissions",
        verbose_name=_("participant"),
    )
    text = models.TextField(_("answer"), blank=True)
    file = models.FileField(_("file"), upload_to=submission_upload_to, blank=True, max_length=200)
    file_name = models.CharField(_("file name"), max_length=200, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted"))
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    feedback = models.TextField(_("feedback"), blank=True)
    # The grade on the course's scale as it was named when graded ("" on the default scale,
    # where the status says it all).
    grade = models.CharField(_("grade"), max_length=60, blank=True)
    feedback_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("feedback by"),
    )
    feedback_at = models.DateTimeField(_("feedback given"), null=True, blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["assignment", "-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "user"],
                name="one_submission_per_participant",
                violation_error_message=_("You have already handed in an answer."),
            ),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(file=""),
                name="submission_has_text_or_file",
                violation_error_message=_("Write an answer or attach a file."),
            ),
        ]

    def __str__(self):
        return f"{self.assignment} – {self.user}"

    @property
    def grade_display(self) -> str:
        return self.grade or (self.get_status_display() if self.feedback_at else "")


class CriterionFeedback(models.Model):
    """The grade and comment a reviewer gave an answer on one criterion of the rubric."""

    submission = models.ForeignKey(
        Submission,
        on_delete=models.CASCADE,
        related_name="criterion_feedback",
        verbose_name=_("submission"),
    )
    criterion = models.ForeignKey(
        Criterion, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("criterion")
    )
    passes = models.BooleanField(_("passes"))
    grade = models.CharField(_("grade"), max_length=60, blank=True)
    feedback = models.TextField(_("feedback"), blank=True)

    class Meta:
        verbose_name = _("feedback on a criterion")
        verbose_name_plural = _("feedback on criteria")
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "criterion"],
                name="criterion_feedback_once",
                violation_error_message=_("This criterion has already been graded."),
            )
        ]

    def __str__(self):
        return f"{self.submission} – {self.criterion}"

    @property
    def grade_display(self) -> str:
        if self.grade:
            return self.grade
        status = Submission.Status.APPROVED if self.passes else Submission.Status.REVISE
        return status.label
