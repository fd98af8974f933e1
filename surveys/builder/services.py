"""Writes of building and running a survey: its life cycle (draft, open, closed, archived, copies),
its structure (pages, questions, options, statements), text corrections and invitations.

The settings of a survey change while it is a draft; its structure until somebody answers
(`survey_structure_locked_reason`); its texts until it is archived, each correction in the audit
log. An open survey can be extended or closed early.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import outbox
from portal.audit import audit_log
from portal.models import County, Library, Programme, User
from portal.tokens import derived_token, token_hash

from ..models import (
    Option,
    Page,
    Participation,
    Question,
    Statement,
    Survey,
    SurveyStructureVersion,
)
from ..structure import CODE_MAX_LENGTH, CODE_PATTERN, StructureError, validate_structure
from ..texts import LANGUAGE_NAMES, LANGUAGES, default_scale_labels

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
    """Only a draft's settings can change (its structure: see survey_structure_locked_reason)."""
    if survey.status != Status.DRAFT:
        raise ValidationError(
            _(
                "Only a draft survey's settings can be changed. You can still correct its texts; "
                "to change anything else, copy the survey to a new version."
            )
        )


def survey_structure_locked_reason(survey: Survey) -> str:
    """Why the survey's structure (questions, options, scales, conditions) cannot change, or "".

    A draft's structure can change, and so can an open survey's until somebody starts answering;
    from then on answers must keep their meaning. (The lock is safe against a respondent starting
    at the same moment: a structure change holds the survey row FOR UPDATE, and creating a
    response takes a key-share lock on the same row through its foreign key.)
    """
    if survey.status == Status.DRAFT:
        return ""
    if survey.status == Status.OPEN and not survey.responses.exists():
        return ""
    if survey.status == Status.OPEN:
        return _(
            "People have started answering, so the questions, options, scales and conditions are "
            "locked: every answer must keep the meaning it was given. You can still correct "
            "texts. To change the structure, copy the survey to a new version."
        )
    return _(
        "The survey is no longer open, so its questions, options, scales and conditions are "
        "locked. To change the structure, copy the survey to a new version."
    )


def survey_require_structure_changeable(survey: Survey) -> None:
    """Refuse a change of the structure, with the reason (survey_structure_locked_reason)."""
    reason = survey_structure_locked_reason(survey)
    if reason:
        raise ValidationError(reason)


def survey_structure_changed(*, survey_id: int) -> None:
    """A new token for the state of a survey's structure (SurveyStructureVersion), in the
    transaction of every change of its pages, questions, options or statements: the answer
    pages keep the structure in the cache under it (surveys.answering.selectors). Random, so a
    token of a rolled-back transaction never returns."""
    SurveyStructureVersion.renew(survey_id=survey_id)


def _log(action: str, *, user, survey: Survey, data: dict | None = None) -> None:
    """Every change of a survey the builder makes is logged here; each also renews the token of
    its structure (most are changes of it, and the rest are rare), so no change is missed."""
    audit_log(f"surveys.survey.{action}", user=user, obj=survey, county=survey.county, data=data)
    survey_structure_changed(survey_id=survey.pk)


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
    floor = settings.SURVEYS_MIN_GROUP_SIZE_FLOOR
    if survey.min_group_size < floor:
        errors.setdefault("min_group_size", []).append(
            _(
                "The minimum group size cannot be below %(floor)s: smaller groups could be "
                "recognised in the results."
            )
            % {"floor": floor}
        )
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
    errors: dict[str, list[str]] = {}
    if not survey.questions.exists():
        errors["__all__"] = [_("Add at least one question before opening the survey.")]
    for key, messages in _opening_problems(survey).items():
        errors.setdefault(key, []).extend(messages)
    if closes_at is None:
        errors["closes_at"] = [_("Choose when the survey closes.")]
    elif closes_at <= max(now, opens_at):
        errors["closes_at"] = [_("The closing time must be in the future and after the opening.")]
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


def _opening_problems(survey: Survey) -> dict[str, list[str]]:
    """What keeps a draft from opening besides its dates: a structure that is not whole, a text
    missing in a language it offers (respondents would meet a survey half in another language),
    a competence pair without a competence area (its answers would never reach the gap
    analysis)."""
    from ..interchange.services import survey_structure
    from .selectors import survey_missing_texts

    problems: dict[str, list[str]] = {}
    try:  # whole now: every choice question with its options, every matrix with its statements
        if survey.questions.exists():
            validate_structure(survey_structure(survey))
    except StructureError as error:
        problems["__all__"] = [str(error)]
    names = dict(LANGUAGE_NAMES)
    missing = survey_missing_texts(survey)
    if missing:
        problems["languages"] = [
            _("Texts are missing in %(language)s: %(subjects)s.")
            % {"language": names[code], "subjects": "; ".join(subjects)}
            for code, subjects in missing.items()
        ] + [_("Write them, or stop offering the language in the survey's settings.")]
    without_area = list(
        survey.questions.filter(
            kind=Kind.COMPETENCE_PAIR, competence_area__isnull=True
        ).values_list("code", flat=True)
    )
    if without_area:
        problems["competence_area"] = [
            _("Choose a competence area for the competence pairs %(codes)s.")
            % {"codes": ", ".join(without_area)}
        ]
    return problems


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
    """A new draft from the survey's own export: the copy is an import of it, through the same
    validator, plus the settings a structure does not carry (audience, reminders, open link). A
    follow-up links to the original as its baseline."""
    from ..interchange.services import survey_import_structure, survey_structure

    source = Survey.objects.select_related("programme", "county").get(pk=survey.pk)
    structure = survey_structure(source)
    structure.source = "copy"
    if title:
        structure.title = _texts(title)
    else:
        suffix = _("follow-up") if as_follow_up else _("copy")
        structure.title = {code: f"{text} ({suffix})" for code, text in source.title.items()}
    try:
        copy = survey_import_structure(
            programme=source.programme,
            county=source.county,
            created_by=user,
            structure=structure,
            draft=True,
        ).survey
    except StructureError as error:
        raise ValidationError(str(error)) from None
    for name in ("audience", "reminder_interval_days", "max_reminders", "open_link_enabled"):
        setattr(copy, name, getattr(source, name))
    copy.baseline = source if as_follow_up else None
    copy.save()
    copy.audience_counties.set(source.audience_counties.all())
    copy.audience_libraries.set(source.audience_libraries.all())
    _log("copied", user=user, survey=copy, data={"source": source.pk, "follow_up": as_follow_up})
    return copy


# --- pages ---------------------------------------------------------------------------------


def _condition_value(*, survey: Survey, condition_question, condition_value) -> str:
    """The value of a condition on a question of this survey (what a condition may point at and
    hold is the structure's rule: see `_validate`)."""
    if condition_question is None:
        return ""
    if condition_question.survey_id != survey.pk:
        raise ValidationError({"condition_question": _("Choose a question of this survey.")})
    return (condition_value or "").strip()


# The builder's form fields for the structure rules' fields.
FORM_FIELDS = {"text": "text_nb", "scale_labels": "scale_labels_nb"}


def _validate(survey: Survey, *, candidate: Question | None = None) -> None:
    """The survey's structure after a change, through the one validator that the import and the
    copy go through too (surveys.structure); `candidate` is a question about to be saved, checked
    in its place before it is. A refusal rolls the change back."""
    from ..interchange.services import question_structure, survey_structure

    structure = survey_structure(survey)
    if candidate is not None:
        saved = candidate.pk is not None
        wanted = question_structure(
            candidate,
            options=None if saved else [],
            statements=None if saved else [],
        )
        for page in structure.pages:
            if page.pk != candidate.page_id:
                page.questions = [q for q in page.questions if q.pk != candidate.pk]
            elif saved and any(q.pk == candidate.pk for q in page.questions):
                page.questions = [wanted if q.pk == candidate.pk else q for q in page.questions]
            else:
                page.questions.append(wanted)
    try:
        validate_structure(structure, draft=True)
    except StructureError as error:
        field = FORM_FIELDS.get(error.field, error.field)
        raise ValidationError({field: str(error)} if field else str(error)) from None


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
    survey_require_structure_changeable(survey)
    page = Page(survey=survey, title=_texts(title), intro=_texts(intro))
    page.position = _next_position(survey.pages.all())
    page.condition_value = _condition_value(
        survey=survey, condition_question=condition_question, condition_value=condition_value
    )
    page.condition_question = condition_question
    page.save()
    _validate(survey)
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
    survey_require_structure_changeable(survey)
    page.title, page.intro = _texts(title), _texts(intro)
    page.condition_value = _condition_value(
        survey=survey, condition_question=condition_question, condition_value=condition_value
    )
    page.condition_question = condition_question
    page.save()
    _validate(survey)
    _log("page_updated", user=user, survey=survey, data={"page": page.pk})
    return page


@transaction.atomic
def page_delete(*, page: Page, user: User | None) -> None:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_structure_changeable(survey)
    _log("page_deleted", user=user, survey=survey, data={"page": page.pk})
    page.delete()
    _renumber(survey.pages.all())
    _validate(survey)


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


@transaction.atomic
def pages_reorder(*, survey: Survey, user: User | None, page_ids: list[int]) -> None:
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    survey_require_structure_changeable(survey)
    _reorder(survey.pages.all(), page_ids)
    _validate(survey)
    _log("pages_reordered", user=user, survey=survey, data={"pages": page_ids})


@transaction.atomic
def page_move(*, page: Page, user: User | None, direction: int) -> None:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_structure_changeable(survey)
    _move(survey.pages.all(), page, direction)
    _validate(survey)
    _log("pages_reordered", user=user, survey=survey, data={"page": page.pk})


# --- questions -----------------------------------------------------------------------------


def _question_code(survey: Survey, wanted: str, *, exclude_pk=None) -> str:
    """The code a builder chose, refused (never cut or renamed) when it is too long, not a slug
    or taken; without one, the next free q1, q2, ..."""
    taken = set(survey.questions.exclude(pk=exclude_pk).values_list("code", flat=True))
    wanted = (wanted or "").strip()
    if not wanted:
        number = len(taken) + 1
        while f"q{number}" in taken:
            number += 1
        return f"q{number}"
    if len(wanted) > CODE_MAX_LENGTH:
        raise ValidationError(
            {
                "code": _("A code has at most %(limit)s characters; this one has %(n)s.")
                % {"limit": CODE_MAX_LENGTH, "n": len(wanted)}
            }
        )
    if not CODE_PATTERN.match(wanted):
        raise ValidationError(
            {"code": _("Use only letters, digits, hyphens and underscores in a code.")}
        )
    if wanted.lower() in {code.lower() for code in taken}:
        raise ValidationError({"code": _("Another question already has this code.")})
    return wanted


def _clean_question(question: Question, *, survey: Survey) -> None:
    """The builder's own rules for what a person enters (the structure's are `_validate`'s):
    labels for a new scale, an area of the survey's programme, and an area for every pair."""
    if question.kind not in Question.SCALE_KINDS:
        question.scale_labels = {}
    elif not any(any(values) for values in (question.scale_labels or {}).values()):
        question.scale_labels = default_scale_labels(len(question.scale_points))
    question.scale_labels = {
        code: [str(value).strip() for value in values]
        for code, values in (question.scale_labels or {}).items()
        if code in LANGUAGES and values and any(str(value).strip() for value in values)
    }
    errors: dict[str, str] = {}
    if question.kind not in Kind.values:
        errors["kind"] = _("Choose a question type.")
    if question.competence_area_id and question.competence_area.programme_id != (
        survey.programme_id
    ):
        errors["competence_area"] = _("Choose a competence area of the survey's programme.")
    elif question.kind == Kind.COMPETENCE_PAIR and not question.competence_area_id:
        errors["competence_area"] = _(
            "Choose the competence area the pair measures: without one its answers never reach "
            "the gap analysis."
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def question_create(*, page: Page, user: User | None, kind: str, **fields) -> Question:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_structure_changeable(survey)
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(f"question_create() got unknown fields {sorted(unknown)}")
    question = Question(survey=survey, page=page, kind=kind)
    for name, value in fields.items():
        setattr(question, name, _texts(value) if name in ("text", "help_text") else value)
    question.code = _question_code(survey, fields.get("code", ""))
    question.position = _next_position(page.questions.all())
    question.condition_value = _condition_value(
        survey=survey,
        condition_question=fields.get("condition_question"),
        condition_value=fields.get("condition_value", ""),
    )
    _clean_question(question, survey=survey)
    _validate(survey, candidate=question)
    question.save()
    _require_complete_if_open(survey)
    _log("question_created", user=user, survey=survey, data={"question": question.code})
    return question


@transaction.atomic
def question_update(*, question: Question, user: User | None, **fields) -> Question:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    survey_require_structure_changeable(survey)
    unknown = set(fields) - set(QUESTION_FIELDS) - {"page"}
    if unknown:
        raise TypeError(f"question_update() got unknown fields {sorted(unknown)}")
    question = Question.objects.get(pk=question.pk)
    old_labels = question.scale_labels
    was_default = old_labels == default_scale_labels(len(question.scale_points))
    for name, value in fields.items():
        setattr(question, name, _texts(value) if name in ("text", "help_text") else value)
    if was_default and question.scale_labels == old_labels:
        question.scale_labels = {}  # untouched default labels follow a new scale length
    if "code" in fields:
        if not fields["code"]:
            raise ValidationError({"code": _("Give the question a code.")})
        question.code = _question_code(survey, fields["code"], exclude_pk=question.pk)
    if question.page.survey_id != survey.pk:
        raise ValidationError({"page": _("Choose a page of this survey.")})
    question.condition_value = _condition_value(
        survey=survey,
        condition_question=question.condition_question,
        condition_value=question.condition_value,
    )
    _clean_question(question, survey=survey)
    _validate(survey, candidate=question)
    question.save()
    _require_complete_if_open(survey)
    _log("question_updated", user=user, survey=survey, data={"question": question.code})
    return question


@transaction.atomic
def question_delete(*, question: Question, user: User | None) -> None:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    survey_require_structure_changeable(survey)
    _log("question_deleted", user=user, survey=survey, data={"question": question.code})
    page = question.page
    question.delete()
    _renumber(page.questions.all())


@transaction.atomic
def questions_reorder(*, page: Page, user: User | None, question_ids: list[int]) -> None:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    survey_require_structure_changeable(survey)
    _reorder(page.questions.all(), question_ids)
    _validate(survey)
    _log("questions_reordered", user=user, survey=survey, data={"page": page.pk})


@transaction.atomic
def question_move(*, question: Question, user: User | None, direction: int) -> None:
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    survey_require_structure_changeable(survey)
    _move(question.page.questions.all(), question, direction)
    _validate(survey)
    _log("questions_reordered", user=user, survey=survey, data={"question": question.code})


# --- options and statements ----------------------------------------------------------------


def _question_for_change(question: Question) -> Question:
    Survey.objects.select_for_update().get(pk=question.survey_id)
    question = Question.objects.select_related("survey").get(pk=question.pk)
    survey_require_structure_changeable(question.survey)
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
    _validate(question.survey)
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
    _validate(question.survey)
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return option


@transaction.atomic
def option_delete(*, option: Option, user: User | None) -> None:
    question = _question_for_change(option.question)
    option.delete()
    _renumber(question.options.all())
    _validate(question.survey)
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})


@transaction.atomic
def options_reorder(*, question: Question, user: User | None, option_ids: list[int]) -> None:
    question = _question_for_change(question)
    _reorder(question.options.all(), option_ids)
    _validate(question.survey)
    survey_structure_changed(survey_id=question.survey_id)  # a reorder is not logged


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
    _validate(question.survey)
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
    _validate(question.survey)
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
    _validate(question.survey)
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return statement


@transaction.atomic
def statement_delete(*, statement: Statement, user: User | None) -> None:
    question = _question_for_change(statement.question)
    statement.delete()
    _renumber(question.statements.all())
    _validate(question.survey)
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})


@transaction.atomic
def statements_reorder(*, question: Question, user: User | None, statement_ids: list[int]) -> None:
    question = _question_for_change(question)
    _reorder(question.statements.all(), statement_ids)
    _validate(question.survey)
    survey_structure_changed(survey_id=question.survey_id)  # a reorder is not logged


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
    _validate(question.survey)
    _log("question_updated", user=user, survey=question.survey, data={"question": question.code})
    return statements


@transaction.atomic
def question_save(
    *,
    page: Page,
    question: Question | None,
    user: User | None,
    kind: str,
    fields: dict,
    option_labels: list[dict],
    statement_texts: list[dict],
    statement_areas: dict[int, object],
) -> Question:
    """Create or change a question with its options or statements, all or nothing (the
    builder's form). Statements keep their codes and areas when only their texts change."""
    if question is None:
        question = question_create(page=page, user=user, kind=kind, **fields)
    else:
        question = question_update(question=question, user=user, kind=kind, **fields)
    if kind in Question.OPTION_KINDS:
        options_set(question=question, user=user, labels=option_labels)
    else:
        question.options.all().delete()
    if kind not in Question.STATEMENT_KINDS:
        question.statements.all().delete()
        return question
    existing = list(question.statements.all())
    if len(existing) != len(statement_texts):
        statements_set(question=question, user=user, texts=statement_texts)
        return question
    for statement, text in zip(existing, statement_texts, strict=True):
        area = statement_areas.get(statement.pk, statement.competence_area)
        if statement.text != _texts(text) or area != statement.competence_area:
            statement_update(
                statement=statement,
                user=user,
                text=text,
                code=statement.code,
                competence_area=area,
            )
    return question


# --- correcting texts (also once the structure is locked) -------------------------------------


def _require_texts_correctable(survey: Survey) -> None:
    if survey.status == Status.ARCHIVED or survey.raw_answers_purged_at:
        raise ValidationError(_("An archived survey's texts are kept as they were answered."))


def _require_complete_if_open(survey: Survey) -> None:
    """An open survey keeps a text in every language it offers, and an area on every pair."""
    if survey.status != Status.OPEN:
        return
    problems = _opening_problems(survey)
    if problems:
        raise ValidationError(problems)


def _corrected(changes: list[dict], item: str, old: dict, new: dict) -> dict:
    """`new` ({language: text}) cleaned; each language whose text differs is noted in `changes`."""
    new = _texts(new)
    for code in LANGUAGES:
        if (old or {}).get(code, "") != new.get(code, ""):
            changes.append(
                {
                    "item": item,
                    "language": code,
                    "old": (old or {}).get(code, ""),
                    "new": new.get(code, ""),
                }
            )
    return new


def _log_corrections(*, user, survey: Survey, changes: list[dict]) -> None:
    """One audit entry per corrected text, with the text before and after."""
    for change in changes:
        _log("text_corrected", user=user, survey=survey, data=change)


@transaction.atomic
def survey_texts_correct(*, survey: Survey, user: User | None, title: dict, intro: dict) -> Survey:
    """Correct the survey's title and introduction (typos), whatever its status but archived."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    _require_texts_correctable(survey)
    changes: list[dict] = []
    survey.title = _corrected(changes, "survey.title", survey.title, title)
    survey.intro = _corrected(changes, "survey.intro", survey.intro, intro)
    if not survey.title:
        raise ValidationError({"title": _("Give the survey a title.")})
    survey.save(update_fields=["title", "intro", "updated_at"])
    _require_complete_if_open(survey)
    _log_corrections(user=user, survey=survey, changes=changes)
    return survey


@transaction.atomic
def page_texts_correct(*, page: Page, user: User | None, title: dict, intro: dict) -> Page:
    survey = Survey.objects.select_for_update().get(pk=page.survey_id)
    _require_texts_correctable(survey)
    page = Page.objects.get(pk=page.pk)
    changes: list[dict] = []
    page.title = _corrected(changes, f"page.{page.position}.title", page.title, title)
    page.intro = _corrected(changes, f"page.{page.position}.intro", page.intro, intro)
    page.save(update_fields=["title", "intro"])
    _require_complete_if_open(survey)
    _log_corrections(user=user, survey=survey, changes=changes)
    return page


@transaction.atomic
def question_texts_correct(
    *,
    question: Question,
    user: User | None,
    text: dict,
    help_text: dict,
    scale_labels: dict[str, list[str]] | None = None,
    option_labels: list[dict] | None = None,
    statement_texts: list[dict] | None = None,
) -> Question:
    """Correct a question's texts: its text and help, its scale labels and the labels of its
    options and statements, one for one (their number and stored values never change)."""
    survey = Survey.objects.select_for_update().get(pk=question.survey_id)
    _require_texts_correctable(survey)
    question = Question.objects.prefetch_related("options", "statements").get(pk=question.pk)
    code = question.code
    changes: list[dict] = []
    question.text = _corrected(changes, f"{code}.text", question.text, text)
    question.help_text = _corrected(changes, f"{code}.help_text", question.help_text, help_text)
    if not question.text:
        raise ValidationError({"text": _("Write the question.")})
    if scale_labels is not None and question.kind in Question.SCALE_KINDS:
        labels = {}
        for language, values in scale_labels.items():
            values = [str(value).strip() for value in values]
            if language in LANGUAGES and any(values):
                if len(values) != len(question.scale_points):
                    raise ValidationError(
                        {
                            "scale_labels": _(
                                "Write one label per point of the scale (%(n)s), or none."
                            )
                            % {"n": len(question.scale_points)}
                        }
                    )
                labels[language] = values
        for language in LANGUAGES:
            before = (question.scale_labels or {}).get(language, [])
            if before != labels.get(language, []):
                changes.append(
                    {
                        "item": f"{code}.scale_labels",
                        "language": language,
                        "old": " | ".join(before),
                        "new": " | ".join(labels.get(language, [])),
                    }
                )
        question.scale_labels = labels
    question.save(update_fields=["text", "help_text", "scale_labels"])
    for rows, new_texts, attribute, name in (
        (list(question.options.all()), option_labels, "label", "option"),
        (list(question.statements.all()), statement_texts, "text", "statement"),
    ):
        if new_texts is None:
            continue
        if len(new_texts) != len(rows):
            raise ValidationError(
                {
                    f"{name}s": _(
                        "Keep the same number of lines (%(n)s): lines can be corrected, not "
                        "added or removed."
                    )
                    % {"n": len(rows)}
                }
            )
        for row, new_text in zip(rows, new_texts, strict=True):
            key = row.value if name == "option" else row.code
            corrected = _corrected(
                changes, f"{code}.{name}.{key}", getattr(row, attribute), new_text
            )
            if not corrected:
                raise ValidationError({f"{name}s": _("A line cannot be left empty.")})
            setattr(row, attribute, corrected)
            row.save(update_fields=[attribute])
    _require_complete_if_open(survey)
    _log_corrections(user=user, survey=survey, changes=changes)
    return question


# --- invitations ---------------------------------------------------------------------------


def survey_audience_users(survey: Survey):
    """Everyone with a staff or library-leader role at a library the survey reaches."""
    from ..permissions import survey_audience_people

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
    from ..tasks import survey_invitations_send

    outbox.enqueue(survey_invitations_send, survey.pk)


def survey_invite_audience(*, survey: Survey, invited_by) -> int:
    return survey_invite_users(
        survey=survey, users=list(survey_audience_users(survey)), invited_by=invited_by
    )


def participation_token(*, participation: Participation) -> str:
    """The personal link token: the same in the invitation and every reminder.

    Derived from SECRET_KEY, so it is never stored; only its hash is kept to find the
    participation. A stable token keeps an earlier e-mail's link working after a reminder; the
    link version (raised on revoking and re-issuing) makes a new one.
    """
    # Version 0 keeps the links e-mailed before links could be revoked working.
    version = [participation.link_version] if participation.link_version else []
    token = derived_token(
        "survey-invitation", participation.pk, participation.invited_at.isoformat(), *version
    )
    if participation.token_hash != token_hash(token):
        participation.token_hash = token_hash(token)
        participation.save(update_fields=["token_hash"])
    return token


def _link_participation(survey: Survey, participation_id: int) -> Participation:
    participation = (
        Participation.objects.select_for_update().filter(survey=survey, pk=participation_id).first()
    )
    if participation is None:
        raise ValidationError(_("This person is not invited to the survey."))
    return participation


@transaction.atomic
def participation_link_revoke(*, survey: Survey, participation_id: int, user: User | None) -> None:
    """The person's link stops working at once (a forwarded or leaked e-mail); re-issue sends a
    new one. Nothing about any answer changes."""
    participation = _link_participation(survey, participation_id)
    if participation.link_revoked_at:
        return
    participation.link_version += 1
    participation.link_revoked_at = timezone.now()
    participation.token_hash = f"revoked-{secrets.token_hex(16)}"
    participation.save(update_fields=["link_version", "link_revoked_at", "token_hash"])
    _log("link_revoked", user=user, survey=survey, data={"person": participation.user_id})


@transaction.atomic
def participation_link_reissue(*, survey: Survey, participation_id: int, user: User | None) -> None:
    """A new personal link, e-mailed after commit; every earlier link of the person stops
    working."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if not survey.accepts_answers():
        raise ValidationError(_("A new link can be sent only while the survey takes answers."))
    participation = _link_participation(survey, participation_id)
    if participation.completed_at:
        raise ValidationError(_("This person has already answered."))
    participation.link_version += 1
    participation.link_revoked_at = None
    participation.invitation_sent_at = None
    participation.token_hash = f"unsent-{secrets.token_hex(16)}"
    participation.save(
        update_fields=["link_version", "link_revoked_at", "invitation_sent_at", "token_hash"]
    )
    _log("link_reissued", user=user, survey=survey, data={"person": participation.user_id})
    from ..tasks import participation_invite

    outbox.enqueue(
        participation_invite,
        participation.pk,
        key=f"survey-invitation:{participation.pk}:{participation.link_version}",
    )


def participations_to_invite(survey: Survey):
    return Participation.objects.filter(
        survey=survey,
        invitation_sent_at__isnull=True,
        completed_at__isnull=True,
        link_revoked_at__isnull=True,
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
            link_revoked_at__isnull=True,
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
