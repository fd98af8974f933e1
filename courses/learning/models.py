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
from django.utils.translation import gettext_lazy as _

from .content import video_embed_url


def _upload_to(folder: str, instance, filename: str) -> str:
    # A random stored name: files are only ever served through a view that checks the policy,
    # and a guessable name would leak which files exist. The original name is kept in a field.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"learning/{folder}/{uuid.uuid4().hex}{suffix}"


def lesson_upload_to(instance, filename: str) -> str:
    return _upload_to("lessons", instance, filename)


def submission_upload_to(instance, filename: str) -> str:
    return _upload_to("submissions", instance, filename)


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
    def video_embed_url(self) -> str | None:
        return video_embed_url(self.video_url) if self.video_url else None


class LessonCompletion(models.Model):
    """A participant has marked a lesson as done."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_completions",
        verbose_name=_("person"),
    )
    lesson = models.ForeignKey(
        Lesson, on_delete=models.CASCADE, related_name="completions", verbose_name=_("lesson")
    )
    done_at = models.DateTimeField(_("done"), auto_now_add=True)

    class Meta:
        verbose_name = _("lesson completion")
        verbose_name_plural = _("lesson completions")
        ordering = ["-done_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_done_once_per_person")
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
                fields=["assignment", "user"], name="one_submission_per_participant"
            ),
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(file=""), name="submission_has_text_or_file"
            ),
        ]

    def __str__(self):
        return f"{self.assignment} – {self.user}"
