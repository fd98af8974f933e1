"""The job-shadowing exchange (hospiteringsordning): offers, applications, placements, reports.

A host library publishes an `Offer` with one or more `OfferPeriod`s, each with a number of places.
Staff of libraries in the programme's counties apply (`Application`) for dates inside one period.
An application passes three steps in order: the applicant's library leader, the home county's
coordinator, and the host (the host library's leader or the host county's coordinator). Who
decides at each step is the policy's answer (hospitering.permissions); what may happen in which
status is the services' (hospitering.services).

Places: an application takes one of its period's places when the host gives the final approval.
The services lock the period row, count the approved applications and only then write, so a
period is never over-allocated (see `services.application_decide`).

An approved application becomes a `Placement` with confirmed dates, the host's contact, a
programme for the days and `BudgetLine`s (planned and actual NOK, charged to a funding source of
the programme). Afterwards the participant writes a `PlacementReport` and the host gives
`HostFeedback`, both due a set number of days after the placement.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Offer(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open for applications")
        CLOSED = "closed", _("Closed for new applications")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    programme = models.ForeignKey(
        "portal.Programme",
        on_delete=models.CASCADE,
        related_name="exchange_offers",
        verbose_name=_("programme"),
    )
    host_library = models.ForeignKey(
        "portal.Library",
        on_delete=models.PROTECT,
        related_name="exchange_offers",
        verbose_name=_("host library"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what visitors will see and do"), blank=True)
    competence_areas = models.ManyToManyField(
        "portal.CompetenceArea",
        blank=True,
        related_name="exchange_offers",
        verbose_name=_("themes (competence areas)"),
    )
    themes = models.CharField(
        _("other themes"),
        max_length=300,
        blank=True,
        help_text=_("In your own words, for example “reading promotion for young people”."),
    )
    languages = models.CharField(
        _("languages"),
        max_length=200,
        default="norsk",
        help_text=_("For example “norsk, English”."),
    )
    address = models.CharField(_("address"), max_length=300)
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact telephone"), max_length=40, blank=True)
    preparation = models.TextField(_("what to prepare"), blank=True)
    accessibility = models.TextField(_("accessibility"), blank=True)
    helps_with_accommodation = models.BooleanField(
        _("we can help with accommodation"), default=False
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange offer")
        verbose_name_plural = _("exchange offers")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "status"])]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class OfferPeriod(models.Model):
    """A period in which the host can receive visitors, and how many at a time."""

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="periods", verbose_name=_("offer")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    places = models.PositiveSmallIntegerField(
        _("places"), validators=[MinValueValidator(1)], help_text=_("Visitors at a time.")
    )

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="offer_period_ends_after"
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="offer_period_has_places"),
        ]

    def __str__(self):
        return f"{self.starts_on:%d.%m.%Y}–{self.ends_on:%d.%m.%Y}"

    def contains(self, starts_on: date, ends_on: date) -> bool:
        return self.starts_on <= starts_on <= ends_on <= self.ends_on


class Application(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        CHANGES_REQUESTED = "changes", _("Changes asked for")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Step(models.TextChoices):
        LIBRARY_LEADER = "leader", _("The applicant's library leader")
        HOME_COUNTY = "home", _("The home county's coordinator")
        HOST = "host", _("The host")

    # An application still on its way (a person has at most one per offer period).
    ACTIVE_STATUSES = (Status.PENDING, Status.CHANGES_REQUESTED, Status.APPROVED)
    STEPS = (Step.LIBRARY_LEADER, Step.HOME_COUNTY, Step.HOST)

    offer = models.ForeignKey(
        Offer, on_delete=models.CASCADE, related_name="applications", verbose_name=_("offer")
    )
    period = models.ForeignKey(
        OfferPeriod,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("period"),
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="exchange_applications",
        verbose_name=_("applicant"),
    )
    home_library = models.ForeignKey(
        "portal.Library",
        on_delete=models.PROTECT,
        related_name="exchange_applications",
        verbose_name=_("home library"),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    learning_goals = models.TextField(_("learning goals"))
    sharing_plan = models.TextField(_("how the learning will be shared at home"))
    estimated_cost = models.DecimalField(
        _("estimated cost (NOK)"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    budget_note = models.CharField(
        _("budget details"),
        max_length=300,
        blank=True,
        help_text=_("For example travel by train, two nights at a hotel."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    # Whose decision is awaited now; empty while nobody's is (changes asked for, or closed).
    step = models.CharField(  # noqa: DJ001 - NULL reads as "nobody" in the rules
        _("waiting for"),
        max_length=10,
        choices=Step.choices,
        null=True,
        blank=True,
        default=Step.LIBRARY_LEADER,
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("exchange application")
        verbose_name_plural = _("exchange applications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "step"]),
            models.Index(fields=["period", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="application_ends_after"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", step__isnull=False)
                | (~Q(status="pending") & Q(step__isnull=True)),
                name="application_step_only_when_pending",
            ),
            models.UniqueConstraint(
                fields=["period", "applicant"],
                condition=Q(status__in=["pending", "changes", "approved"]),
                name="application_one_active_per_period",
            ),
        ]

    def __str__(self):
        return f"{self.applicant} → {self.offer}"

    @property
    def is_open(self) -> bool:
        """Still waiting: for a decision or for the applicant's changes."""
        return self.status in (self.Status.PENDING, self.Status.CHANGES_REQUESTED)

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class Decision(models.Model):
    """One decision on an application at one step: the application's history."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES = "changes", _("Asked for changes")
        RESUBMITTED = "resubmitted", _("Changed and sent again")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    application = models.ForeignKey(
        Application,
        on_delete=models.CASCADE,
        related_name="decisions",
        verbose_name=_("application"),
    )
    step = models.CharField(_("step"), max_length=10, choices=Application.Step.choices)
    outcome = models.CharField(_("decision"), max_length=12, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    decided_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["application", "decided_at", "id"]

    def __str__(self):
        return f"{self.application_id}: {self.get_step_display()} – {self.get_outcome_display()}"


class Placement(models.Model):
    """An approved application: the confirmed stay, its programme and its budget."""

    application = models.OneToOneField(
        Application,
        on_delete=models.CASCADE,
        related_name="placement",
        verbose_name=_("application"),
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    host_contact = models.CharField(_("host contact"), max_length=300)
    day_programme = models.TextField(_("programme for the days"), blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    report_reminders_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    feedback_reminders_sent = models.PositiveSmallIntegerField(default=0, editable=False)
    # Bumped on every change the participant and host are told about (calendar SEQUENCE).
    sequence = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="placement_ends_after"
            )
        ]

    def __str__(self):
        return str(self.application)

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def due_on(self) -> date:
        """The report and the host's feedback are due this many days after the last day."""
        return self.ends_on + timedelta(days=settings.HOSPITERING_REPORT_DUE_DAYS)


class BudgetLine(models.Model):
    class Kind(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        ACCOMMODATION = "accommodation", _("Accommodation")
        PER_DIEM = "per_diem", _("Per diem")

    placement = models.ForeignKey(
        Placement,
        on_delete=models.CASCADE,
        related_name="budget_lines",
        verbose_name=_("placement"),
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200, blank=True)
    planned = models.DecimalField(
        _("planned (NOK)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    actual = models.DecimalField(
        _("actual (NOK)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funding_source = models.ForeignKey(
        "portal.FundingSource",
        on_delete=models.PROTECT,
        related_name="exchange_budget_lines",
        verbose_name=_("charged to"),
    )

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["placement", "kind", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(planned__gte=0), name="budget_planned_not_negative"),
            models.CheckConstraint(
                condition=Q(actual__isnull=True) | Q(actual__gte=0),
                name="budget_actual_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.planned}"


class PlacementReport(models.Model):
    """What the participant learnt, what will change at home and how it was shared."""

    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, related_name="report", verbose_name=_("placement")
    )
    learnt = models.TextField(_("what I learnt"))
    changes_at_home = models.TextField(_("what will change at home"))
    shared = models.TextField(_("how I shared it"))
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("placement report")
        verbose_name_plural = _("placement reports")

    def __str__(self):
        return str(self.placement)


class HostFeedback(models.Model):
    """The host's short feedback on a placement."""

    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("placement")
    )
    feedback = models.TextField(_("feedback"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("host feedback")
        verbose_name_plural = _("host feedback")

    def __str__(self):
        return str(self.placement)
