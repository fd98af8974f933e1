"""The competence-needs survey: its structure, who was asked, and the answers.

Texts that builders write (titles, questions, labels) are stored per language as
{"nb": ..., "nn": ..., "en": ...}; `surveys.texts.localized` picks one.

Who has answered (Participation) and what was answered (Response) are deliberately not linked:
for an anonymous survey it must be impossible to join them in the database.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .texts import localized


def default_languages() -> list[str]:
    return ["nb", "nn", "en"]


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ARCHIVED = "archived", _("Archived")

    class Anonymity(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous")
        CONFIDENTIAL = "confidential", _("Confidential")

    class Audience(models.TextChoices):
        PROGRAMME = "programme", _("The whole programme")
        COUNTIES = "counties", _("Chosen counties")
        LIBRARIES = "libraries", _("Chosen libraries")

    programme = models.ForeignKey(
        "portal.Programme",
        on_delete=models.CASCADE,
        related_name="surveys",
        verbose_name=_("programme"),
    )
    county = models.ForeignKey(
        "portal.County",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="surveys",
        verbose_name=_("county"),
        help_text=_("Empty for a programme-wide survey run by the project leader."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    title = models.JSONField(_("title"), default=dict, blank=True)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    anonymity = models.CharField(
        _("anonymity"), max_length=12, choices=Anonymity.choices, default=Anonymity.ANONYMOUS
    )
    min_group_size = models.PositiveSmallIntegerField(
        _("minimum group size"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("No figure about fewer respondents than this is shown or exported."),
    )
    retention_days = models.PositiveIntegerField(
        _("retention period (days)"),
        default=730,
        validators=[MinValueValidator(1)],
        help_text=_("After this many days from closing, raw answers are deleted."),
    )
    raw_answers_purged_at = models.DateTimeField(_("raw answers deleted"), null=True, blank=True)
    audience = models.CharField(
        _("audience"), max_length=10, choices=Audience.choices, default=Audience.PROGRAMME
    )
    audience_counties = models.ManyToManyField(
        "portal.County", blank=True, related_name="+", verbose_name=_("audience counties")
    )
    audience_libraries = models.ManyToManyField(
        "portal.Library", blank=True, related_name="+", verbose_name=_("audience libraries")
    )
    open_link_enabled = models.BooleanField(
        _("open link"),
        default=False,
        help_text=_("Anyone with the link may answer anonymously, without an invitation."),
    )
    open_link_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    baseline = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("baseline survey"),
    )
    reminder_interval_days = models.PositiveSmallIntegerField(
        _("days between reminders"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Leave empty to send no reminders."),
    )
    max_reminders = models.PositiveSmallIntegerField(
        _("maximum number of reminders"), default=2, validators=[MaxValueValidator(10)]
    )
    languages = models.JSONField(_("languages"), default=default_languages, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["programme", "county"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__isnull=True)
                | Q(opens_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_opening",
            )
        ]

    def __str__(self):
        return self.localized_title or f"#{self.pk}"

    @property
    def localized_title(self) -> str:
        return localized(self.title)

    @property
    def localized_intro(self) -> str:
        return localized(self.intro)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_anonymous(self) -> bool:
        return self.anonymity == self.Anonymity.ANONYMOUS

    @property
    def group_size_threshold(self) -> int:
        """The minimum group size in force: the survey's, never below the portal's floor
        (SURVEYS_MIN_GROUP_SIZE_FLOOR), also for a survey stored or imported with less."""
        return max(self.min_group_size, settings.SURVEYS_MIN_GROUP_SIZE_FLOOR)

    def accepts_answers(self, now=None) -> bool:
        """Open, and inside its dates."""
        now = now or timezone.now()
        return (
            self.status == self.Status.OPEN
            and (self.opens_at is None or self.opens_at <= now)
            and (self.closes_at is None or now < self.closes_at)
        )


class Page(models.Model):
    """A section of a survey; respondents see one page at a time."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="pages", verbose_name=_("survey")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.JSONField(_("title"), default=dict, blank=True)
    intro = models.JSONField(_("introduction"), default=dict, blank=True)
    condition_question = models.ForeignKey(
        "Question",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shown only when question"),
    )
    condition_value = models.CharField(_("has the answer"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ["survey", "position", "id"]

    def __str__(self):
        return self.localized_title or f"{self.position}"

    @property
    def localized_title(self) -> str:
        return localized(self.title)

    @property
    def localized_intro(self) -> str:
        return localized(self.intro)


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("Likert scale")
        MATRIX = "matrix", _("Matrix (several statements on one scale)")
        SINGLE_CHOICE = "single_choice", _("Single choice")
        MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NUMBER = "number", _("Number")
        COMPETENCE_PAIR = "competence_pair", _("Competence pair (importance and competence)")

    SCALE_KINDS = frozenset({Kind.LIKERT, Kind.MATRIX, Kind.COMPETENCE_PAIR})
    STATEMENT_KINDS = frozenset({Kind.MATRIX, Kind.COMPETENCE_PAIR})
    OPTION_KINDS = frozenset({Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE})
    TEXT_KINDS = frozenset({Kind.SHORT_TEXT, Kind.LONG_TEXT})

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey")
    )
    page = models.ForeignKey(
        Page, on_delete=models.CASCADE, related_name="questions", verbose_name=_("page")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.SlugField(
        _("code"), max_length=40, help_text=_("A short name used in exports, e.g. q1.")
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    text = models.JSONField(_("question"), default=dict, blank=True)
    help_text = models.JSONField(_("help text"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=False)
    competence_area = models.ForeignKey(
        "portal.CompetenceArea",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_questions",
        verbose_name=_("competence area"),
    )
    scale_min = models.SmallIntegerField(_("scale from"), default=1)
    scale_max = models.SmallIntegerField(_("scale to"), default=5)
    scale_labels = models.JSONField(_("scale labels"), default=dict, blank=True)
    allow_dont_know = models.BooleanField(_("offer “don't know”"), default=False)
    allow_other = models.BooleanField(_("offer “other” with a text"), default=False)
    number_min = models.DecimalField(
        _("smallest number"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    number_max = models.DecimalField(
        _("largest number"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    condition_question = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shown only when question"),
    )
    condition_value = models.CharField(_("has the answer"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["survey", "page__position", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="question_code_unique"),
            models.CheckConstraint(
                condition=Q(scale_max__gt=models.F("scale_min")), name="question_scale_order"
            ),
        ]

    def __str__(self):
        return f"{self.code}: {localized(self.text)}"

    @property
    def localized_text(self) -> str:
        return localized(self.text)

    @property
    def localized_help_text(self) -> str:
        return localized(self.help_text)

    @property
    def scale_points(self) -> list[int]:
        return list(range(self.scale_min, self.scale_max + 1))

    def scale_label(self, point: int, language: str | None = None) -> str:
        """The label of one point, or the number itself when none was written."""
        labels = self.scale_labels or {}
        index = point - self.scale_min
        from .texts import DEFAULT_LANGUAGE, normalize_language

        for code in (normalize_language(language), DEFAULT_LANGUAGE):
            values = labels.get(code) or []
            if 0 <= index < len(values) and values[index]:
                return str(values[index])
        return str(point)


class Option(models.Model):
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="options", verbose_name=_("question")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    value = models.CharField(_("stored value"), max_length=100)
    label = models.JSONField(_("label"), default=dict, blank=True)

    class Meta:
        verbose_name = _("option")
        verbose_name_plural = _("options")
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "value"], name="option_value_unique")
        ]

    def __str__(self):
        return self.localized_label or self.value

    @property
    def localized_label(self) -> str:
        return localized(self.label)


class Statement(models.Model):
    """A row of a matrix or competence-pair question."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="statements", verbose_name=_("question")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    code = models.CharField(_("code"), max_length=40)
    text = models.JSONField(_("statement"), default=dict, blank=True)
    competence_area = models.ForeignKey(
        "portal.CompetenceArea",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_statements",
        verbose_name=_("competence area"),
        help_text=_("Empty: the question's competence area."),
    )

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["question", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["question", "code"], name="statement_code_unique")
        ]

    def __str__(self):
        return self.localized_text or self.code

    @property
    def localized_text(self) -> str:
        return localized(self.text)


class Participation(models.Model):
    """Who was asked and whether they have answered; never linked to their Response."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="participations", verbose_name=_("survey")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="survey_participations",
        verbose_name=_("person"),
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Part of the personal link: raised when the link is revoked or re-issued, so an earlier
    # link never works again.
    link_version = models.PositiveIntegerField(default=0, editable=False)
    link_revoked_at = models.DateTimeField(_("link revoked"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    invited_at = models.DateTimeField(_("invited"), default=timezone.now)
    invitation_sent_at = models.DateTimeField(_("invitation sent"), null=True, blank=True)
    last_reminded_at = models.DateTimeField(_("last reminded"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        ordering = ["survey", "invited_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "user"], name="participation_unique")
        ]

    def __str__(self):
        return f"{self.user} → {self.survey}"


class Response(models.Model):
    """One respondent's answers. Anonymous: only county, library and role are kept."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    county = models.ForeignKey(
        "portal.County",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("county"),
    )
    library = models.ForeignKey(
        "portal.Library",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("library"),
    )
    role = models.CharField(_("role"), max_length=20, blank=True)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("respondent"),
        help_text=_("Set only for confidential surveys; never shown in results."),
    )
    resume_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    language = models.CharField(_("language"), max_length=5, default="nb")
    current_page = models.SmallIntegerField(_("current page"), default=0)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    # Submitted and not yet in the results' running sums: a submission only marks itself, and
    # the sums are added to after its commit (surveys.results.services.result_tallies_catch_up,
    # by a task, and by any reader of the sums before it reads them, so no figure ever leaves a
    # submission out). Cleared within moments; it says nothing about the person.
    awaiting_sums = models.BooleanField(default=False, db_default=False, editable=False)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["survey", "started_at", "id"]
        indexes = [
            models.Index(fields=["survey", "submitted_at"]),
            # The few responses awaiting the sums, asked for by every reader of a survey's sums.
            models.Index(
                fields=["survey"],
                condition=models.Q(awaiting_sums=True),
                name="response_awaiting_sums",
            ),
        ]

    def __str__(self):
        return f"{self.survey} #{self.pk}"


class Answer(models.Model):
    class Dimension(models.TextChoices):
        NONE = "", _("—")
        IMPORTANCE = "importance", _("Importance")
        COMPETENCE = "competence", _("Competence")

    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("response")
    )
    # No index of its own: answer_item_idx begins with the question and serves every lookup by
    # it (and the cascade), and a submission writes one index entry fewer per answer.
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("question"),
        db_index=False,
    )
    statement = models.ForeignKey(
        Statement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="answers",
        verbose_name=_("statement"),
    )
    dimension = models.CharField(
        _("dimension"), max_length=12, choices=Dimension.choices, blank=True
    )
    number = models.DecimalField(_("number"), max_digits=8, decimal_places=2, null=True, blank=True)
    choice = models.CharField(_("choice"), max_length=100, blank=True)
    text = models.TextField(_("text"), blank=True)
    dont_know = models.BooleanField(_("don't know"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["response", "id"]
        indexes = [
            models.Index(fields=["question", "statement", "dimension"], name="answer_item_idx"),
            # The free-text sample on the results page reads only the answers with text.
            models.Index(
                fields=["question", "id"], condition=~models.Q(text=""), name="answer_text_idx"
            ),
        ]

    def __str__(self):
        return f"{self.question.code}: {self.choice or self.number or self.text}"


class ResultSnapshot(models.Model):
    """The aggregates kept after the raw answers are deleted at the end of the retention period."""

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, related_name="result_snapshot", verbose_name=_("survey")
    )
    computed_at = models.DateTimeField(_("computed"), default=timezone.now)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("result snapshot")
        verbose_name_plural = _("result snapshots")

    def __str__(self):
        return f"{self.survey} ({self.computed_at:%Y-%m-%d})"


class ResultTally(models.Model):
    """Running sums of a survey's submitted answers, so results never re-read every answer.

    One row per cell (county, role and, at the finer grain, library) and per item (a question's
    statement and dimension, a competence area and dimension, or the responses themselves) and
    value. Each submission is added after its commit, and before anyone reads them
    (surveys.results.services.result_tallies_catch_up); the results pages sum the cells of a
    group. They are raw figures: the disclosure rule in surveys.results.selectors applies to
    them exactly as to figures computed from the answers.
    """

    # No index of its own: the unique key below starts with the survey (an index every row's
    # update would also have to keep, for nothing). Its one other index is over the rows without
    # a value only, whose columns never change (so an update of a sum still writes no index).
    survey = models.ForeignKey(
        Survey,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("survey"),
        db_index=False,
    )
    # The cell. Plain ids (0: none) rather than foreign keys: a cell is a sum, not a link.
    by_library = models.BooleanField()
    county_id = models.IntegerField()
    library_id = models.IntegerField()
    role = models.CharField(max_length=20)
    item = models.CharField(max_length=60)
    value = models.CharField(max_length=100)
    n = models.IntegerField(default=0)
    dont_know = models.IntegerField(default=0)
    number_sum = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    number_count = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("result tally")
        verbose_name_plural = _("result tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "by_library", "county_id", "library_id", "role", "item", "value"],
                name="result_tally_cell_unique",
            )
        ]
        indexes = [
            # The sizes the blocks of every new state are formed from (`measure_sizes`): the
            # rows without a value, ~14,000 of a region's ~62,000 per survey at the library
            # grain. Through the unique key the database walked all of them: 6.2 → 2.2 ms.
            models.Index(
                fields=["survey", "by_library"],
                condition=models.Q(value=""),
                name="result_tally_sizes",
            )
        ]

    def __str__(self):
        return f"{self.survey_id} {self.item}={self.value}: {self.n}"


class SurveyStateToken(models.Model):
    """Which state a part of a survey is in: a new random token in the transaction of every write
    of that part, so what is computed from it can be cached under the token. Random rather than
    counted: a token written by a transaction that was rolled back, or by another database, never
    comes back. A table of its own, so that no save of a Survey (from a form, say) can write an
    old token back."""

    survey = models.OneToOneField(
        Survey, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    token = models.UUIDField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.survey_id}: {self.token}"

    @classmethod
    def renew(cls, *, survey_id: int) -> None:
        """A new token, in the writing transaction (an upsert of the survey's one row)."""
        cls.objects.bulk_create(
            [cls(survey_id=survey_id, token=uuid.uuid4())],
            update_conflicts=True,
            unique_fields=["survey"],
            update_fields=["token"],
        )

    @classmethod
    def current(cls, survey: Survey):
        """The token now (None: never written)."""
        return cls.objects.filter(survey=survey).values_list("token", flat=True).first()


class ResultTallyVersion(SurveyStateToken):
    """The state of a survey's running sums (ResultTally), renewed with every write of them
    (surveys.results.services), so the disclosure rule's blocks and the disclosed figures can be
    cached under it (surveys.results)."""

    class Meta:
        verbose_name = _("result tally version")
        verbose_name_plural = _("result tally versions")


class SurveyStructureVersion(SurveyStateToken):
    """The state of a survey's structure (pages, questions, options, statements and their
    texts), renewed with every change of it (the builder's services, the imports, the admin), so
    the answer pages can read the structure from the cache under it (surveys.answering)."""

    class Meta:
        verbose_name = _("survey structure version")
        verbose_name_plural = _("survey structure versions")
