"""Writes of the courses app: courses, gatherings, registrations, waiting lists, attendance.

Seats are never overbooked: every write that takes or frees a seat runs inside one transaction
that first locks the gathering row (`select_for_update`), then counts, then writes. Two requests
for the same gathering therefore run one after the other; requests for different gatherings do
not wait for each other. Only one gathering row is ever locked per transaction, so there is no
lock order to get wrong.

Waiting list: when a gathering is full, a registration gets the next place on its waiting list
(1, 2, 3 … without gaps). Whenever a seat is freed (a cancellation, a leader's "no", more seats),
the first on the list is promoted at once and told by e-mail; places behind move up.

Library leader approval (when the gathering asks for it): a registration that gets a seat waits
for the leader's decision as "awaiting approval" and keeps its seat meanwhile, so a "yes" can never
find the gathering full. A "no" frees the seat for the waiting list. A person on the waiting list
is asked for approval when promoted. Where the library has no leader, the course's
managers decide instead (see RegistrationPolicy), so a seat is never held forever.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal import outbox, permissions
from portal.audit import audit_log
from portal.models import County, Library, Programme, User

from .models import CalendarFeed, Course, Gathering, Registration
from .permissions import COURSE_AUDIENCE

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


def _gathering_validate(*, course: Course, values: dict) -> None:
    errors = {}
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    opens_at, deadline = values.get("registration_opens_at"), values.get("registration_deadline")
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
    _gathering_validate(course=course, values=values)
    gathering = Gathering.objects.create(course=course, **values)
    audit_log(
        "courses.gathering.created",
        user=created_by,
        obj=gathering,
        county=gathering.county,
        data={"course": course.pk},
    )
    return gathering


def _seats_taken(gathering: Gathering) -> int:
    return gathering.registrations.filter(status__in=Registration.SEAT_STATUSES).count()


def _lock(gathering: Gathering | int) -> Gathering:
    """Lock the gathering row for the rest of the transaction; every seat change goes here."""
    pk = gathering.pk if isinstance(gathering, Gathering) else gathering
    return Gathering.objects.select_for_update(of=("self",)).select_related("course").get(pk=pk)


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
    _gathering_validate(course=gathering.course, values=merged)
    taken = _seats_taken(gathering)
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


# --- registrations ---


def registration_problem(*, user: User, gathering: Gathering, now: datetime | None = None):
    """Why this person cannot register for this gathering now, or None. Also used by pages to
    explain a missing "Register" button."""
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
    if gathering.registrations.filter(user=user, status__in=Registration.ACTIVE_STATUSES).exists():
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
    *, user: User, gathering: Gathering, library: Library | None = None
) -> Registration:
    """Register a person for a gathering: a seat if one is free, else the waiting list."""
    try:
        with transaction.atomic():
            return _registration_create(user=user, gathering=gathering, library=library)
    except IntegrityError:
        # The unique constraint caught a double submission racing with itself.
        raise ValidationError(_("You are already registered for this gathering.")) from None


def _registration_create(*, user, gathering, library) -> Registration:
    gathering = _lock(gathering)
    problem = registration_problem(user=user, gathering=gathering)
    if problem:
        raise ValidationError(problem)
    allowed = registration_libraries(user=user, course=gathering.course)
    if library is None:
        library = allowed.first()
    elif not allowed.filter(pk=library.pk).exists():
        raise ValidationError(_("Choose a library you work at."))
    if gathering.requires_leader_approval and library is None:
        raise ValidationError(
            _("This gathering needs your library leader's approval, but you work at no library.")
        )
    if _seats_taken(gathering) < gathering.capacity:
        status, position = _seat_status(gathering), None
    else:
        status, position = Status.WAITING, _last_waiting_position(gathering) + 1
    registration = Registration.objects.create(
        gathering=gathering, user=user, library=library, status=status, waiting_position=position
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


def _promote_waiting(gathering: Gathering) -> list[Registration]:
    """Give free seats to the first on the waiting list. The gathering must be locked."""
    promoted = []
    if gathering.is_cancelled:
        return promoted
    free = gathering.capacity - _seats_taken(gathering)
    if free <= 0:
        return promoted
    first = list(
        gathering.registrations.filter(status=Status.WAITING).order_by("waiting_position")[:free]
    )
    for registration in first:
        registration.status = _seat_status(gathering)
        registration.waiting_position = None
        registration.save(update_fields=["status", "waiting_position", "updated_at"])
        promoted.append(registration)
    if promoted:
        gathering.registrations.filter(status=Status.WAITING).update(
            waiting_position=F("waiting_position") - len(promoted)
        )
        for registration in promoted:
            audit_log(
                "courses.registration.promoted",
                user=None,
                obj=registration,
                county=gathering.county,
                data={"status": registration.status},
            )
        _notify("promoted", [r.pk for r in promoted])
    return promoted


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
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "waiting_position", "cancelled_at", "updated_at"])
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
    *, registration: Registration, decided_by: User, approve: bool
) -> Registration:
    """The library leader approves (seat confirmed) or declines (seat freed) a registration."""
    gathering = _lock(registration.gathering_id)
    registration = Registration.objects.get(pk=registration.pk)
    if registration.status != Status.AWAITING_APPROVAL:
        raise ValidationError(_("This registration is not waiting for a decision."))
    registration.status = Status.CONFIRMED if approve else Status.DECLINED
    registration.decided_by = decided_by
    registration.decided_at = timezone.now()
    registration.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
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
    *, gathering: Gathering, marked_by: User, attended: dict[int, bool]
) -> list[Registration]:
    """Mark confirmed registrations attended or absent (and correct earlier marks).

    `attended` maps registration id → True (attended) / False (absent)."""
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


def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is None:
        try:
            with transaction.atomic():
                feed = CalendarFeed.objects.create(user=user, token=secrets.token_urlsafe(32))
        except IntegrityError:  # made by a parallel request
            feed = CalendarFeed.objects.get(user=user)
    return feed


@transaction.atomic
def calendar_feed_regenerate(*, user: User) -> CalendarFeed:
    """A new secret address; the old one stops working at once."""
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"token": secrets.token_urlsafe(32)}
    )
    if not _created:
        feed.token = secrets.token_urlsafe(32)
        feed.save(update_fields=["token"])
    audit_log("courses.calendar_feed.regenerated", user=user, obj=feed)
    return feed


# --- evaluation ---


@transaction.atomic
def gathering_evaluation_attach(*, gathering: Gathering, survey, attached_by: User) -> Gathering:
    """Attach an evaluation survey the coordinator may see to a gathering (None detaches)."""
    from surveys.models import Survey

    if (
        survey is not None
        and not permissions.visible(attached_by, Survey)
        .filter(pk=survey.pk, programme_id=gathering.course.programme_id)
        .exists()
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
