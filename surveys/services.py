"""Writes of the surveys app: building a survey, running it, inviting people, answering.

Only a draft's structure can change; an open survey can be extended or closed early.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal import outbox
from portal.audit import audit_log
from portal.models import County, Library, Programme, RoleAssignment, User

from .models import Answer, Option, Page, Participation, Question, Response, Statement, Survey
from .texts import LANGUAGES

Status = Survey.Status
Kind = Question.Kind

SURVEY_FIELDS = (
    "title",
    "intro",
    "anonymity",
    "min_group_size",
    "retention_days",
    "audience",
    "opens_at",
    "closes_at",
    "reminder_interval_days",
    "max_reminders",
    "open_link_enabled",
    "languages",
)
QUESTION_FIELDS = (
    "kind",
    "code",
    "text",
    "help_text",
    "required",
    "competence_area",
    "scale_min",
    "scale_max",
    "scale_labels",
    "allow_dont_know",
    "allow_other",
    "number_min",
    "number_max",
    "condition_question",
    "condition_value",
)


# --- helpers -------------------------------------------------------------------------------


def _texts(value) -> dict:
    """Keep only our languages and strip whitespace; a plain string is Bokmål."""
    if not value:
        return {}
    if isinstance(value, str):
        value = {"nb": value}
    return {
        code: str(value[code]).strip() for code in LANGUAGES if str(value.get(code) or "").strip()
    }


def survey_require_draft(survey: Survey) -> None:
    """Only a draft's structure and settings can change: refuse otherwise, with the reason."""
    if survey.status != Status.DRAFT:
        raise ValidationError(
            _("Only a draft survey can be changed. Copy the survey to change its questions.")
        )


def _log(action: str, *, user, survey: Survey, data: dict | None = None) -> None:
    audit_log(f"surveys.survey.{action}", user=user, obj=survey, county=survey.county, data=data)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resume_key_for(secret: str) -> str:
    """An HMAC with SECRET_KEY: the database alone cannot link a response to who answered it."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"survey-resume:{secret}".encode(), hashlib.sha256
    ).hexdigest()


# --- the survey itself ---------------------------------------------------------------------


def _validate_survey(survey: Survey, *, counties=None, libraries=None) -> None:
    errors: dict[str, list[str]] = {}
    if not survey.title.get("nb") and not any(survey.title.values()):
        errors.setdefault("title", []).append(_("Give the survey a title."))
    languages = [code for code in survey.languages or [] if code in LANGUAGES]
    if not languages:
        errors.setdefault("languages", []).append(_("Choose at least one language."))
    survey.languages = languages or ["nb"]
    if survey.opens_at and survey.closes_at and survey.closes_at <= survey.opens_at:
        errors.setdefault("closes_at", []).append(_("The survey must close after it opens."))
    programme_county_ids = set(survey.programme.counties.values_list("id", flat=True))
    if survey.county_id and survey.county_id not in programme_county_ids:
        errors.setdefault("county", []).append(_("The county does not take part in the programme."))
    allowed_county_ids = {survey.county_id} if survey.county_id else programme_county_ids
    if survey.audience == Survey.Audience.COUNTIES:
        if not counties:
            errors.setdefault("audience_counties", []).append(_("Choose at least one county."))
        elif any(c.id not in allowed_county_ids for c in counties):
            errors.setdefault("audience_counties", []).append(
                _("Choose only counties this survey may reach.")
            )
    if survey.audience == Survey.Audience.LIBRARIES:
        if not libraries:
            errors.setdefault("audience_libraries", []).append(_("Choose at least one library."))
        elif any(lib.county_id not in allowed_county_ids for lib in libraries):
            errors.setdefault("audience_libraries", []).append(
                _("Choose only libraries this survey may reach.")
            )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def survey_create(
    *,
    created_by: User | None,
    programme: Programme,
    county: County | None = None,
    title: dict | str,
    intro: dict | str | None = None,
    anonymity: str = Survey.Anonymity.ANONYMOUS,
    min_group_size: int = 5,
    retention_days: int = 730,
    audience: str = Survey.Audience.PROGRAMME,
    audience_counties: Iterable[County] = (),
    audience_libraries: Iterable[Library] = (),
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    reminder_interval_days: int | None = None,
    max_reminders: int = 2,
    open_link_enabled: bool = False,
    languages: list[str] | None = None,
) -> Survey:
    counties, libraries = list(audience_counties), list(audience_libraries)
    survey = Survey(
        programme=programme,
        county=county,
        created_by=created_by,
        title=_texts(title),
        intro=_texts(intro),
        anonymity=anonymity,
        min_group_size=min_group_size,
        retention_days=retention_days,
        audience=audience,
        opens_at=opens_at,
        closes_at=closes_at,
        reminder_interval_days=reminder_interval_days,
        max_reminders=max_reminders,
        open_link_enabled=open_link_enabled,
        languages=list(languages) if languages else ["nb", "nn", "en"],
    )
    _validate_survey(survey, counties=counties, libraries=libraries)
    survey.save()
    survey.audience_counties.set(counties if audience == Survey.Audience.COUNTIES else [])
    survey.audience_libraries.set(libraries if audience == Survey.Audience.LIBRARIES else [])
    _log("created", user=created_by, survey=survey)
    return survey


@transaction.atomic
def survey_update(
    *,
    survey: Survey,
    user: User | None,
    audience_counties: Iterable[County] | None = None,
    audience_libraries: Iterable[Library] | None = None,
    **fields,
) -> Survey:
    """Change a draft's settings (`fields` from SURVEY_FIELDS)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey_require_draft(survey)
    unknown = set(fields) - set(SURVEY_FIELDS)
    if unknown:
        raise TypeError(f"survey_update() got unknown fields {sorted(unknown)}")
    for name, value in fields.items():
        setattr(survey, name, _texts(value) if name in ("title", "intro") else value)
    counties = (
        list(audience_counties)
        if audience_counties is not None
        else list(survey.audience_counties.all())
    )
    libraries = (
        list(audience_libraries)
        if audience_libraries is not None
        else list(survey.audience_libraries.all())
    )
    _validate_survey(survey, counties=counties, libraries=libraries)
    survey.save()
    survey.audience_counties.set(counties if survey.audience == Survey.Audience.COUNTIES else [])
    survey.audience_libraries.set(libraries if survey.audience == Survey.Audience.LIBRARIES else [])
    _log("updated", user=user, survey=survey, data={"fields": sorted(fields)})
    return survey


@transaction.atomic
def survey_open(
    *,
    survey: Survey,
    user: User | None,
    closes_at: datetime | None = None,
    opens_at: datetime | None = None,
) -> Survey:
    """Draft → open. Answers are accepted from `opens_at` (default now) until `closes_at`."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey_require_draft(survey)
    now = timezone.now()
    opens_at = opens_at or survey.opens_at or now
    closes_at = closes_at or survey.closes_at
    errors = {}
    if not survey.questions.exists():
        errors["__all__"] = _("Add at least one question before opening the survey.")
    if closes_at is None:
        errors["closes_at"] = _("Choose when the survey closes.")
    elif closes_at <= max(now, opens_at):
        errors["closes_at"] = _("The closing time must be in the future and after the opening.")
    if errors:
        raise ValidationError(errors)
    survey.status, survey.opens_at, survey.closes_at = Status.OPEN, opens_at, closes_at
    if survey.open_link_enabled and not survey.open_link_token:
        survey.open_link_token = secrets.token_urlsafe(24)
    survey.save()
    if survey.participations.exists():
        _enqueue_invitations(survey)
    _log("opened", user=user, survey=survey, data={"closes_at": closes_at.isoformat()})
    return survey


@transaction.atomic
def survey_extend(*, survey: Survey, user: User | None, closes_at: datetime) -> Survey:
    """Move the closing time of an open (or just closed) survey later."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status not in (Status.OPEN, Status.CLOSED) or survey.raw_answers_purged_at:
        raise ValidationError(_("Only an open or closed survey can be extended."))
    if closes_at <= timezone.now() or (survey.closes_at and closes_at <= survey.closes_at):
        raise ValidationError(
            {"closes_at": _("The new closing time must be later than the current one.")}
        )
    survey.status, survey.closes_at = Status.OPEN, closes_at
    survey.save(update_fields=["status", "closes_at", "updated_at"])
    _log("extended", user=user, survey=survey, data={"closes_at": closes_at.isoformat()})
    return survey


@transaction.atomic
def survey_reminders_set(
    *,
    survey: Survey,
    user: User | None,
    reminder_interval_days: int | None,
    max_reminders: int,
) -> Survey:
    """Change the reminder schedule of a draft or open survey (not its structure)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status not in (Status.DRAFT, Status.OPEN):
        raise ValidationError(_("Reminders can be changed only for a draft or open survey."))
    if reminder_interval_days is not None and reminder_interval_days < 1:
        raise ValidationError({"reminder_interval_days": _("At least one day between reminders.")})
    if not 0 <= max_reminders <= 10:
        raise ValidationError({"max_reminders": _("Between 0 and 10 reminders.")})
    survey.reminder_interval_days, survey.max_reminders = reminder_interval_days, max_reminders
    survey.save(update_fields=["reminder_interval_days", "max_reminders", "updated_at"])
    _log(
        "reminders_set",
        user=user,
        survey=survey,
        data={"interval": reminder_interval_days, "max": max_reminders},
    )
    return survey


@transaction.atomic
def survey_close(*, survey: Survey, user: User | None) -> Survey:
    """Open → closed, now (early, or when the closing time has passed)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Status.OPEN:
        raise ValidationError(_("Only an open survey can be closed."))
    now = timezone.now()
    survey.status = Status.CLOSED
    if survey.closes_at is None or survey.closes_at > now:
        survey.closes_at = now
    if survey.opens_at and survey.opens_at >= survey.closes_at:
        survey.opens_at = survey.closes_at - timezone.timedelta(seconds=1)
    survey.save(update_fields=["status", "opens_at", "closes_at", "updated_at"])
    _log("closed", user=user, survey=survey)
    return survey


@transaction.atomic
def survey_archive(*, survey: Survey, user: User | None) -> Survey:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status != Status.CLOSED:
        raise ValidationError(_("Only a closed survey can be archived."))
    survey.status = Status.ARCHIVED
    survey.save(update_fields=["status", "updated_at"])
    _log("archived", user=user, survey=survey)
    return survey


@transaction.atomic
def survey_delete(*, survey: Survey, user: User | None) -> None:
    if survey.status != Status.DRAFT:
        raise ValidationError(_("Only a draft survey can be deleted."))
    _log("deleted", user=user, survey=survey, data={"title": survey.title})
    survey.delete()


@transaction.atomic
def survey_copy(
    *, survey: Survey, user: User | None, as_follow_up: bool = False, title: dict | None = None
) -> Survey:
    """A deep copy as a new draft; a follow-up links to the original as its baseline."""
    source = Survey.objects.get(pk=survey.pk)
    copy = Survey.objects.get(pk=survey.pk)
    copy.pk = None
    copy.id = None
    copy.status = Status.DRAFT
    copy.created_by = user
    copy.opens_at = copy.closes_at = None
    copy.open_link_token = None
    copy.raw_answers_purged_at = None
    copy.baseline = source if as_follow_up else None
    if title:
        copy.title = _texts(title)
    else:
        suffix = _("follow-up") if as_follow_up else _("copy")
        copy.title = {code: f"{text} ({suffix})" for code, text in source.title.items()}
    copy.save()
    copy.audience_counties.set(source.audience_counties.all())
    copy.audience_libraries.set(source.audience_libraries.all())
    pages, questions, statements = {}, {}, {}
    for page in source.pages.all():
        old_id = page.pk
        page.pk = page.id = None
        page.survey = copy
        page.save()
        pages[old_id] = page
    for question in source.questions.prefetch_related("options", "statements"):
        old_id = question.pk
        options, old_statements = list(question.options.all()), list(question.statements.all())
        question.pk = question.id = None
        question.survey = copy
        question.page = pages[question.page_id]
        question.save()
        questions[old_id] = question
        for option in options:
            option.pk = option.id = None
            option.question = question
        Option.objects.bulk_create(options)
        for statement in old_statements:
            old_statement = statement.pk
            statement.pk = statement.id = None
            statement.question = question
            statement.save()
            statements[old_statement] = statement
    # Conditions point at the copied questions.
    for question in questions.values():
        if question.condition_question_id:
            question.condition_question = questions.get(question.condition_question_id)
            question.save(update_fields=["condition_question"])
    for page in pages.values():
        if page.condition_question_id:
            page.condition_question = questions.get(page.condition_question_id)
            page.save(update_fields=["condition_question"])
    _log(
        "copied",
        user=user,
        survey=copy,
        data={"source": source.pk, "follow_up": as_follow_up},
    )
    return copy


# --- pages ---------------------------------------------------------------------------------


def _validate_condition(*, survey: Survey, condition_question, condition_value, before_page):
    """A condition refers to a question on an earlier page, and to a value it can have."""
    if condition_question is None:
        return ""
    value = (condition_value or "").strip()
    if condition_question.survey_id != survey.pk:
        raise ValidationError({"condition_question": _("Choose a question of this survey.")})
    if before_page is not None and condition_question.page.position >= before_page.position:
        raise ValidationError(
            {"condition_question": _("The condition must refer to a question on an earlier page.")}
        )
    if not value:
        raise ValidationError({"condition_value": _("Give the answer that shows this.")})
    kind = condition_question.kind
    if kind in Question.OPTION_KINDS:
        values = set(condition_question.options.values_list("value", flat=True))
        if value not in values:
            raise ValidationError(
                {
                    "condition_value": _("Use one of the stored values: %(values)s.")
                    % {"values": ", ".join(sorted(values))}
                }
            )
    elif kind == Kind.LIKERT:
        if not value.lstrip("-").isdigit() or int(value) not in condition_question.scale_points:
            raise ValidationError(
                {"condition_value": _("Use a point on the question's scale, e.g. 1.")}
            )
    elif kind in Question.STATEMENT_KINDS:
        raise ValidationError(
            {"condition_question": _("A condition cannot refer to a matrix or competence pair.")}
        )
    return value


def _next_position(qs) -> int:
    return (qs.aggregate(m=Max("position"))["m"] or 0) + 1 if qs.exists() else 1


@transaction.atomic
def page_create(
    *,
    survey: Survey,
    user: User | None,
    title: dict | str,
    intro: dict | str | None = None,
    condition_question: Question | None = None,
    condition_value: str = "",
) -> Page:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey_require_draft(survey)
    page = Page(survey=survey, title=_texts(title), intro=_texts(intro))
    page.position = _next_position(survey.pages.all())
    page.condition_value = _validate_condition(
        survey=survey,
        condition_question=condition_question,
        condition_value=condition_value,
        before_page=page,
    )
    page.condition_question = condition_question
    page.save()
    _log("page_created", user=user, survey=survey, data={"page": page.pk})
    return page


@transaction.atomic
def page_update(
    *,
    page: Page,
    user: User | None,
    title: dict | str,
    intro: dict | str | None = None,
    condition_question: Question | None = None,
    condition_value: str = "",
) -> Page:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_draft(survey)
    page.title, page.intro = _texts(title), _texts(intro)
    page.condition_value = _validate_condition(
        survey=survey,
        condition_question=condition_question,
        condition_value=condition_value,
        before_page=page,
    )
    page.condition_question = condition_question
    page.save()
    _log("page_updated", user=user, survey=survey, data={"page": page.pk})
    return page


@transaction.atomic
def page_delete(*, page: Page, user: User | None) -> None:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_draft(survey)
    _log("page_deleted", user=user, survey=survey, data={"page": page.pk})
    page.delete()
    _renumber(survey.pages.all())


def _renumber(qs) -> None:
    for position, item in enumerate(qs.order_by("position", "id"), start=1):
        if item.position != position:
            type(item).objects.filter(pk=item.pk).update(position=position)


def _reorder(qs, ids: list[int]) -> None:
    items = {item.pk: item for item in qs}
    if set(ids) != set(items) or len(ids) != len(items):
        raise ValidationError(_("The new order must list every item exactly once."))
    for position, item_id in enumerate(ids, start=1):
        type(items[item_id]).objects.filter(pk=item_id).update(position=position)


def _move(qs, item, direction: int) -> None:
    ids = list(qs.order_by("position", "id").values_list("id", flat=True))
    index = ids.index(item.pk)
    target = index + (1 if direction > 0 else -1)
    if 0 <= target < len(ids):
        ids[index], ids[target] = ids[target], ids[index]
    _reorder(qs, ids)


def _check_conditions_point_back(survey: Survey) -> None:
    """After a reorder, every condition must still refer to a question on an earlier page."""
    positions = dict(survey.pages.values_list("id", "position"))
    question_pages = dict(survey.questions.values_list("id", "page_id"))
    conditioned = list(survey.pages.filter(condition_question__isnull=False)) + list(
        survey.questions.filter(condition_question__isnull=False)
    )
    for item in conditioned:
        page_id = item.pk if isinstance(item, Page) else item.page_id
        source_page = question_pages.get(item.condition_question_id)
        if source_page is not None and positions[source_page] >= positions[page_id]:
            raise ValidationError(
                _("A page cannot move before the question its condition refers to.")
            )


@transaction.atomic
def pages_reorder(*, survey: Survey, user: User | None, page_ids: list[int]) -> None:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey_require_draft(survey)
    _reorder(survey.pages.all(), page_ids)
    _check_conditions_point_back(survey)
    _log("pages_reordered", user=user, survey=survey, data={"pages": page_ids})


@transaction.atomic
def page_move(*, page: Page, user: User | None, direction: int) -> None:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_draft(survey)
    _move(survey.pages.all(), page, direction)
    _check_conditions_point_back(survey)
    _log("pages_reordered", user=user, survey=survey, data={"page": page.pk})


# --- questions -----------------------------------------------------------------------------


def _unique_code(survey: Survey, wanted: str, *, exclude_pk=None) -> str:
    base = slugify(wanted)[:36] or "q"
    taken = set(survey.questions.exclude(pk=exclude_pk).values_list("code", flat=True))
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _clean_question(question: Question, *, survey: Survey) -> None:
    errors: dict[str, str] = {}
    if question.kind not in Kind.values:
        errors["kind"] = _("Choose a question type.")
    if not any(question.text.values()):
        errors["text"] = _("Write the question.")
    if question.scale_max <= question.scale_min:
        errors["scale_max"] = _("The scale must end above where it starts.")
    elif question.scale_max - question.scale_min > 10:
        errors["scale_max"] = _("A scale has at most 11 points.")
    if (
        question.number_min is not None
        and question.number_max is not None
        and question.number_max < question.number_min
    ):
        errors["number_max"] = _("The largest number must not be below the smallest.")
    labels = {}
    for code, values in (question.scale_labels or {}).items():
        if code in LANGUAGES and values:
            values = [str(v).strip() for v in values]
            if any(values):
                if len(values) != len(question.scale_points):
                    errors["scale_labels"] = _(
                        "Write one label per point of the scale (%(n)s), or none."
                    ) % {"n": len(question.scale_points)}
                labels[code] = values
    question.scale_labels = labels
    if question.competence_area_id and question.competence_area.programme_id != (
        survey.programme_id
    ):
        errors["competence_area"] = _("Choose a competence area of the survey's programme.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def question_create(*, page: Page, user: User | None, kind: str, **fields) -> Question:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_draft(survey)
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(f"question_create() got unknown fields {sorted(unknown)}")
    question = Question(survey=survey, page=page, kind=kind)
    for name, value in fields.items():
        setattr(question, name, _texts(value) if name in ("text", "help_text") else value)
    question.code = _unique_code(survey, fields.get("code") or f"q{survey.questions.count() + 1}")
    question.position = _next_position(page.questions.all())
    question.condition_value = _validate_condition(
        survey=survey,
        condition_question=fields.get("condition_question"),
        condition_value=fields.get("condition_value", ""),
        before_page=page,
    )
    _clean_question(question, survey=survey)
    question.save()
    _log("question_created", user=user, survey=survey, data={"question": question.code})
    return question


@transaction.atomic
def question_update(*, question: Question, user: User | None, **fields) -> Question:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    survey_require_draft(survey)
    unknown = set(fields) - set(QUESTION_FIELDS) - {"page"}
    if unknown:
        raise TypeError(f"question_update() got unknown fields {sorted(unknown)}")
    question = Question.objects.get(pk=question.pk)
    for name, value in fields.items():
        setattr(question, name, _texts(value) if name in ("text", "help_text") else value)
    if "code" in fields:
        if not fields["code"]:
            raise ValidationError({"code": _("Give the question a code.")})
        if survey.questions.exclude(pk=question.pk).filter(code=fields["code"]).exists():
            raise ValidationError({"code": _("Another question already has this code.")})
    if question.page.survey_id != survey.pk:
        raise ValidationError({"page": _("Choose a page of this survey.")})
    if question.condition_question_id == question.pk:
        raise ValidationError({"condition_question": _("A question cannot depend on itself.")})
    question.condition_value = _validate_condition(
        survey=survey,
        condition_question=question.condition_question,
        condition_value=question.condition_value,
        before_page=question.page,
    )
    _clean_question(question, survey=survey)
    question.save()
    _log("question_updated", user=user, survey=survey, data={"question": question.code})
    return question


@transaction.atomic
def question_delete(*, question: Question, user: User | None) -> None:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    survey_require_draft(survey)
    _log("question_deleted", user=user, survey=survey, data={"question": question.code})
    page = question.page
    question.delete()
    _renumber(page.questions.all())


@transaction.atomic
def questions_reorder(*, page: Page, user: User | None, question_ids: list[int]) -> None:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_draft(survey)
    _reorder(page.questions.all(), question_ids)
    _log("questions_reordered", user=user, survey=survey, data={"page": page.pk})


@transaction.atomic
def question_move(*, question: Question, user: User | None, direction: int) -> None:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    survey_require_draft(survey)
    _move(question.page.questions.all(), question, direction)
    _log("questions_reordered", user=user, survey=survey, data={"question": question.code})


# --- options and statements ----------------------------------------------------------------


def _question_for_change(question: Question) -> Question:
    Survey.objects.select_for_update().get(pk=question.survey_id)
    question = Question.objects.select_related("survey").get(pk=question.pk)
    survey_require_draft(question.survey)
    return question


@transaction.atomic
def option_create(
    *, question: Question, user: User | None, label: dict | str, value: str = ""
) -> Option:
    question = _question_for_change(question)
    if question.kind not in Question.OPTION_KINDS:
        raise ValidationError(_("Only choice questions have options."))
    value = (value or "").strip() or str(question.options.count() + 1)
    if question.options.filter(value=value).exists():
        raise ValidationError({"value": _("Another option already stores this value.")})
    if not _texts(label):
        raise ValidationError({"label": _("Write the option's text.")})
    option = Option.objects.create(
        question=question,
        value=value,
        label=_texts(label),
        position=_next_position(question.options.all()),
    )
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return option


@transaction.atomic
def option_update(*, option: Option, user: User | None, label: dict | str, value: str) -> Option:
    question = _question_for_change(option.question)
    value = (value or "").strip()
    if not value or question.options.exclude(pk=option.pk).filter(value=value).exists():
        raise ValidationError({"value": _("Give each option its own stored value.")})
    option.label, option.value = _texts(label), value
    option.save()
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return option


@transaction.atomic
def option_delete(*, option: Option, user: User | None) -> None:
    question = _question_for_change(option.question)
    option.delete()
    _renumber(question.options.all())
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})


@transaction.atomic
def options_reorder(*, question: Question, user: User | None, option_ids: list[int]) -> None:
    question = _question_for_change(question)
    _reorder(question.options.all(), option_ids)


@transaction.atomic
def options_set(*, question: Question, user: User | None, labels: list[dict]) -> list[Option]:
    """Replace a draft question's options by these labels (values 1, 2, 3... in order)."""
    question = _question_for_change(question)
    question.options.all().delete()
    options = Option.objects.bulk_create(
        Option(question=question, position=index, value=str(index), label=_texts(label))
        for index, label in enumerate(labels, start=1)
        if _texts(label)
    )
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return options


@transaction.atomic
def statement_create(
    *,
    question: Question,
    user: User | None,
    text: dict | str,
    code: str = "",
    competence_area=None,
) -> Statement:
    question = _question_for_change(question)
    if question.kind not in Question.STATEMENT_KINDS:
        raise ValidationError(_("Only matrix and competence-pair questions have statements."))
    if not _texts(text):
        raise ValidationError({"text": _("Write the statement.")})
    code = (code or "").strip() or f"s{question.statements.count() + 1}"
    if question.statements.filter(code=code).exists():
        raise ValidationError({"code": _("Another statement already has this code.")})
    statement = Statement.objects.create(
        question=question,
        code=code,
        text=_texts(text),
        competence_area=competence_area,
        position=_next_position(question.statements.all()),
    )
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return statement


@transaction.atomic
def statement_update(
    *, statement: Statement, user: User | None, text: dict | str, code: str, competence_area=None
) -> Statement:
    question = _question_for_change(statement.question)
    code = (code or "").strip()
    if not code or question.statements.exclude(pk=statement.pk).filter(code=code).exists():
        raise ValidationError({"code": _("Give each statement its own code.")})
    if competence_area is not None and competence_area.programme_id != question.survey.programme_id:
        raise ValidationError({"competence_area": _("Choose an area of the survey's programme.")})
    statement.text, statement.code, statement.competence_area = _texts(text), code, competence_area
    statement.save()
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return statement


@transaction.atomic
def statement_delete(*, statement: Statement, user: User | None) -> None:
    question = _question_for_change(statement.question)
    statement.delete()
    _renumber(question.statements.all())
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})


@transaction.atomic
def statements_reorder(*, question: Question, user: User | None, statement_ids: list[int]) -> None:
    question = _question_for_change(question)
    _reorder(question.statements.all(), statement_ids)


@transaction.atomic
def statements_set(
    *, question: Question, user: User | None, texts: list[dict], areas: list | None = None
) -> list[Statement]:
    """Replace a draft question's statements (codes s1, s2, ... in order)."""
    question = _question_for_change(question)
    question.statements.all().delete()
    areas = areas or []
    statements = Statement.objects.bulk_create(
        Statement(
            question=question,
            position=index,
            code=f"s{index}",
            text=_texts(text),
            competence_area=areas[index - 1] if index - 1 < len(areas) else None,
        )
        for index, text in enumerate(texts, start=1)
        if _texts(text)
    )
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return statements


# --- invitations ---------------------------------------------------------------------------


def survey_audience_users(survey: Survey):
    """Everyone with a staff or library-leader role at a library the survey reaches."""
    from .permissions import survey_audience_people

    return User.objects.filter(survey_audience_people(survey), is_active=True)


@transaction.atomic
def survey_invite_users(*, survey: Survey, users: Iterable[User], invited_by=None) -> int:
    """Invite these people to answer (skipping those already invited); e-mails go on commit.

    Public contract: the courses app invites a course's participants to its evaluation survey.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status not in (Status.DRAFT, Status.OPEN):
        raise ValidationError(_("People can be invited only to a draft or open survey."))
    user_ids = {user.pk for user in users}
    already = set(
        Participation.objects.filter(survey=survey, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    new = [
        Participation(
            survey=survey,
            user_id=user_id,
            invited_by=invited_by,
            # Never matches a token: the real token is made when the e-mail is sent, so it is
            # neither stored nor passed through the broker.
            token_hash=f"unsent-{secrets.token_hex(16)}",
        )
        for user_id in sorted(user_ids - already)
    ]
    Participation.objects.bulk_create(new, ignore_conflicts=True)
    if new:
        _log("invited", user=invited_by, survey=survey, data={"count": len(new)})
        if survey.status == Status.OPEN:
            _enqueue_invitations(survey)
    return len(new)


def _enqueue_invitations(survey: Survey) -> None:
    from .tasks import survey_invitations_send

    outbox.enqueue(survey_invitations_send, survey.pk)


def survey_invite_audience(*, survey: Survey, invited_by) -> int:
    return survey_invite_users(
        survey=survey, users=list(survey_audience_users(survey)), invited_by=invited_by
    )


def participation_resume_secret(participation: Participation) -> str:
    """What a personal response is resumed by (through `resume_key_for`, an HMAC with SECRET_KEY).

    Stable for the participation, whether the person comes by the e-mailed link or signed in.
    """
    return f"participation:{participation.pk}:{participation.invited_at.isoformat()}"


def participation_token(*, participation: Participation) -> str:
    """The personal link token: the same in the invitation and every reminder.

    Derived from SECRET_KEY, so it is never stored; only its hash is kept to find the
    participation. A stable token keeps an earlier e-mail's link (and the resume of a half-done
    response) working after a reminder.
    """
    digest = hmac.new(
        settings.SECRET_KEY.encode(),
        f"survey-invitation:{participation.pk}:{participation.invited_at.isoformat()}".encode(),
        hashlib.sha256,
    ).digest()
    token = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    if participation.token_hash != token_hash(token):
        participation.token_hash = token_hash(token)
        participation.save(update_fields=["token_hash"])
    return token


def participations_to_invite(survey: Survey):
    return Participation.objects.filter(
        survey=survey, invitation_sent_at__isnull=True, completed_at__isnull=True
    ).select_related("user")


def participations_to_remind(survey: Survey, *, now=None):
    now = now or timezone.now()
    if not survey.reminder_interval_days:
        return Participation.objects.none()
    due = now - timezone.timedelta(days=survey.reminder_interval_days)
    from django.db.models import Q

    return (
        Participation.objects.filter(
            survey=survey,
            completed_at__isnull=True,
            invitation_sent_at__isnull=False,
            invitation_sent_at__lte=due,
            reminders_sent__lt=survey.max_reminders,
        )
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=due))
        .select_related("user")
    )


@transaction.atomic
def surveys_close_due(*, now=None) -> int:
    now = now or timezone.now()
    count = 0
    for survey in Survey.objects.filter(status=Status.OPEN, closes_at__lte=now):
        survey_close(survey=survey, user=None)
        count += 1
    return count


# --- answering -----------------------------------------------------------------------------


class SurveyNotAnswerable(Exception):
    """The survey is not open for answers now (not yet open, closed, or past its closing time)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "not_open" | "closed" | "done"


def survey_check_answerable(survey: Survey, *, now=None) -> None:
    now = now or timezone.now()
    if survey.status == Status.DRAFT or (
        survey.status == Status.OPEN and survey.opens_at and now < survey.opens_at
    ):
        raise SurveyNotAnswerable("not_open")
    if not survey.accepts_answers(now):
        raise SurveyNotAnswerable("closed")


def respondent_profile(*, survey: Survey, user: User | None) -> dict:
    """County, library and role of a respondent, taken from their role at a library reached."""
    if user is None:
        return {"county": None, "library": None, "role": ""}
    from .selectors import survey_audience_libraries

    reached = survey_audience_libraries(survey)
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("library", "county"))
    order = {"staff": 0, "library_leader": 1, "coordinator": 2, "project_leader": 3}
    assignments.sort(key=lambda a: order.get(a.role, 9))
    reached_ids = set(reached.values_list("id", flat=True))
    for assignment in assignments:
        if assignment.library_id and assignment.library_id in reached_ids:
            return {
                "county": assignment.library.county,
                "library": assignment.library,
                "role": assignment.role,
            }
    for assignment in assignments:
        if assignment.library_id:
            return {
                "county": assignment.library.county,
                "library": assignment.library,
                "role": assignment.role,
            }
        if assignment.county_id:
            return {"county": assignment.county, "library": None, "role": assignment.role}
    return {"county": None, "library": None, "role": assignments[0].role if assignments else ""}


@transaction.atomic
def response_start(
    *,
    survey: Survey,
    participation: Participation | None = None,
    resume_secret: str | None = None,
    language: str = "nb",
) -> Response:
    """The respondent's unfinished response, or a new one.

    A personal link resumes by an HMAC of the participation's token hash; an open link by an
    HMAC of a secret kept in the browser session.
    """
    survey_check_answerable(survey)
    if participation is not None:
        participation = Participation.objects.select_for_update().get(pk=participation.pk)
        if participation.completed_at:
            raise SurveyNotAnswerable("done")
        secret = participation_resume_secret(participation)
    elif resume_secret:
        secret = resume_secret
    else:
        raise ValueError("response_start() needs a participation or a resume secret")
    key = resume_key_for(secret)
    response = Response.objects.filter(resume_key=key).first()
    if response is not None:
        if response.submitted_at:
            raise SurveyNotAnswerable("done")
        return response
    user = participation.user if participation else None
    profile = respondent_profile(survey=survey, user=user)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                resume_key=key,
                language=language if language in survey.languages else "nb",
                respondent=user if survey.anonymity == Survey.Anonymity.CONFIDENTIAL else None,
                **profile,
            )
    except IntegrityError:  # a parallel request of the same respondent created it
        response = Response.objects.get(resume_key=key)
    if participation is not None and participation.started_at is None:
        # Only the day: a time to the second would let the two be matched up.
        participation.started_at = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
        participation.save(update_fields=["started_at"])
    return response


AnswerValues = list[dict]


@transaction.atomic
def response_save_page(
    *, response: Response, questions: list[Question], answers: AnswerValues, current_page: int
) -> Response:
    """Replace the answers to these questions and move to `current_page`.

    `answers`: dicts with question, statement, dimension, number, choice, text, dont_know.
    """
    response = Response.objects.select_for_update().get(pk=response.pk)
    if response.submitted_at:
        raise SurveyNotAnswerable("done")
    survey_check_answerable(response.survey)
    Answer.objects.filter(response=response, question__in=questions).delete()
    Answer.objects.bulk_create(Answer(response=response, **values) for values in answers)
    response.current_page = current_page
    response.save(update_fields=["current_page"])
    return response


@transaction.atomic
def response_submit(
    *,
    response: Response,
    participation: Participation | None = None,
    questions: list[Question] | None = None,
    answers: AnswerValues | None = None,
) -> bool:
    """Submit once. Returns False when it had already been submitted (a double click, a retry)."""
    # Lock in a fixed order: participation, then response.
    if participation is not None:
        participation = Participation.objects.select_for_update().get(pk=participation.pk)
    response = Response.objects.select_for_update().get(pk=response.pk)
    if response.submitted_at or (participation is not None and participation.completed_at):
        return False
    survey_check_answerable(response.survey)
    if questions is not None:
        Answer.objects.filter(response=response, question__in=questions).delete()
        Answer.objects.bulk_create(Answer(response=response, **values) for values in answers or [])
    now = timezone.now()
    response.submitted_at = now
    # The resume key has done its work; without it nothing links the response to the link.
    response.resume_key = None
    response.save(update_fields=["submitted_at", "resume_key"])
    if participation is not None:
        participation.completed_at = now.replace(hour=0, minute=0, second=0, microsecond=0)
        participation.save(update_fields=["completed_at"])
    return True


def decimal_or_none(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)
