from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .cache import FALLBACK_TABLE


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. E-mail is the login; site admins are `is_superuser`."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
    )
    is_staff = models.BooleanField(
        _("admin access"),
        default=False,
        help_text=_("May log in to the site administration."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    erased_at = models.DateTimeField(
        _("erased"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The person's data was erased; the account is kept only as a placeholder."),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["full_name", "email"]

    def __str__(self):
        return self.get_full_name()

    def get_full_name(self):
        return self.name_shown(full_name=self.full_name, email=self.email, erased_at=self.erased_at)

    @staticmethod
    def name_shown(*, full_name: str, email: str, erased_at) -> str:
        """How a person is named on a page, from their columns (a list that reads them with its
        rows names its people without building each one)."""
        if erased_at:
            return str(_("Erased person"))
        return full_name or email

    def get_short_name(self):
        return (self.full_name.split(" ")[0] if self.full_name else "") or self.email


class County(models.Model):
    """A county (fylke), numbered as in 2011."""

    number = models.CharField(_("number"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_historical = models.BooleanField(
        _("historical"),
        default=False,
        help_text=_("The county no longer exists (e.g. after a merger)."),
    )

    class Meta:
        verbose_name = _("county")
        verbose_name_plural = _("counties")
        ordering = ["number"]

    def __str__(self):
        return self.name


class Library(models.Model):
    class Kind(models.TextChoices):
        COUNTY = "county", _("County library")
        PUBLIC = "public", _("Public library")
        OTHER = "other", _("Other library")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PUBLIC)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="libraries", verbose_name=_("county")
    )
    municipality_number = models.CharField(
        _("municipality number"), max_length=4, blank=True, help_text=_("Four digits, e.g. 1601.")
    )
    isil = models.CharField(
        _("ISIL code"), max_length=16, blank=True, help_text=_("For example NO-2030000.")
    )

    class Meta:
        verbose_name = _("library")
        verbose_name_plural = _("libraries")
        ordering = ["county__number", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["isil"], condition=~Q(isil=""), name="library_isil_unique_when_set"
            ),
            models.UniqueConstraint(
                fields=["county", "name"], name="library_name_unique_in_county"
            ),
        ]

    def __str__(self):
        return self.name


class Programme(models.Model):
    """A competence programme run jointly by several county libraries."""

    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    lead_county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        related_name="led_programmes",
        verbose_name=_("lead county"),
    )
    counties = models.ManyToManyField(
        County, related_name="programmes", verbose_name=_("participating counties")
    )

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="programme_ends_after_start",
            )
        ]

    def __str__(self):
        return self.name


class CompetenceArea(models.Model):
    """A competence area (kompetanseområde) of a programme; tags questions, courses and goals."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="competence_areas",
        verbose_name=_("programme"),
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name (Bokmål)"), max_length=120)
    name_nn = models.CharField(_("name (Nynorsk)"), max_length=120, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("competence area")
        verbose_name_plural = _("competence areas")
        ordering = ["programme", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="area_code_unique")
        ]

    def __str__(self):
        return self.localized_name

    @property
    def localized_name(self):
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language.startswith("nn") and self.name_nn:
            return self.name_nn
        if language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class FundingSource(models.Model):
    programme = models.ForeignKey(
        Programme, on_delete=models.CASCADE, related_name="funding", verbose_name=_("programme")
    )
    name = models.CharField(_("funder"), max_length=200)
    amount = models.DecimalField(_("amount (NOK)"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # A county's own contribution names its county; the grant (and any other money for the
    # whole programme) names none. The dashboard's budget sets each county's money against
    # the costs in that county.
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funding",
        verbose_name=_("county contributing"),
        help_text=_("Leave empty for money for the whole programme, such as the grant."),
    )

    class Meta:
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        ordering = ["programme", "-amount"]

    def __str__(self):
        return f"{self.name}: {self.amount}"


class RoleAssignment(models.Model):
    """One role a person holds. A person can hold several.

    project leader → programme; county coordinator → programme + county;
    library leader and staff → library.
    """

    class Role(models.TextChoices):
        PROJECT_LEADER = "project_leader", _("Project leader")
        COORDINATOR = "coordinator", _("County coordinator")
        LIBRARY_LEADER = "library_leader", _("Library leader")
        STAFF = "staff", _("Staff")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="roles",
        verbose_name=_("person"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("programme"),
    )
    county = models.ForeignKey(
        County,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("county"),
    )
    library = models.ForeignKey(
        Library,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("library"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    Q(
                        role="project_leader",
                        programme__isnull=False,
                        county__isnull=True,
                        library__isnull=True,
                    )
                    | Q(
                        role="coordinator",
                        programme__isnull=False,
                        county__isnull=False,
                        library__isnull=True,
                    )
                    | Q(
                        role__in=["library_leader", "staff"],
                        programme__isnull=True,
                        county__isnull=True,
                        library__isnull=False,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "programme", "county", "library"],
                nulls_distinct=False,
                name="role_assignment_unique",
            ),
        ]

    def __str__(self):
        scope = self.library or self.county or self.programme
        if self.role == self.Role.COORDINATOR:
            scope = f"{self.county}, {self.programme}"
        return f"{self.user}: {self.get_role_display()} ({scope})"


class Invitation(models.Model):
    """An invitation by e-mail to join a library's staff; sign-up is by invitation only."""

    class Role(models.TextChoices):
        STAFF = "staff", _("Staff")
        LIBRARY_LEADER = "library_leader", _("Library leader")

    email = models.EmailField(_("e-mail address"))
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    library = models.ForeignKey(
        Library, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("library")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.STAFF)
    language = models.CharField(
        _("language of the invitation"),
        max_length=5,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The e-mail is written in this language; the person can change it later."),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_sent_at = models.DateTimeField(_("last sent"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email", "library"],
                condition=Q(accepted_at__isnull=True),
                name="one_open_invitation_per_library",
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.library}"

    @property
    def is_open(self):
        return self.accepted_at is None and self.expires_at > timezone.now()

    @property
    def is_expired(self):
        return self.accepted_at is None and self.expires_at <= timezone.now()


class PersonalDataExport(models.Model):
    """A person's "export my data" request: a ZIP made by a task, downloadable by that person."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("person"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(_("file"), upload_to="personal-data/", blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("personal data export")
        verbose_name_plural = _("personal data exports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M}"


class AuditLogEntry(models.Model):
    """Changes that matter to a county, logged from services with a dotted action name."""

    action = models.CharField(_("action"), max_length=80, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    county = models.ForeignKey(
        County, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("county")
    )
    object_type = models.CharField(_("object type"), max_length=80)
    object_id = models.CharField(_("object id"), max_length=40)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"


class OutboxMessage(models.Model):
    """A side effect (an e-mail, a follow-up task) recorded in the transaction of the write it
    follows from, and delivered by a worker exactly once (see portal/outbox.py)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting to be delivered")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed")

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    key = models.CharField(
        _("idempotency key"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("A second message with the same key is not recorded."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    available_at = models.DateTimeField(
        _("next attempt"), help_text=_("The relay delivers it from this time on.")
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["available_at"],
                condition=Q(status="pending"),
                name="outbox_pending_due",
            ),
            models.Index(
                fields=["created_at"],
                condition=Q(status="pending"),
                name="outbox_pending_age",
            ),
        ]

    def __str__(self):
        return f"{self.task}{tuple(self.args)}"


class ScheduledRun(models.Model):
    """When a beat task last ran: /healthz tells monitoring whether beat is alive."""

    task = models.CharField(_("task"), max_length=200, primary_key=True)
    ran_at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")

    def __str__(self):
        return self.task


class CacheFallbackEntry(models.Model):
    """The table the cache falls back to while Redis is unreachable (portal/cache.py).

    Laid out as Django's DatabaseCache expects (`createcachetable`), made by a migration so that
    every database has it."""

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = FALLBACK_TABLE
        verbose_name = _("cache entry")
        verbose_name_plural = _("cache entries")

    def __str__(self):
        return self.cache_key


class TableVersion(models.Model):
    """A token for the state of one table's rows, as last written through one database
    connection (`backend`: the PostgreSQL backend's process id).

    Written only by the database: a trigger on each table whose state figures are cached from
    (see `portal.table_versions`) puts a new random token here in the statement that writes the
    table, so the token commits (or rolls back) with the rows. One row per connection, so two
    writers never wait for each other here. The state of a table is all its rows' tokens
    together: any committed write changes it, and it never comes back."""

    table_name = models.CharField(max_length=63)
    backend = models.IntegerField()
    token = models.UUIDField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["table_name", "backend"], name="table_version_unique")
        ]
        verbose_name = _("table version")
        verbose_name_plural = _("table versions")

    def __str__(self):
        return f"{self.table_name}@{self.backend}"


class FunderReport(models.Model):
    """A generated report to the funder: a PDF and a DOCX of the programme's dashboard for a year
    (or the whole programme), in a chosen language, with the project leader's foreword and a
    comment per section. Made by a task (portal.reports); kept, listed and downloadable."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being generated")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    programme = models.ForeignKey(
        Programme,
        on_delete=models.CASCADE,
        related_name="funder_reports",
        verbose_name=_("programme"),
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, help_text=_("Empty: the whole programme period.")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    foreword = models.TextField(_("foreword"), blank=True)
    # {section key: comment}; the sections are the dashboard's (portal.reports.report_sections).
    comments = models.JSONField(_("comments per section"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # Written only by the generating service, 0 to 100; no form reaches it.
    progress = models.PositiveSmallIntegerField(_("progress (per cent)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="funder-reports/", blank=True)
    docx = models.FileField(_("DOCX"), upload_to="funder-reports/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last change"), auto_now=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("report to the funder")
        verbose_name_plural = _("reports to the funder")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["programme", "-created_at"])]

    def __str__(self):
        return f"{self.programme} {self.year or ''} {self.language}".strip()

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE
