"""Model libraries (modellbibliotek): a library's development project in a programme, its plan
and its report cycle.

A county coordinator appoints a library of their county as a `ModelLibrary` of a programme. The
project has `Goal`s (tied to competence areas), each with `Indicator`s (a unit, a baseline and a
target), `Milestone`s with due dates, and `PlanAnchoring`: the plans the library's work is anchored
in, with level, status and decision, whose every change is kept (`PlanAnchoringChange`).

The programme sets `ReportPeriod`s with due dates. For each period the library writes one
`ProgressReport`: narrative sections, a value for each indicator (`IndicatorValue`, the indicator's
time series), milestone status changes (`MilestoneUpdate`, applied when the report is submitted)
and attachments. A report goes draft → submitted → approved, or submitted → returned (with the
coordinator's comment) → submitted again. At approval the report's content is frozen (`frozen`),
so an approved report reads as it was approved even after the plan changes. Who may act is the
policy's answer (modelbibliotek.permissions); what may happen in which status is the services'.
Every change and decision is written to the portal's audit log by the services.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def _upload_to(folder: str, filename: str) -> str:
    # A random stored name: files are served only through a view that asks the policy, and a
    # guessable name would tell which files exist. The original name is kept in a field.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"modelbibliotek/{folder}/{uuid.uuid4().hex}{suffix}"


def attachment_upload_to(instance, filename: str) -> str:
    return _upload_to("reports", filename)


class ReportPeriod(models.Model):
    """A reporting period set by the programme (for example each half-year), with a due date."""

    programme = models.ForeignKey(
        "portal.Programme",
        on_delete=models.CASCADE,
        related_name="model_library_report_periods",
        verbose_name=_("programme"),
    )
    title = models.CharField(_("title"), max_length=100, help_text=_("For example “Spring 2011”."))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    due_on = models.DateField(_("report due"))

    class Meta:
        verbose_name = _("report period")
        verbose_name_plural = _("report periods")
        ordering = ["programme", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="report_period_ends_after_start",
                violation_error_message=_("The period must end on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("ends_on")),
                name="report_period_due_after_end",
                violation_error_message=_(
                    "The report can be due on the period's last day at the earliest."
                ),
            ),
        ]

    def __str__(self):
        return self.title


class ModelLibrary(models.Model):
    """A library appointed as a model library of a programme: its development project."""

    programme = models.ForeignKey(
        "portal.Programme",
        on_delete=models.CASCADE,
        related_name="model_libraries",
        verbose_name=_("programme"),
    )
    library = models.ForeignKey(
        "portal.Library",
        on_delete=models.PROTECT,
        related_name="model_library_projects",
        verbose_name=_("library"),
    )
    title = models.CharField(_("project title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    competence_areas = models.ManyToManyField(
        "portal.CompetenceArea",
        blank=True,
        related_name="model_libraries",
        verbose_name=_("competence areas it builds"),
    )
    contact_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="model_library_contacts",
        verbose_name=_("contact people"),
    )
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointed by"),
    )
    created_at = models.DateTimeField(_("appointed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("model library")
        verbose_name_plural = _("model libraries")
        ordering = ["programme", "library__county__number", "library__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")),
                name="model_library_ends_after_start",
                violation_error_message=_("The project must end on or after the day it starts."),
            ),
            models.UniqueConstraint(
                fields=["programme", "library"], name="model_library_once_per_programme"
            ),
        ]

    def __str__(self):
        return f"{self.library}: {self.title}"


class Goal(models.Model):
    model_library = models.ForeignKey(
        ModelLibrary,
        on_delete=models.CASCADE,
        related_name="goals",
        verbose_name=_("model library"),
    )
    title = models.CharField(_("goal"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    competence_areas = models.ManyToManyField(
        "portal.CompetenceArea",
        blank=True,
        related_name="model_library_goals",
        verbose_name=_("competence areas"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["model_library", "position", "id"]

    def __str__(self):
        return self.title


class Unit(models.TextChoices):
    NUMBER = "number", _("Number")
    PERCENT = "percent", _("Percent")
    YES_NO = "yes_no", _("Yes/no")
    TEXT = "text", _("Text")


NUMERIC_UNITS = (Unit.NUMBER, Unit.PERCENT, Unit.YES_NO)


def _plain(number: Decimal) -> int | Decimal:
    """12.00 → 12, 12.50 → 12.5 (never in exponent notation)."""
    if number == number.to_integral_value():
        return int(number)
    return Decimal(format(number.normalize(), "f"))


def value_display(unit: str, number: Decimal | None, text: str = "") -> str:
    """A value as a person reads it: “42”, “85 %”, “Yes”, or the text."""
    if unit == Unit.TEXT:
        return text
    if number is None:
        return ""
    if unit == Unit.YES_NO:
        return str(_("Yes") if number else _("No"))
    shown = formats.number_format(_plain(number))
    return f"{shown} %" if unit == Unit.PERCENT else shown


YES, NO = "yes", "no"


def value_parse(unit: str, raw) -> tuple[Decimal | None, str]:
    """A value as typed in a form, checked against its unit: (number, text).

    Numbers take a decimal comma or point; a percent is 0–100; yes/no is "yes" or "no" (stored
    as 1 and 0, so it can be drawn); empty is (None, ""). Raises ValidationError with a message
    in the person's language."""
    raw = ("" if raw is None else str(raw)).strip()
    if not raw:
        return None, ""
    if unit == Unit.TEXT:
        return None, raw
    if unit == Unit.YES_NO:
        if raw not in (YES, NO):
            raise ValidationError(gettext("Choose yes or no."))
        return Decimal(1 if raw == YES else 0), ""
    try:
        number = Decimal(raw.replace(" ", "").replace("\u00a0", "").replace(",", "."))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError(gettext("Enter a number, for example 12 or 12,5."))
    if abs(number) >= 10**10 or number != number.quantize(Decimal("0.01")):
        raise ValidationError(gettext("Enter a number with at most two decimals."))
    if unit == Unit.PERCENT and not 0 <= number <= 100:
        raise ValidationError(gettext("A percent must be between 0 and 100."))
    return number, ""


def value_raw(unit: str, number: Decimal | None, text: str = "") -> str:
    """A stored value as a form shows it again (the inverse of `value_parse`)."""
    if unit == Unit.TEXT:
        return text
    if number is None:
        return ""
    if unit == Unit.YES_NO:
        return YES if number else NO
    return str(_plain(number)).replace(".", ",")


def _percent_within_range(prefix: str) -> Q:
    return Q(**{f"{prefix}__isnull": True}) | Q(**{f"{prefix}__gte": 0, f"{prefix}__lte": 100})


class Indicator(models.Model):
    """What shows progress towards a goal: a unit, a baseline and a target."""

    class PortalFigure(models.TextChoices):
        NONE = "", _("None")
        GATHERING = "gathering", _("Share of the library's staff who attended a gathering")
        SURVEY = "survey", _("Share of the library's staff who answered the survey")
        LEARNING = "learning", _("Share of the library's staff who completed the learning arena")

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("goal")
    )
    name = models.CharField(_("indicator"), max_length=300)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.NUMBER)
    baseline_number = models.DecimalField(
        _("baseline"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    baseline_text = models.CharField(_("baseline (text)"), max_length=500, blank=True)
    baseline_on = models.DateField(_("baseline date"), null=True, blank=True)
    target_number = models.DecimalField(
        _("target"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    target_text = models.CharField(_("target (text)"), max_length=500, blank=True)
    target_on = models.DateField(_("target date"), null=True, blank=True)
    portal_figure = models.CharField(
        _("the portal's own figure"),
        max_length=10,
        choices=PortalFigure.choices,
        blank=True,
        default=PortalFigure.NONE,
        help_text=_("Shown beside the reported values, so the two can be compared."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["goal", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_on__isnull=True)
                | Q(target_on__isnull=True)
                | Q(target_on__gte=models.F("baseline_on")),
                name="indicator_target_after_baseline",
                violation_error_message=_("The target date must be on or after the baseline date."),
            ),
            models.CheckConstraint(
                condition=~Q(unit=Unit.PERCENT)
                | _percent_within_range("baseline_number") & _percent_within_range("target_number"),
                name="indicator_percent_within_range",
                violation_error_message=_("A percent must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_numeric(self) -> bool:
        return self.unit in NUMERIC_UNITS

    @property
    def baseline_display(self) -> str:
        return value_display(self.unit, self.baseline_number, self.baseline_text)

    @property
    def target_display(self) -> str:
        return value_display(self.unit, self.target_number, self.target_text)


class Milestone(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        STARTED = "started", _("Started")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.PLANNED, Status.STARTED)

    model_library = models.ForeignKey(
        ModelLibrary,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("model library"),
    )
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="milestones",
        verbose_name=_("goal"),
    )
    title = models.CharField(_("milestone"), max_length=300)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["model_library", "due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False),
                name="milestone_done_has_date",
                violation_error_message=_("Give the date the milestone was done."),
            )
        ]

    def __str__(self):
        return self.title

    def is_late(self, today: date) -> bool:
        """Still open after its due date (a milestone done late is done, not late)."""
        return self.status in self.OPEN_STATUSES and self.due_on < today


class PlanAnchoring(models.Model):
    """A plan the library's work is anchored in (the measure of the programme's political goals)."""

    class Kind(models.TextChoices):
        MASTER = "master", _("Municipal master plan")
        SECTOR = "sector", _("Municipal sector plan")
        REGIONAL = "regional", _("Regional plan for culture or libraries")
        LIBRARY = "library", _("The library's own plan")
        OTHER = "other", _("Other plan")

    class Level(models.TextChoices):
        MUNICIPAL = "municipal", _("Municipal")
        REGIONAL = "regional", _("Regional")

    class Status(models.TextChoices):
        NOT_MENTIONED = "not_mentioned", _("Not mentioned")
        MENTIONED = "mentioned", _("Mentioned")
        ADOPTED = "adopted", _("Adopted with library content")

    model_library = models.ForeignKey(
        ModelLibrary,
        on_delete=models.CASCADE,
        related_name="plans",
        verbose_name=_("model library"),
    )
    kind = models.CharField(_("kind of plan"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name of the plan"), max_length=300)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.NOT_MENTIONED
    )
    decided_on = models.DateField(_("date of the decision"), null=True, blank=True)
    link = models.URLField(_("link to the plan or decision"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("plan anchoring")
        verbose_name_plural = _("plan anchoring")
        ordering = ["model_library", "level", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="adopted") | Q(decided_on__isnull=False),
                name="plan_adopted_has_decision_date",
                violation_error_message=_(
                    "Give the date the plan was adopted with library content."
                ),
            )
        ]

    def __str__(self):
        return self.name


class PlanAnchoringChange(models.Model):
    """One state of a plan anchoring, as it was set: the plan's history."""

    plan = models.ForeignKey(
        PlanAnchoring, on_delete=models.CASCADE, related_name="history", verbose_name=_("plan")
    )
    report = models.ForeignKey(
        "ProgressReport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plan_changes",
        verbose_name=_("report"),
    )
    level = models.CharField(_("level"), max_length=10, choices=PlanAnchoring.Level.choices)
    status = models.CharField(_("status"), max_length=15, choices=PlanAnchoring.Status.choices)
    decided_on = models.DateField(_("date of the decision"), null=True, blank=True)
    link = models.URLField(_("link"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    changed_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan anchoring change")
        verbose_name_plural = _("plan anchoring history")
        ordering = ["plan", "changed_at", "id"]

    def __str__(self):
        return f"{self.plan}: {self.get_status_display()}"


class ProgressReport(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")

    # The library writes while a report is a draft or returned; otherwise it is read-only.
    EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)

    model_library = models.ForeignKey(
        ModelLibrary,
        on_delete=models.CASCADE,
        related_name="reports",
        verbose_name=_("model library"),
    )
    period = models.ForeignKey(
        # RESTRICT: a period with reports cannot be deleted on its own, but deleting the whole
        # programme takes the periods and the reports together.
        ReportPeriod,
        on_delete=models.RESTRICT,
        related_name="reports",
        verbose_name=_("period"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    activities = models.TextField(_("what we did"), blank=True)
    results = models.TextField(_("results and effects"), blank=True)
    challenges = models.TextField(_("challenges"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    # The report as it was approved (indicators, values, milestones, plans), never changed after.
    frozen = models.JSONField(_("content at approval"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["model_library", "period__starts_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["model_library", "period"], name="report_once_per_period"
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(frozen__isnull=False),
                name="report_approved_is_frozen",
            ),
        ]

    def __str__(self):
        return f"{self.model_library.library}: {self.period}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    def is_overdue(self, today: date) -> bool:
        return self.status in self.EDITABLE_STATUSES and self.period.due_on < today


class IndicatorValue(models.Model):
    """The value of an indicator reported in one report: a point of the indicator's time series.

    The unit is copied from the indicator when the value is written, so the database can hold
    each value to its unit (a percent within 0–100, yes/no as 1/0)."""

    indicator = models.ForeignKey(
        # RESTRICT: an indicator with reported values cannot be deleted on its own, but deleting
        # the project takes the indicators and the reports' values together.
        Indicator,
        on_delete=models.RESTRICT,
        related_name="values",
        verbose_name=_("indicator"),
    )
    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="indicator_values",
        verbose_name=_("report"),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    number = models.DecimalField(_("value"), max_digits=12, decimal_places=2, null=True, blank=True)
    text = models.TextField(_("value (text)"), blank=True)
    comment = models.CharField(_("comment"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "report__period__starts_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "report"], name="indicator_value_once_per_report"
            ),
            models.CheckConstraint(
                condition=Q(unit=Unit.TEXT, number__isnull=True)
                | Q(unit__in=[Unit.NUMBER, Unit.PERCENT], number__isnull=False)
                | Q(unit=Unit.YES_NO, number__in=[0, 1]),
                name="indicator_value_matches_unit",
            ),
            models.CheckConstraint(
                condition=~Q(unit=Unit.PERCENT) | Q(number__gte=0, number__lte=100),
                name="indicator_value_percent_within_range",
                violation_error_message=_("A percent must be between 0 and 100."),
            ),
        ]

    def __str__(self):
        return f"{self.indicator}: {self.display}"

    @property
    def display(self) -> str:
        return value_display(self.unit, self.number, self.text)


class MilestoneUpdate(models.Model):
    """A milestone's status as a report gives it; applied to the milestone on submission."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="milestone_updates",
        verbose_name=_("report"),
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="updates", verbose_name=_("milestone")
    )
    status = models.CharField(_("status"), max_length=10, choices=Milestone.Status.choices)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("milestone update")
        verbose_name_plural = _("milestone updates")
        ordering = ["report", "milestone__due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "milestone"], name="milestone_update_once_per_report"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False),
                name="milestone_update_done_has_date",
                violation_error_message=_("Give the date the milestone was done."),
            ),
        ]

    def __str__(self):
        return f"{self.milestone}: {self.get_status_display()}"


class ReportComment(models.Model):
    """A comment on a report: the coordinator's reason for returning it, or a reader's note."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        RETURNED = "returned", _("Returned for changes")
        APPROVED = "approved", _("Approved")

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="comments", verbose_name=_("report")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COMMENT)
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("report comment")
        verbose_name_plural = _("report comments")
        ordering = ["report", "created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text[:40]}"


class ReportAttachment(models.Model):
    """A file sent with a report (checked by type and content, size-limited, served by a view
    that asks the policy)."""

    report = models.ForeignKey(
        ProgressReport,
        on_delete=models.CASCADE,
        related_name="attachments",
        verbose_name=_("report"),
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["report", "uploaded_at", "id"]

    def __str__(self):
        return self.name
