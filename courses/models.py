"""The course series: courses, their physical gatherings, and who registered for them.

A course belongs to a programme; a course with a county is run by that county's coordinator, a
course without one is programme-wide and run by the project leader. Each gathering (samling) has
its own capacity and waiting list.

Seats: a registration holds a seat while it is confirmed, awaiting its library leader's approval,
attended or absent, and while a freed seat is offered to it from the waiting list
(`Registration.SEAT_STATUSES`). A registration awaiting approval keeps the seat it got, so that
the leader's "yes" can never find the gathering full; a "no" frees the seat for the first on the
waiting list. A seat offer (as pretix's waiting-list vouchers) is open for a limited time: taken,
declined or expired, and then the seat passes on.

Registration questions: a course asks its own questions (diet, accessibility, library role ...).
Answers to personal questions are seen only by those who organise the gathering and are deleted
after it (`courses.tasks.registration_personal_answers_purge`).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Course(models.Model):
    class Audience(models.TextChoices):
        PROGRAMME = "programme", _("The whole programme")
        COUNTIES = "counties", _("Chosen counties")

    programme = models.ForeignKey(
        "portal.Programme",
        on_delete=models.CASCADE,
        related_name="courses",
        verbose_name=_("programme"),
    )
    county = models.ForeignKey(
        "portal.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="courses",
        verbose_name=_("county"),
        help_text=_("Empty for a programme-wide course run by the project leader."),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    competence_areas = models.ManyToManyField(
        "portal.CompetenceArea",
        blank=True,
        related_name="courses",
        verbose_name=_("competence areas"),
    )
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.PROGRAMME
    )
    audience_counties = models.ManyToManyField(
        "portal.County",
        blank=True,
        related_name="+",
        verbose_name=_("audience counties"),
        help_text=_("Staff of libraries in these counties may register."),
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
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "county"])]

    def __str__(self):
        return self.title


class Gathering(models.Model):
    """A physical session (samling) of a course, with its own seats and waiting list."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="gatherings", verbose_name=_("course")
    )
    title = models.CharField(
        _("title"), max_length=200, blank=True, help_text=_("For example “Samling 1, Trondheim”.")
    )
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue_name = models.CharField(_("venue"), max_length=200)
    venue_address = models.CharField(_("address"), max_length=300, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    county = models.ForeignKey(
        "portal.County",
        on_delete=models.PROTECT,
        related_name="gatherings",
        verbose_name=_("county"),
    )
    capacity = models.PositiveIntegerField(_("number of seats"), validators=[MinValueValidator(1)])
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_deadline = models.DateTimeField(_("registration deadline"))
    requires_leader_approval = models.BooleanField(
        _("requires the library leader's approval"),
        default=False,
        help_text=_("The applicant's library leader must approve each registration."),
    )
    hours = models.DecimalField(
        _("course hours"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5"))],
        help_text=_("Shown on the course certificate. Leave empty to use the gathering's length."),
    )
    fee_note = models.CharField(_("fee"), max_length=300, blank=True)
    travel_note = models.CharField(_("travel and accommodation"), max_length=300, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    evaluation_survey = models.ForeignKey(
        "surveys.Survey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="evaluated_gatherings",
        verbose_name=_("evaluation survey"),
    )
    evaluation_invited_at = models.DateTimeField(
        _("evaluation invitations sent"), null=True, blank=True
    )
    # Bumped on every change registrants are told about, so calendars replace the old event.
    sequence = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    personal_answers_deleted_at = models.DateTimeField(
        _("personal answers deleted"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("gathering")
        verbose_name_plural = _("gatherings")
        ordering = ["starts_at", "id"]
        # The services check these rules first, with the same words; the constraints are the
        # last guard (and give the admin the person's language, never a constraint name).
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="gathering_ends_after_start",
                violation_error_message=_("The gathering must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(registration_opens_at__isnull=True)
                | Q(registration_deadline__gt=models.F("registration_opens_at")),
                name="gathering_deadline_after_opening",
                violation_error_message=_("Registration must open before the deadline."),
            ),
        ]

    def __str__(self):
        return self.title or f"{self.course} – {self.venue_name}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def course_hours(self) -> Decimal:
        if self.hours is not None:
            return self.hours
        seconds = (self.ends_at - self.starts_at).total_seconds()
        return (Decimal(seconds) / Decimal(3600)).quantize(Decimal("0.1"))


class GatheringCost(models.Model):
    """What a gathering cost (NOK), recorded by those who organise it, charged to one of the
    programme's funding sources. The dashboard's budget counts it in the gathering's county."""

    class Kind(models.TextChoices):
        VENUE = "venue", _("Venue")
        SPEAKERS = "speakers", _("Speakers' fees")
        TRAVEL = "travel", _("Travel")
        CATERING = "catering", _("Catering")
        OTHER = "other", _("Other")

    gathering = models.ForeignKey(
        Gathering, on_delete=models.CASCADE, related_name="costs", verbose_name=_("gathering")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    amount = models.DecimalField(
        _("amount (NOK)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    funding_source = models.ForeignKey(
        "portal.FundingSource",
        on_delete=models.PROTECT,
        related_name="gathering_costs",
        verbose_name=_("charged to"),
    )

    class Meta:
        verbose_name = _("gathering cost")
        verbose_name_plural = _("gathering costs")
        ordering = ["gathering", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="gathering_cost_not_negative",
                violation_error_message=_("A cost cannot be negative."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.amount}"


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITING = "waiting", _("On the waiting list")
        AWAITING_APPROVAL = "awaiting_approval", _("Awaiting the library leader's approval")
        DECLINED = "declined", _("Not approved by the library leader")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")
        OFFERED = "offered", _("A seat is offered")
        OFFER_EXPIRED = "offer_expired", _("The seat offer expired")

    # Statuses of people who have (or had) their seat: the course's registered figures.
    REGISTERED_STATUSES = (
        Status.CONFIRMED,
        Status.AWAITING_APPROVAL,
        Status.ATTENDED,
        Status.ABSENT,
    )
    # Statuses that hold one of the gathering's seats: an open offer counts against capacity,
    # so nobody can take the seat before the person it is offered to has answered.
    SEAT_STATUSES = (*REGISTERED_STATUSES, Status.OFFERED)
    # Statuses of a registration that is still "on": a person has at most one per gathering.
    ACTIVE_STATUSES = (*SEAT_STATUSES, Status.WAITING)
    # A participant of the course (for the learning arena and the certificate).
    PARTICIPANT_STATUSES = (Status.CONFIRMED, Status.ATTENDED)

    gathering = models.ForeignKey(
        Gathering,
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("gathering"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_registrations",
        verbose_name=_("person"),
    )
    library = models.ForeignKey(
        "portal.Library",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="course_registrations",
        verbose_name=_("library"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CONFIRMED, db_index=True
    )
    waiting_position = models.PositiveIntegerField(
        _("place on waiting list"), null=True, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or declined by"),
    )
    decided_at = models.DateTimeField(_("approved or declined"), null=True, blank=True)
    decision_reason = models.TextField(
        _("reason for declining"), blank=True, help_text=_("Shown to the applicant.")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
        help_text=_("Set when a library leader registered the person."),
    )
    offer_expires_at = models.DateTimeField(_("seat offer open until"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["gathering", "waiting_position", "created_at", "id"]
        indexes = [models.Index(fields=["gathering", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["gathering", "user"],
                condition=Q(
                    status__in=[
                        "confirmed",
                        "awaiting_approval",
                        "attended",
                        "absent",
                        "offered",
                        "waiting",
                    ]
                ),
                name="registration_one_active_per_person",
                violation_error_message=_("This person is already registered for the gathering."),
            ),
            models.CheckConstraint(
                condition=Q(status="waiting", waiting_position__isnull=False)
                | (~Q(status="waiting") & Q(waiting_position__isnull=True)),
                name="registration_position_only_when_waiting",
                violation_error_message=_(
                    "Only a registration on the waiting list has a place on it."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.gathering} ({self.get_status_display()})"

    def get_status_display(self) -> str:
        """The status's label. Django's own builds a dict of every choice on each call, and
        hashing each lazy label translates it: nine translations a row on the participant list
        (a fifth of its time), one here."""
        try:
            return str(self.Status(self.status).label)
        except ValueError:  # a value the choices do not know: shown as it is, as Django does
            return self.status

    @property
    def holds_seat(self) -> bool:
        return self.status in self.SEAT_STATUSES

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class RegistrationQuestion(models.Model):
    """A question a course asks everyone who registers for one of its gatherings."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Free text")
        CHOICE = "choice", _("One of several answers")

    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="registration_questions",
        verbose_name=_("course"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("help text"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.TextField(
        _("answers to choose from"),
        blank=True,
        help_text=_("For “one of several answers”: one answer per line."),
    )
    required = models.BooleanField(_("an answer is required"), default=False)
    personal = models.BooleanField(
        _("personal (e.g. diet or accessibility needs)"),
        default=False,
        help_text=_(
            "Only those who organise the gathering see the answers, and they are deleted after "
            "the gathering."
        ),
    )

    class Meta:
        verbose_name = _("registration question")
        verbose_name_plural = _("registration questions")
        ordering = ["course", "position", "id"]

    def __str__(self):
        return self.text

    @property
    def choice_list(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()]


class RegistrationAnswer(models.Model):
    """A registrant's answer to one of the course's registration questions."""

    registration = models.ForeignKey(
        Registration,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("registration"),
    )
    question = models.ForeignKey(
        RegistrationQuestion,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("question"),
    )
    value = models.TextField(_("answer"))

    class Meta:
        verbose_name = _("registration answer")
        verbose_name_plural = _("registration answers")
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "question"],
                name="registration_answer_once",
                violation_error_message=_("This question has already been answered."),
            )
        ]

    def __str__(self):
        return f"{self.question}: {self.value}"


class CalendarFeed(models.Model):
    """A person's private calendar feed: an unguessable token in the URL, no login needed.

    Only the token's hash is stored (portal.tokens). The token is derived from SECRET_KEY, the
    person and `issued_at`, so the calendar page can show the address again; reissuing changes
    `issued_at` (the old address stops working), revoking deletes the feed.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_calendar_feed",
        verbose_name=_("person"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # None for an address made before tokens were derived: it keeps working, but cannot be shown.
    issued_at = models.DateTimeField(_("issued"), null=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return str(self.user)
