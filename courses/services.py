"""Writes of the courses app: courses, gatherings, registrations, waiting lists, attendance.

Seats are never overbooked: every write that takes or frees a seat runs inside one transaction
that first locks the gathering row (`select_for_update`), then counts, then writes. Two requests
for the same gathering therefore run one after the other; requests for different gatherings do
not wait for each other. Only one gathering row is ever locked per transaction, so there is no
lock order to get wrong.

Waiting list: when a gathering is full, a registration gets the next place on its waiting list
(1, 2, 3 … without gaps). Whenever a seat is freed (a cancellation, a leader's "no", more seats,
an offer declined or expired), it is offered to the first on the list for a limited time
(`COURSES_SEAT_OFFER_HOURS`, never past the start), as pretix's waiting-list vouchers: they
accept or decline by the link in the e-mail, and the seat counts against capacity until they
answer, so a newcomer cannot take it first. An offer nobody answers expires (a beat task,
`registration_offers_expire`) and the seat passes on; places behind move up.

Library leader approval (when the gathering asks for it): a registration that gets a seat waits
for the leader's decision as "awaiting approval" and keeps its seat meanwhile, so a "yes" can never
find the gathering full. A "no" frees the seat for the waiting list. A person on the waiting list
is asked for approval once they accept an offered seat. Where the library has no leader, the
course's managers decide instead (see RegistrationPolicy), so a seat is never held forever. A
leader who registers their staff (`registration_create_for_staff`) approves by doing so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal import outbox, permissions
from portal.audit import audit_log
from portal.models import County, FundingSource, Library, Programme, User
from portal.tokens import derived_token, token_hash

from .models import (
    CalendarFeed,
    Course,
    Gathering,
    GatheringCost,
    Registration,
    RegistrationAnswer,
    RegistrationQuestion,
)
from .permissions import COURSE_AUDIENCE
from .selectors import gathering_seats_taken

Status = Registration.Status

# Registrants are told about changes to these fields (with a new calendar event).
GATHERING_NOTIFY_FIELDS = (
    "starts_at",
    "ends_at",
    "venue_name",
    "venue_address",
    "municipality",
)
GATHERING_FIELDS = (
    "title",
    *GATHERING_NOTIFY_FIELDS,
    "county",
    "capacity",
    "registration_opens_at",
    "registration_deadline",
    "requires_leader_approval",
    "hours",
    "fee_note",
    "travel_note",
)


def _notify(kind: str, registration_ids: Iterable[int]) -> None:
    """Send registration e-mails of one kind, one message each, once the transaction commits."""
    from .tasks import registration_notify

    for registration_id in registration_ids:
        outbox.enqueue(registration_notify, registration_id, kind)


# --- courses ---


def _course_validate(
    *, programme: Programme, county: County | None, competence_areas, audience, audience_counties
) -> None:
    errors = {}
    programme_county_ids = set(programme.counties.values_list("id", flat=True))
    if county is not None and county.id not in programme_county_ids:
        errors["county"] = _("The county does not take part in this programme.")
    if any(area.programme_id != programme.id for area in competence_areas):
        errors["competence_areas"] = _("Choose competence areas of this programme.")
    if audience == Course.Audience.COUNTIES:
        if not audience_counties:
            errors["audience_counties"] = _("Choose at least one county.")
        elif any(c.id not in programme_county_ids for c in audience_counties):
            errors["audience_counties"] = _("Choose counties that take part in the programme.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def course_create(
    *,
    created_by: User,
    programme: Programme,
    county: County | None,
    title: str,
    description: str = "",
    competence_areas: Iterable = (),
    audience: str = Course.Audience.PROGRAMME,
    audience_counties: Iterable[County] = (),
) -> Course:
    competence_areas, audience_counties = list(competence_areas), list(audience_counties)
    _course_validate(
        programme=programme,
        county=county,
        competence_areas=competence_areas,
        audience=audience,
        audience_counties=audience_counties,
    )
    course = Course.objects.create(
        programme=programme,
        county=county,
        title=title,
        description=description,
        audience=audience,
        created_by=created_by,
    )
    course.competence_areas.set(competence_areas)
    course.audience_counties.set(audience_counties if audience == Course.Audience.COUNTIES else [])
    audit_log(
        "courses.course.created", user=created_by, obj=course, county=county, data={"title": title}
    )
    return course


@transaction.atomic
def course_update(
    *,
    course: Course,
    updated_by: User,
    title: str,
    description: str = "",
    competence_areas: Iterable = (),
    audience: str = Course.Audience.PROGRAMME,
    audience_counties: Iterable[County] = (),
) -> Course:
    competence_areas, audience_counties = list(competence_areas), list(audience_counties)
    _course_validate(
        programme=course.programme,
        county=course.county,
        competence_areas=competence_areas,
        audience=audience,
        audience_counties=audience_counties,
    )
    course.title, course.description, course.audience = title, description, audience
    course.save()
    course.competence_areas.set(competence_areas)
    course.audience_counties.set(audience_counties if audience == Course.Audience.COUNTIES else [])
    audit_log("courses.course.updated", user=updated_by, obj=course, county=course.county)
    return course


# --- gatherings ---


def gathering_check(
    *, course: Course, values: dict, previous: Gathering | None = None, now=None
) -> None:
    """The rules of a gathering's dates, seats and county, with messages in the person's
    language (the form asks it too, so no database constraint ever speaks first).

    A new gathering (or one moved) cannot start in the past, and a new one cannot be created
    with its registration already closed: nobody could register for it."""
    now = now or timezone.now()
    errors = {}
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    opens_at, deadline = values.get("registration_opens_at"), values.get("registration_deadline")
    moved = previous is None or starts_at != previous.starts_at
    if starts_at and moved and starts_at < now:
        errors["starts_at"] = _("The gathering cannot start in the past.")
    elif previous is None and deadline and deadline < now:
        errors["registration_deadline"] = _(
            "The registration deadline has already passed: nobody could register. Choose a "
            "later deadline."
        )
    if starts_at and ends_at and ends_at <= starts_at:
        errors["ends_at"] = _("The gathering must end after it starts.")
    if deadline and starts_at and deadline > starts_at:
        errors["registration_deadline"] = _(
            "The registration deadline must be before the gathering starts."
        )
    if opens_at and deadline and opens_at >= deadline:
        errors["registration_opens_at"] = _("Registration must open before the deadline.")
    county = values.get("county")
    if county is not None and not course.programme.counties.filter(pk=county.pk).exists():
        errors["county"] = _("The county does not take part in this programme.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def gathering_create(*, course: Course, created_by: User, **values) -> Gathering:
    unknown = set(values) - set(GATHERING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown gathering fields: {sorted(unknown)}")
    gathering_check(course=course, values=values)
    gathering = Gathering.objects.create(course=course, **values)
    audit_log(
        "courses.gathering.created",
        user=created_by,
        obj=gathering,
        county=gathering.county,
        data={"course": course.pk},
    )
    return gathering


def _lock(gathering: Gathering | int) -> Gathering:
    """Lock the gathering row for the rest of the transaction; every seat change goes here."""
    pk = gathering.pk if isinstance(gathering, Gathering) else gathering
    return (
        Gathering.objects.select_for_update(of=("self",))
        .select_related("course__programme", "county")
        .get(pk=pk)
    )


@transaction.atomic
def gathering_update(*, gathering: Gathering, updated_by: User, **values) -> Gathering:
    """Change a gathering; registrants are told about changed time or place, and added seats
    go to the waiting list at once."""
    unknown = set(values) - set(GATHERING_FIELDS)
    if unknown:
        raise TypeError(f"Unknown gathering fields: {sorted(unknown)}")
    gathering = _lock(gathering)
    if gathering.is_cancelled:
        raise ValidationError(_("This gathering is cancelled and can no longer be changed."))
    merged = {field: values.get(field, getattr(gathering, field)) for field in GATHERING_FIELDS}
    gathering_check(course=gathering.course, values=merged, previous=gathering)
    taken = gathering_seats_taken(gathering=gathering)
    if merged["capacity"] < taken:
        raise ValidationError(
            {
                "capacity": _(
                    "%(taken)s people already hold a seat; the gathering needs at least as many."
                )
                % {"taken": taken}
            }
        )
    changed = [f for f in GATHERING_FIELDS if merged[f] != getattr(gathering, f)]
    notify = [f for f in changed if f in GATHERING_NOTIFY_FIELDS]
    for field in changed:
        setattr(gathering, field, merged[field])
    if notify:
        gathering.sequence += 1
    gathering.save()
    promoted = _promote_waiting(gathering)
    if notify:
        informed = gathering.registrations.filter(status__in=Registration.ACTIVE_STATUSES).exclude(
            pk__in=[r.pk for r in promoted]
        )
        _notify("gathering_changed", informed.values_list("pk", flat=True))
    if changed:
        audit_log(
            "courses.gathering.updated",
            user=updated_by,
            obj=gathering,
            county=gathering.county,
            data={"changed": changed},
        )
    return gathering


@transaction.atomic
def gathering_cancel(*, gathering: Gathering, cancelled_by: User) -> Gathering:
    """Cancel a gathering and tell everyone registered (confirmed, waiting or awaiting approval).

    Registrations keep their status so the history stays; the gathering's cancellation is what
    the pages, the calendar feed and the certificate look at."""
    gathering = _lock(gathering)
    if gathering.is_cancelled:
        raise ValidationError(_("This gathering is already cancelled."))
    gathering.cancelled_at = timezone.now()
    gathering.sequence += 1
    gathering.save(update_fields=["cancelled_at", "sequence", "updated_at"])
    registrants = gathering.registrations.filter(status__in=Registration.ACTIVE_STATUSES)
    audit_log(
        "courses.gathering.cancelled",
        user=cancelled_by,
        obj=gathering,
        county=gathering.county,
        data={"registrants": registrants.count()},
    )
    _notify("gathering_cancelled", registrants.values_list("pk", flat=True))
    return gathering


@transaction.atomic
def gathering_delete(*, gathering: Gathering, deleted_by: User) -> None:
    """Delete a gathering nobody has registered for; one with registrations is cancelled
    instead, so that everyone is told and the history stays."""
    gathering = _lock(gathering)
    if gathering.registrations.exists():
        raise ValidationError(
            _("People have registered for this gathering: cancel it instead, so they are told.")
        )
    if gathering.costs.exists():
        raise ValidationError(
            _("Costs are recorded for this gathering: cancel it instead, so the budget keeps them.")
        )
    audit_log(
        "courses.gathering.deleted",
        user=deleted_by,
        obj=gathering,
        county=gathering.county,
        data={"course": gathering.course_id, "title": str(gathering)},
    )
    gathering.delete()


# --- what a gathering cost ---


@transaction.atomic
def gathering_cost_save(
    *,
    gathering: Gathering,
    saved_by: User,
    kind: str,
    amount: Decimal,
    funding_source: FundingSource,
    note: str = "",
    cost: GatheringCost | None = None,
) -> GatheringCost:
    """Record what a gathering cost, or change a recorded cost (`cost`). Cancelled gatherings
    keep their costs and take new ones (a venue booked may still have to be paid)."""
    if funding_source.programme_id != gathering.course.programme_id:
        raise ValidationError({"funding_source": _("Choose a funding source of the programme.")})
    if amount < 0:
        raise ValidationError({"amount": _("A cost cannot be negative.")})
    if cost is None:
        cost = GatheringCost(gathering=gathering)
    elif cost.gathering_id != gathering.pk:
        raise ValidationError(_("This cost belongs to another gathering."))
    cost.kind, cost.amount, cost.funding_source, cost.note = kind, amount, funding_source, note
    cost.save()
    audit_log(
        "courses.gathering_cost.saved",
        user=saved_by,
        obj=gathering,
        county=gathering.county,
        data={"cost": cost.pk, "kind": kind, "amount": str(amount)},
    )
    return cost


@transaction.atomic
def gathering_cost_delete(*, cost: GatheringCost, deleted_by: User) -> None:
    gathering = cost.gathering
    audit_log(
        "courses.gathering_cost.deleted",
        user=deleted_by,
        obj=gathering,
        county=gathering.county,
        data={"cost": cost.pk, "kind": cost.kind, "amount": str(cost.amount)},
    )
    cost.delete()


# --- registration questions ---


def _question_values(*, kind: str, choices: str) -> str:
    options = [line.strip() for line in (choices or "").splitlines() if line.strip()]
    if kind == RegistrationQuestion.Kind.CHOICE and len(options) < 2:
        raise ValidationError({"choices": _("Give at least two answers to choose from.")})
    return "\n".join(options) if kind == RegistrationQuestion.Kind.CHOICE else ""


@transaction.atomic
def question_create(
    *,
    course: Course,
    created_by: User,
    text: str,
    kind: str = RegistrationQuestion.Kind.TEXT,
    choices: str = "",
    help_text: str = "",
    required: bool = False,
    personal: bool = False,
) -> RegistrationQuestion:
    position = (course.registration_questions.aggregate(m=Max("position"))["m"] or 0) + 1
    question = RegistrationQuestion.objects.create(
        course=course,
        position=position,
        text=text,
        kind=kind,
        choices=_question_values(kind=kind, choices=choices),
        help_text=help_text,
        required=required,
        personal=personal,
    )
    audit_log(
        "courses.question.created",
        user=created_by,
        obj=question,
        county=course.county,
        data={"text": text, "personal": personal},
    )
    return question


@transaction.atomic
def question_update(
    *,
    question: RegistrationQuestion,
    updated_by: User,
    text: str,
    kind: str,
    choices: str = "",
    help_text: str = "",
    required: bool = False,
    personal: bool = False,
) -> RegistrationQuestion:
    question.choices = _question_values(kind=kind, choices=choices)
    question.text, question.kind, question.help_text = text, kind, help_text
    question.required, question.personal = required, personal
    question.save()
    audit_log(
        "courses.question.updated",
        user=updated_by,
        obj=question,
        county=question.course.county,
        data={"text": text, "personal": personal},
    )
    return question


@transaction.atomic
def question_delete(*, question: RegistrationQuestion, deleted_by: User) -> None:
    audit_log(
        "courses.question.deleted",
        user=deleted_by,
        obj=question,
        county=question.course.county,
        data={"text": question.text, "answers": question.answers.count()},
    )
    question.delete()


def _answers_check(*, course: Course, answers: dict[int, str], require: bool = True) -> dict:
    """The answers to keep (question id → text), checked against the course's questions.
    With `require=False` (a leader registering staff) required questions may wait."""
    errors, kept = {}, {}
    for question in course.registration_questions.all():
        value = (answers.get(question.pk) or "").strip()
        if not value:
            if question.required and require:
                errors[f"q{question.pk}"] = _("Please answer this question.")
            continue
        if question.kind == RegistrationQuestion.Kind.CHOICE and value not in question.choice_list:
            errors[f"q{question.pk}"] = _("Choose one of the answers given.")
            continue
        kept[question.pk] = value[:2000]
    if errors:
        raise ValidationError(errors)
    return kept


def _answers_save(registration: Registration, answers: dict[int, str]) -> None:
    registration.answers.exclude(question_id__in=answers).delete()
    for question_id, value in answers.items():
        RegistrationAnswer.objects.update_or_create(
            registration=registration, question_id=question_id, defaults={"value": value}
        )


@transaction.atomic
def registration_answers_update(
    *, registration: Registration, updated_by: User, answers: dict[int, str]
) -> Registration:
    """The person changes their answers to the registration questions, until the gathering."""
    gathering = _lock(registration.gathering_id)
    registration = Registration.objects.get(pk=registration.pk)
    if not registration.is_active or gathering.is_cancelled:
        raise ValidationError(_("This registration is no longer active."))
    if timezone.now() >= gathering.starts_at:
        raise ValidationError(_("The gathering has started; the answers can no longer change."))
    _answers_save(registration, _answers_check(course=gathering.course, answers=answers))
    audit_log(
        "courses.registration.answers_updated",
        user=updated_by,
        obj=registration,
        county=gathering.county,
    )
    return registration


@transaction.atomic
def gathering_personal_answers_delete(*, gathering: Gathering, now=None) -> int:
    """Delete the answers to personal questions (diet, accessibility ...) of a gathering that
    is over or cancelled. Idempotent: a second run finds nothing left."""
    gathering = _lock(gathering)
    if gathering.personal_answers_deleted_at is not None:
        return 0
    deleted, _detail = RegistrationAnswer.objects.filter(
        registration__gathering=gathering, question__personal=True
    ).delete()
    gathering.personal_answers_deleted_at = now or timezone.now()
    gathering.save(update_fields=["personal_answers_deleted_at"])
    audit_log(
        "courses.gathering.personal_answers_deleted",
        user=None,
        obj=gathering,
        county=gathering.county,
        data={"answers": deleted},
    )
    return deleted


def personal_answers_due(*, now=None):
    """Gatherings whose personal answers are due for deletion: cancelled, or ended more than
    `COURSES_PERSONAL_ANSWERS_KEEP_DAYS` ago."""
    now = now or timezone.now()
    kept = timedelta(days=settings.COURSES_PERSONAL_ANSWERS_KEEP_DAYS)
    return Gathering.objects.filter(personal_answers_deleted_at__isnull=True).filter(
        Q(cancelled_at__isnull=False) | Q(ends_at__lte=now - kept)
    )


# --- registrations ---


def registration_problem(
    *, user: User, gathering: Gathering, now: datetime | None = None, registered=None
):
    """Why this person cannot register for this gathering now, or None. Also used by pages to
    explain a missing "Register" button (they pass `registered` when they already know)."""
    now = now or timezone.now()
    if gathering.is_cancelled:
        return _("This gathering has been cancelled.")
    if not permissions.can(user, "register", gathering):
        return _(
            "This course is for staff of libraries in other counties; you cannot register for it."
        )
    if gathering.registration_opens_at and now < gathering.registration_opens_at:
        return _("Registration opens %(when)s.") % {
            "when": formats.date_format(
                timezone.localtime(gathering.registration_opens_at), "DATETIME_FORMAT"
            )
        }
    if now > gathering.registration_deadline:
        return _("The registration deadline (%(when)s) has passed.") % {
            "when": formats.date_format(
                timezone.localtime(gathering.registration_deadline), "DATETIME_FORMAT"
            )
        }
    if registered is None:
        registered = gathering.registrations.filter(
            user=user, status__in=Registration.ACTIVE_STATUSES
        ).exists()
    if registered:
        return _("You are already registered for this gathering.")
    return None


def registration_libraries(*, user: User, course: Course):
    """The libraries this person works at from which they may register for the course."""
    return (
        COURSE_AUDIENCE.libraries(course)
        .filter(id__in=user.roles.values("library_id"))
        .order_by("name")
    )


def _seat_status(gathering: Gathering) -> str:
    return Status.AWAITING_APPROVAL if gathering.requires_leader_approval else Status.CONFIRMED


def registration_create(
    *,
    user: User,
    gathering: Gathering,
    library: Library | None = None,
    libraries: Sequence[Library] | None = None,
    answers: dict[int, str] | None = None,
) -> Registration:
    """Register a person for a gathering: a seat if one is free, else the waiting list.

    `libraries`: the libraries the person may register from (`registration_libraries`), when
    the caller has read them for its form; else they are read here."""
    try:
        with transaction.atomic():
            return _registration_create(
                user=user,
                gathering=gathering,
                library=library,
                libraries=libraries,
                answers=answers or {},
            )
    except IntegrityError:
        # The unique constraint caught a double submission racing with itself.
        raise ValidationError(_("You are already registered for this gathering.")) from None


def _registration_create(*, user, gathering, library, libraries, answers) -> Registration:
    # The course as the caller read it, with what it has read of it (its questions, its
    # programme's counties): no change to a course or its questions takes the gathering's lock,
    # so reading them again under it would not make them any fresher.
    course = gathering.course if Gathering.course.is_cached(gathering) else None
    gathering = _lock(gathering)
    if course is not None:
        gathering.course = course
    # Counted under the lock, in one query: the seats taken, whether the person holds a
    # registration already, and the end of the waiting list.
    counts = gathering.registrations.aggregate(
        seats_taken=Count("id", filter=Q(status__in=Registration.SEAT_STATUSES)),
        registered=Count("id", filter=Q(user=user, status__in=Registration.ACTIVE_STATUSES)),
        last_waiting=Max("waiting_position", filter=Q(status=Status.WAITING)),
    )
    problem = registration_problem(
        user=user, gathering=gathering, registered=bool(counts["registered"])
    )
    if problem:
        raise ValidationError(problem)
    answers = _answers_check(course=gathering.course, answers=answers)
    if libraries is None:
        libraries = registration_libraries(user=user, course=gathering.course)
    allowed = list(libraries)
    if library is None:
        library = allowed[0] if allowed else None
    elif library.pk not in {allowed_library.pk for allowed_library in allowed}:
        raise ValidationError(_("Choose a library you work at."))
    if gathering.requires_leader_approval and library is None:
        raise ValidationError(
            _("This gathering needs your library leader's approval, but you work at no library.")
        )
    if counts["seats_taken"] < gathering.capacity:
        status, position = _seat_status(gathering), None
    else:
        status, position = Status.WAITING, (counts["last_waiting"] or 0) + 1
    registration = Registration.objects.create(
        gathering=gathering, user=user, library=library, status=status, waiting_position=position
    )
    RegistrationAnswer.objects.bulk_create(  # a new registration: nothing to replace
        RegistrationAnswer(registration=registration, question_id=question_id, value=value)
        for question_id, value in answers.items()
    )
    audit_log(
        "courses.registration.created",
        user=user,
        obj=registration,
        county=gathering.county,
        data={"status": status, "gathering": gathering.pk},
    )
    _notify(status, [registration.pk])
    return registration


def registration_create_for_staff(
    *, registered_by: User, gathering: Gathering, people: Iterable[tuple[User, Library]]
) -> list[Registration]:
    """A library leader registers several of their staff at once, in the order given: a seat
    for each while seats are free, then the waiting list. Their registration is the leader's
    approval. All or nothing: if one of them cannot be registered, nobody is, and the reasons
    name each person."""
    try:
        with transaction.atomic():
            return _registration_create_for_staff(
                registered_by=registered_by, gathering=gathering, people=list(people)
            )
    except IntegrityError:
        raise ValidationError(
            _("Someone on the list registered at the same moment; please try again.")
        ) from None


def _registration_create_for_staff(*, registered_by, gathering, people) -> list[Registration]:
    gathering = _lock(gathering)
    if not people:
        raise ValidationError(_("Choose at least one person to register."))
    problems = []
    for person, library in people:
        candidate = Registration(gathering=gathering, user=person, library=library)
        if not permissions.can(registered_by, "register", candidate):
            problem = _("You can register only staff of a library you lead.")
        else:
            problem = registration_problem(user=person, gathering=gathering)
        if problem:
            problems.append(f"{person.get_full_name()}: {problem}")
    if problems:
        raise ValidationError(problems)
    now, free = timezone.now(), gathering.capacity - gathering_seats_taken(gathering=gathering)
    position = _last_waiting_position(gathering)
    created = []
    for person, library in people:
        if free > 0:
            status, place, free = Status.CONFIRMED, None, free - 1
        else:
            position += 1
            status, place = Status.WAITING, position
        # The leader's registration is their approval, also for a seat offered later.
        approved = gathering.requires_leader_approval
        created.append(
            Registration.objects.create(
                gathering=gathering,
                user=person,
                library=library,
                status=status,
                waiting_position=place,
                registered_by=registered_by,
                decided_by=registered_by if approved else None,
                decided_at=now if approved else None,
            )
        )
    audit_log(
        "courses.registration.created_for_staff",
        user=registered_by,
        obj=gathering,
        county=gathering.county,
        data={"registrations": [r.pk for r in created]},
    )
    for status in (Status.CONFIRMED, Status.WAITING):
        _notify(status, [r.pk for r in created if r.status == status])
    return created


def _last_waiting_position(gathering: Gathering) -> int:
    return (
        gathering.registrations.filter(status=Status.WAITING).aggregate(m=Max("waiting_position"))[
            "m"
        ]
        or 0
    )


def _leave_waiting_list(gathering: Gathering, position: int) -> None:
    """Close the gap a place on the waiting list leaves: everyone behind moves up one."""
    gathering.registrations.filter(status=Status.WAITING, waiting_position__gt=position).update(
        waiting_position=F("waiting_position") - 1
    )


def seat_offer_expiry(gathering: Gathering, now: datetime) -> datetime:
    """Until when a freed seat is held for the person it is offered to: a fixed time, but
    never past the gathering's start."""
    return min(now + timedelta(hours=settings.COURSES_SEAT_OFFER_HOURS), gathering.starts_at)


def _promote_waiting(gathering: Gathering) -> list[Registration]:
    """Offer free seats to the first on the waiting list. The gathering must be locked.

    Nothing moves once the gathering has started (or if it is cancelled)."""
    offered = []
    now = timezone.now()
    if gathering.is_cancelled or now >= gathering.starts_at:
        return offered
    free = gathering.capacity - gathering_seats_taken(gathering=gathering)
    if free <= 0:
        return offered
    first = list(
        gathering.registrations.filter(status=Status.WAITING).order_by("waiting_position")[:free]
    )
    expires_at = seat_offer_expiry(gathering, now)
    for registration in first:
        registration.status = Status.OFFERED
        registration.waiting_position = None
        registration.offer_expires_at = expires_at
        registration.save(
            update_fields=["status", "waiting_position", "offer_expires_at", "updated_at"]
        )
        offered.append(registration)
    if offered:
        gathering.registrations.filter(status=Status.WAITING).update(
            waiting_position=F("waiting_position") - len(offered)
        )
        for registration in offered:
            audit_log(
                "courses.registration.offered",
                user=None,
                obj=registration,
                county=gathering.county,
                data={"expires_at": expires_at.isoformat()},
            )
        _notify("offered", [r.pk for r in offered])
    return offered


def _offer_problem(registration: Registration, now: datetime) -> str | None:
    if registration.status == Status.OFFER_EXPIRED or (
        registration.status == Status.OFFERED and registration.offer_expires_at <= now
    ):
        return _("The seat offer expired %(when)s; the seat has gone to the next person.") % {
            "when": formats.date_format(
                timezone.localtime(registration.offer_expires_at), "DATETIME_FORMAT"
            )
        }
    if registration.status != Status.OFFERED:
        return _("This registration has no open seat offer.")
    return None


@transaction.atomic
def registration_offer_accept(*, registration: Registration, accepted_by: User) -> Registration:
    """Take the offered seat (then, where the gathering asks for it, the library leader
    approves as for any seat)."""
    gathering = _lock(registration.gathering_id)
    registration = Registration.objects.get(pk=registration.pk)
    problem = _offer_problem(registration, timezone.now())
    if problem:
        raise ValidationError(problem)
    # Approved in advance (a leader registered them): the seat is confirmed at once.
    approved = registration.decided_by_id is not None
    registration.status = Status.CONFIRMED if approved else _seat_status(gathering)
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "offer_expires_at", "updated_at"])
    audit_log(
        "courses.registration.offer_accepted",
        user=accepted_by,
        obj=registration,
        county=gathering.county,
        data={"status": registration.status},
    )
    _notify(registration.status, [registration.pk])
    return registration


@transaction.atomic
def registration_offer_decline(*, registration: Registration, declined_by: User) -> Registration:
    """Say no to the offered seat: the registration ends and the seat is offered to the next."""
    gathering = _lock(registration.gathering_id)
    registration = Registration.objects.get(pk=registration.pk)
    problem = _offer_problem(registration, timezone.now())
    if problem:
        raise ValidationError(problem)
    registration.status = Status.CANCELLED
    registration.cancelled_at = timezone.now()
    registration.offer_expires_at = None
    registration.save(update_fields=["status", "cancelled_at", "offer_expires_at", "updated_at"])
    audit_log(
        "courses.registration.offer_declined",
        user=declined_by,
        obj=registration,
        county=gathering.county,
    )
    _notify("offer_declined", [registration.pk])
    _promote_waiting(gathering)
    return registration


def registration_offers_expire(*, now: datetime | None = None) -> int:
    """Pass on every seat offer whose time has run out (beat). Each gathering is handled under
    its lock and the state is read again there, so runs that overlap, repeat or race with a
    person's "yes" expire each offer once and never one that was taken."""
    now = now or timezone.now()
    gathering_ids = (
        Registration.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now)
        .values_list("gathering_id", flat=True)
        .distinct()
    )
    return sum(_offers_expire(gathering_id, now) for gathering_id in list(gathering_ids))


@transaction.atomic
def _offers_expire(gathering_id: int, now: datetime) -> int:
    gathering = _lock(gathering_id)
    expired = list(gathering.registrations.filter(status=Status.OFFERED, offer_expires_at__lte=now))
    for registration in expired:
        registration.status = Status.OFFER_EXPIRED
        registration.save(update_fields=["status", "updated_at"])
        audit_log(
            "courses.registration.offer_expired",
            user=None,
            obj=registration,
            county=gathering.county,
        )
    _notify("offer_expired", [r.pk for r in expired])
    _promote_waiting(gathering)
    return len(expired)


@transaction.atomic
def registration_cancel(*, registration: Registration, cancelled_by: User) -> Registration:
    """Cancel a registration; a freed seat goes to the first on the waiting list at once."""
    gathering = _lock(registration.gathering_id)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status in (Status.ATTENDED, Status.ABSENT):
        raise ValidationError(_("Attendance has been recorded; the registration stays."))
    if not registration.is_active:
        raise ValidationError(_("This registration is already cancelled."))
    if gathering.is_cancelled:
        raise ValidationError(_("This gathering has been cancelled."))
    previous, position = registration.status, registration.waiting_position
    registration.status = Status.CANCELLED
    registration.waiting_position = None
    registration.offer_expires_at = None
    registration.cancelled_at = timezone.now()
    registration.save(
        update_fields=[
            "status",
            "waiting_position",
            "offer_expires_at",
            "cancelled_at",
            "updated_at",
        ]
    )
    if previous == Status.WAITING:
        _leave_waiting_list(gathering, position)
    audit_log(
        "courses.registration.cancelled",
        user=cancelled_by,
        obj=registration,
        county=gathering.county,
        data={"previous_status": previous, "by_self": cancelled_by.pk == registration.user_id},
    )
    _notify("cancelled", [registration.pk])
    _promote_waiting(gathering)
    return registration


@transaction.atomic
def registration_decide(
    *, registration: Registration, decided_by: User, approve: bool, reason: str = ""
) -> Registration:
    """The library leader approves (seat confirmed) or declines (seat freed) a registration;
    a "no" comes with a reason the applicant sees."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Give the reason; the applicant will see it.")})
    gathering = _lock(registration.gathering_id)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status != Status.AWAITING_APPROVAL:
        raise ValidationError(_("This registration is not waiting for a decision."))
    registration.status = Status.CONFIRMED if approve else Status.DECLINED
    registration.decided_by = decided_by
    registration.decided_at = timezone.now()
    registration.decision_reason = "" if approve else reason[:2000]
    registration.save(
        update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"]
    )
    audit_log(
        "courses.registration.approved" if approve else "courses.registration.declined",
        user=decided_by,
        obj=registration,
        county=gathering.county,
        data={"library": registration.library_id},
    )
    _notify("approved" if approve else "declined", [registration.pk])
    if not approve:
        _promote_waiting(gathering)
    return registration


def attendance_open(gathering: Gathering, now: datetime | None = None) -> bool:
    """Attendance is marked from the day the gathering starts."""
    now = now or timezone.now()
    return timezone.localdate(now) >= timezone.localdate(gathering.starts_at)


@transaction.atomic
def attendance_mark(
    *,
    gathering: Gathering,
    marked_by: User,
    attended: dict[int, bool],
    everyone_present: bool = False,
) -> list[Registration]:
    """Mark confirmed registrations attended or absent (and correct earlier marks).

    `attended` maps registration id → True (attended) / False (absent); `everyone_present`
    marks every confirmed registration attended (then the few absent are corrected)."""
    gathering = _lock(gathering)
    if gathering.is_cancelled:
        raise ValidationError(_("This gathering has been cancelled."))
    if not attendance_open(gathering):
        raise ValidationError(_("Attendance can be marked from the day the gathering starts."))
    markable = {
        r.pk: r
        for r in gathering.registrations.filter(
            status__in=[Status.CONFIRMED, Status.ATTENDED, Status.ABSENT]
        )
    }
    if everyone_present:
        attended = dict.fromkeys(markable, True)
    changed = []
    for registration_id, present in attended.items():
        registration = markable.get(registration_id)
        if registration is None:
            continue  # not (any longer) a confirmed registration of this gathering
        status = Status.ATTENDED if present else Status.ABSENT
        if registration.status != status:
            registration.status = status
            changed.append(registration)
    Registration.objects.bulk_update(changed, ["status"])
    if changed:
        audit_log(
            "courses.attendance.marked",
            user=marked_by,
            obj=gathering,
            county=gathering.county,
            data={
                "attended": [r.pk for r in changed if r.status == Status.ATTENDED],
                "absent": [r.pk for r in changed if r.status == Status.ABSENT],
            },
        )
    return changed


# --- reminders ---


@transaction.atomic
def registration_reminder_queue(*, registration_id: int) -> bool:
    """Mark a reminder as sent and queue its e-mail; False if it was already (so no run, however
    often repeated, reminds anyone twice)."""
    from .tasks import registration_notify

    claimed = Registration.objects.filter(pk=registration_id, reminder_sent_at__isnull=True).update(
        reminder_sent_at=timezone.now()
    )
    if claimed:
        outbox.enqueue(registration_notify, registration_id, "reminder")
    return bool(claimed)


# --- calendar feed ---


def calendar_feed_token(*, feed: CalendarFeed) -> str | None:
    """The feed's token, to show the address again; None when it cannot be made again (an
    address from before tokens were derived, or SECRET_KEY changed since): reissue then."""
    if feed.issued_at is None:
        return None
    token = derived_token("calendar-feed", feed.user_id, feed.issued_at.isoformat())
    return token if token_hash(token) == feed.token_hash else None


@transaction.atomic
def calendar_feed_issue(*, user: User) -> CalendarFeed:
    """A new secret address for the person's calendar feed; an old one stops working at once."""
    issued_at = timezone.now()
    hashed = token_hash(derived_token("calendar-feed", user.pk, issued_at.isoformat()))
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"token_hash": hashed, "issued_at": issued_at}
    )
    if not created:
        feed.token_hash, feed.issued_at = hashed, issued_at
        feed.save(update_fields=["token_hash", "issued_at"])
    audit_log(
        "courses.calendar_feed.issued" if created else "courses.calendar_feed.regenerated",
        user=user,
        obj=feed,
    )
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> bool:
    """Stop the person's calendar feed; its address no longer works. False if there was none."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return False
    audit_log("courses.calendar_feed.revoked", user=user, obj=feed)
    feed.delete()
    return True


# --- evaluation ---


@transaction.atomic
def gathering_evaluation_attach(*, gathering: Gathering, survey, attached_by: User) -> Gathering:
    """Attach an evaluation survey to a gathering (None detaches).

    Only a survey of the course's programme that the person may manage: attaching and then
    inviting would otherwise let a gathering's coordinator send invitations for (and add
    participants to) a programme-wide survey that is the project leader's alone.
    """
    if survey is not None and not (
        survey.programme_id == gathering.course.programme_id
        and permissions.can(attached_by, "manage", survey)
    ):
        raise ValidationError({"survey": _("Choose a survey of this programme that you manage.")})
    gathering.evaluation_survey = survey
    gathering.save(update_fields=["evaluation_survey", "updated_at"])
    audit_log(
        "courses.gathering.evaluation_attached",
        user=attached_by,
        obj=gathering,
        county=gathering.county,
        data={"survey": survey.pk if survey else None},
    )
    return gathering


@transaction.atomic
def gathering_evaluation_invite(*, gathering: Gathering, invited_by: User) -> int:
    """After the gathering, invite everyone who attended to its evaluation survey."""
    from surveys.builder.services import survey_invite_users

    gathering = _lock(gathering)
    if gathering.evaluation_survey_id is None:
        raise ValidationError(_("Attach an evaluation survey first."))
    # Attached by someone else (the project leader), or the person's role changed since.
    if not permissions.can(invited_by, "manage", gathering.evaluation_survey):
        raise ValidationError(
            _("Only those who manage the evaluation survey can invite people to it.")
        )
    if timezone.now() < gathering.ends_at:
        raise ValidationError(_("Participants can be invited once the gathering has ended."))
    attendees = User.objects.filter(
        course_registrations__gathering=gathering,
        course_registrations__status=Status.ATTENDED,
    )
    if not attendees.exists():
        raise ValidationError(_("Mark attendance first: only those who attended are invited."))
    count = survey_invite_users(
        survey=gathering.evaluation_survey, users=list(attendees), invited_by=invited_by
    )
    gathering.evaluation_invited_at = timezone.now()
    gathering.save(update_fields=["evaluation_invited_at", "updated_at"])
    audit_log(
        "courses.gathering.evaluation_invited",
        user=invited_by,
        obj=gathering,
        county=gathering.county,
        data={"survey": gathering.evaluation_survey_id, "invited": count},
    )
    return count
