"""Writes of the exchange: offers and their periods, applications and the three-step approval,
placements with their budget, reports and feedback.

Who may act is the policy's answer (hospitering.permissions); *when* is decided here, for site
admins too: every rule about status and dates raises a ValidationError in the person's language.

Places are never over-allocated: every write that takes or frees a place of an offer period (the
host's final approval, a withdrawal, a change of the number of places) runs in one transaction
that first locks the period row (`select_for_update`), then counts the approved applications,
then writes. Only one period row is locked per transaction, so there is no lock order to get
wrong; withdrawing a whole offer locks its periods in id order.

Notifications are recorded in the outbox in one place, `_enqueue`, inside the transaction of
the write they follow from.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from portal import outbox, permissions
from portal.audit import audit_log
from portal.models import FundingSource, Library, Programme, User

from .models import (
    Application,
    BudgetLine,
    Decision,
    HostFeedback,
    Offer,
    OfferPeriod,
    Placement,
    PlacementReport,
)

Status = Application.Status
Step = Application.Step
Outcome = Decision.Outcome
NEXT_STEP = {Step.LIBRARY_LEADER: Step.HOME_COUNTY, Step.HOME_COUNTY: Step.HOST, Step.HOST: None}

OFFER_FIELDS = (
    "title",
    "description",
    "themes",
    "languages",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "preparation",
    "accessibility",
    "helps_with_accommodation",
)
APPLICATION_FIELDS = (
    "starts_on",
    "ends_on",
    "learning_goals",
    "sharing_plan",
    "estimated_cost",
    "budget_note",
)


def _enqueue(task_name: str, *args) -> None:
    """Record a task of hospitering.tasks in the outbox, in the service's transaction: it runs
    once the write has committed, and survives the broker being away (portal.outbox)."""
    from . import tasks

    outbox.enqueue(getattr(tasks, task_name), *args)


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


# --- offers -----------------------------------------------------------------------------------


def _offer_validate(*, programme: Programme, host_library: Library, competence_areas) -> None:
    if not programme.counties.filter(pk=host_library.county_id).exists():
        raise ValidationError(
            {"host_library": _("The host library must be in a county of the programme.")}
        )
    if any(area.programme_id != programme.pk for area in competence_areas):
        raise ValidationError({"competence_areas": _("Choose competence areas of this programme.")})


def _periods_validate(periods) -> None:
    if not periods:
        raise ValidationError(_("Add at least one period in which you can receive visitors."))
    for starts_on, ends_on, places in periods:
        if ends_on < starts_on:
            raise ValidationError(_("A period must end on or after the day it starts."))
        if places < 1:
            raise ValidationError(_("A period needs at least one place."))


@transaction.atomic
def offer_create(
    *,
    created_by: User,
    programme: Programme,
    host_library: Library,
    competence_areas,
    periods: list[tuple[date, date, int]],
    **fields,
) -> Offer:
    """Publish an offer with its periods; it is open for applications at once."""
    competence_areas = list(competence_areas)
    _offer_validate(
        programme=programme, host_library=host_library, competence_areas=competence_areas
    )
    _periods_validate(periods)
    offer = Offer.objects.create(
        programme=programme,
        host_library=host_library,
        created_by=created_by,
        **{name: fields[name] for name in OFFER_FIELDS if name in fields},
    )
    offer.competence_areas.set(competence_areas)
    OfferPeriod.objects.bulk_create(
        OfferPeriod(offer=offer, starts_on=s, ends_on=e, places=p) for s, e, p in periods
    )
    audit_log(
        "hospitering.offer.created",
        user=created_by,
        obj=offer,
        county=host_library.county,
        data={"periods": len(periods)},
    )
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, updated_by: User, competence_areas, **fields) -> Offer:
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status == Offer.Status.WITHDRAWN:
        raise ValidationError(_("This offer has been withdrawn and can no longer be changed."))
    competence_areas = list(competence_areas)
    _offer_validate(
        programme=offer.programme,
        host_library=offer.host_library,
        competence_areas=competence_areas,
    )
    changed = [
        name for name in OFFER_FIELDS if name in fields and getattr(offer, name) != fields[name]
    ]
    for name in changed:
        setattr(offer, name, fields[name])
    offer.save()
    offer.competence_areas.set(competence_areas)
    audit_log(
        "hospitering.offer.updated",
        user=updated_by,
        obj=offer,
        county=offer.host_library.county,
        data={"changed": changed},
    )
    return offer


def _lock_period(period_id: int) -> OfferPeriod:
    return OfferPeriod.objects.select_for_update().select_related("offer").get(pk=period_id)


def places_taken(period: OfferPeriod) -> int:
    """Approved applications hold a place (the period must be locked when this decides a write)."""
    return period.applications.filter(status=Status.APPROVED).count()


@transaction.atomic
def period_add(*, offer: Offer, added_by: User, starts_on: date, ends_on: date, places: int):
    if offer.status == Offer.Status.WITHDRAWN:
        raise ValidationError(_("This offer has been withdrawn and can no longer be changed."))
    _periods_validate([(starts_on, ends_on, places)])
    period = OfferPeriod.objects.create(
        offer=offer, starts_on=starts_on, ends_on=ends_on, places=places
    )
    audit_log(
        "hospitering.period.added",
        user=added_by,
        obj=offer,
        county=offer.host_library.county,
        data={"period": period.pk, "places": places},
    )
    return period


@transaction.atomic
def period_update(
    *, period: OfferPeriod, updated_by: User, starts_on: date, ends_on: date, places: int
) -> OfferPeriod:
    """Change a period's dates or places; never below the places already given, never leaving
    out the dates of an application still on its way."""
    period = _lock_period(period.pk)
    _periods_validate([(starts_on, ends_on, places)])
    taken = places_taken(period)
    if places < taken:
        raise ValidationError(
            {
                "places": _(
                    "%(taken)s places are already given; the period needs at least that many."
                )
                % {"taken": taken}
            }
        )
    active = period.applications.filter(status__in=Application.ACTIVE_STATUSES)
    if (
        active.filter(starts_on__lt=starts_on).exists()
        or active.filter(ends_on__gt=ends_on).exists()
    ):
        raise ValidationError(
            _("Applications still on their way ask for dates outside the new period.")
        )
    period.starts_on, period.ends_on, period.places = starts_on, ends_on, places
    period.save()
    audit_log(
        "hospitering.period.updated",
        user=updated_by,
        obj=period.offer,
        county=period.offer.host_library.county,
        data={"period": period.pk, "places": places},
    )
    return period


@transaction.atomic
def period_delete(*, period: OfferPeriod, deleted_by: User) -> None:
    period = _lock_period(period.pk)
    if period.applications.exists():
        raise ValidationError(_("People have applied for this period, so it stays."))
    offer = period.offer
    period.delete()
    audit_log(
        "hospitering.period.deleted",
        user=deleted_by,
        obj=offer,
        county=offer.host_library.county,
    )


@transaction.atomic
def offer_close(*, offer: Offer, closed_by: User, reopen: bool = False) -> Offer:
    """Close an offer for new applications (those already made go on), or open it again."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status == Offer.Status.WITHDRAWN:
        raise ValidationError(_("This offer has been withdrawn and can no longer be changed."))
    offer.status = Offer.Status.OPEN if reopen else Offer.Status.CLOSED
    offer.save(update_fields=["status", "updated_at"])
    audit_log(
        "hospitering.offer.reopened" if reopen else "hospitering.offer.closed",
        user=closed_by,
        obj=offer,
        county=offer.host_library.county,
    )
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, withdrawn_by: User, reason: str = "") -> Offer:
    """Withdraw an offer: applications on their way end, approved placements are cancelled, and
    everyone who applied is told."""
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.status == Offer.Status.WITHDRAWN:
        raise ValidationError(_("This offer is already withdrawn."))
    list(OfferPeriod.objects.select_for_update().filter(offer=offer).order_by("id"))
    affected = list(offer.applications.filter(status__in=Application.ACTIVE_STATUSES))
    now = timezone.now()
    for application in affected:
        application.status, application.step = Status.WITHDRAWN, None
        application.save(update_fields=["status", "step", "updated_at"])
        Decision.objects.create(
            application=application,
            step=Step.HOST,
            outcome=Outcome.WITHDRAWN,
            reason=reason or _("The host withdrew the offer."),
            decided_by=withdrawn_by,
        )
    Placement.objects.filter(application__in=affected, cancelled_at__isnull=True).update(
        cancelled_at=now
    )
    offer.status = Offer.Status.WITHDRAWN
    offer.save(update_fields=["status", "updated_at"])
    audit_log(
        "hospitering.offer.withdrawn",
        user=withdrawn_by,
        obj=offer,
        county=offer.host_library.county,
        data={"applications": [a.pk for a in affected]},
    )
    for application in affected:
        _enqueue("application_notify", application.pk, "offer_withdrawn")
    return offer


# --- applications ----------------------------------------------------------------------------


def application_libraries(*, user: User, programme: Programme):
    """The libraries this person works at in the programme's counties (their home library)."""
    return (
        Library.objects.filter(role_assignments__user=user, county__programmes=programme)
        .select_related("county")
        .distinct()
        .order_by("name")
    )


def _overlaps(*, user: User, starts_on: date, ends_on: date, exclude_application=None) -> list[str]:
    """What of the person's own already overlaps these days: placements and course gatherings."""
    from courses.selectors import calendar_gatherings

    problems = []
    placements = Placement.objects.filter(
        application__applicant=user,
        cancelled_at__isnull=True,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    ).select_related("application__offer__host_library")
    if exclude_application is not None:
        placements = placements.exclude(application=exclude_application)
    for placement in placements:
        problems.append(
            _("You already have a placement at %(library)s from %(start)s to %(end)s.")
            % {
                "library": placement.application.offer.host_library,
                "start": _day(placement.starts_on),
                "end": _day(placement.ends_on),
            }
        )
    gatherings = calendar_gatherings(user=user).filter(
        cancelled_at__isnull=True,
        starts_at__date__lte=ends_on,
        ends_at__date__gte=starts_on,
    )
    for gathering in gatherings:
        problems.append(
            _("You are registered for the gathering “%(gathering)s” on %(day)s.")
            % {
                "gathering": gathering.title or gathering.course.title,
                "day": _day(timezone.localdate(gathering.starts_at)),
            }
        )
    return problems


def application_problems(
    *,
    user: User,
    offer: Offer,
    period: OfferPeriod | None,
    home_library: Library | None,
    starts_on: date | None,
    ends_on: date | None,
    application: Application | None = None,
) -> dict[str, list[str]]:
    """Why these wishes cannot be sent, by form field (None: the whole form); empty if they can."""
    problems: dict[str | None, list[str]] = {}

    def add(field, message):
        problems.setdefault(field, []).append(message)

    if application is None and offer.status != Offer.Status.OPEN:
        add(None, _("This offer is not open for applications."))
    if home_library is not None:
        if home_library.pk == offer.host_library_id:
            add(
                "home_library",
                _("You work at the host library: job shadowing is a visit to another library."),
            )
        elif not application_libraries(user=user, programme=offer.programme).filter(
            pk=home_library.pk
        ):
            add("home_library", _("Choose a library you work at."))
    if period is not None and period.offer_id != offer.pk:
        add("period", _("Choose one of this offer's periods."))
        period = None
    if starts_on and ends_on:
        if ends_on < starts_on:
            add("ends_on", _("The last day must be on or after the first day."))
        elif period is not None and not period.contains(starts_on, ends_on):
            add(
                "starts_on",
                _("Choose days inside the period you chose: %(start)s to %(end)s.")
                % {"start": _day(period.starts_on), "end": _day(period.ends_on)},
            )
        else:
            for message in _overlaps(
                user=user, starts_on=starts_on, ends_on=ends_on, exclude_application=application
            ):
                add("starts_on", message)
        if starts_on <= timezone.localdate() and application is None:
            add("starts_on", _("Choose days in the future."))
    if period is not None and places_taken(period) >= period.places:
        add("period", _("This period is full: all its places are given. Choose another period."))
    already = Q(applicant=user, status__in=Application.ACTIVE_STATUSES)
    if period is not None and application is None and period.applications.filter(already):
        add("period", _("You have already applied for this period."))
    return problems


def _raise(problems: dict) -> None:
    if problems:
        raise ValidationError(
            {field or "__all__": messages for field, messages in problems.items()}
        )


def application_create(
    *,
    applicant: User,
    offer: Offer,
    period: OfferPeriod,
    home_library: Library,
    starts_on: date,
    ends_on: date,
    learning_goals: str,
    sharing_plan: str,
    estimated_cost: Decimal,
    budget_note: str = "",
) -> Application:
    """Send an application; it goes to the applicant's library leader (or who stands in)."""
    try:
        with transaction.atomic():
            period = _lock_period(period.pk)
            _raise(
                application_problems(
                    user=applicant,
                    offer=Offer.objects.get(pk=offer.pk),
                    period=period,
                    home_library=home_library,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
            )
            application = Application.objects.create(
                offer=offer,
                period=period,
                applicant=applicant,
                home_library=home_library,
                starts_on=starts_on,
                ends_on=ends_on,
                learning_goals=learning_goals,
                sharing_plan=sharing_plan,
                estimated_cost=estimated_cost,
                budget_note=budget_note,
                status=Status.PENDING,
                step=Step.LIBRARY_LEADER,
            )
            audit_log(
                "hospitering.application.created",
                user=applicant,
                obj=application,
                county=home_library.county,
                data={"offer": offer.pk, "period": period.pk},
            )
            _enqueue("application_notify", application.pk, "submitted")
            return application
    except IntegrityError:
        # The unique constraint caught a double submission racing with itself.
        raise ValidationError({"period": _("You have already applied for this period.")}) from None


def _changes_step(application: Application) -> str:
    last = (
        application.decisions.filter(outcome=Outcome.CHANGES).order_by("-decided_at", "-id").first()
    )
    return last.step if last else Step.LIBRARY_LEADER


@transaction.atomic
def application_update(*, application: Application, updated_by: User, **fields) -> Application:
    """The applicant's changes, when asked for: the application goes back to the step that asked."""
    application = (
        Application.objects.select_for_update().select_related("offer").get(pk=application.pk)
    )
    if application.status != Status.CHANGES_REQUESTED:
        raise ValidationError(_("The application can be changed only when changes are asked for."))
    period = application.period
    _raise(
        application_problems(
            user=application.applicant,
            offer=application.offer,
            period=None,
            home_library=None,
            starts_on=fields["starts_on"],
            ends_on=fields["ends_on"],
            application=application,
        )
    )
    if not period.contains(fields["starts_on"], fields["ends_on"]):
        raise ValidationError(
            {
                "starts_on": _("Choose days inside the period you chose: %(start)s to %(end)s.")
                % {"start": _day(period.starts_on), "end": _day(period.ends_on)}
            }
        )
    for name in APPLICATION_FIELDS:
        if name in fields:
            setattr(application, name, fields[name])
    application.status, application.step = Status.PENDING, _changes_step(application)
    application.save()
    Decision.objects.create(
        application=application,
        step=application.step,
        outcome=Outcome.RESUBMITTED,
        decided_by=updated_by,
    )
    audit_log(
        "hospitering.application.resubmitted",
        user=updated_by,
        obj=application,
        county=application.home_library.county,
        data={"step": application.step},
    )
    _enqueue("application_notify", application.pk, "resubmitted")
    return application


def application_decide(
    *, application: Application, decided_by: User, outcome: str, reason: str = ""
) -> Application:
    """Approve, reject (with a reason) or ask for changes (saying which) at the current step.

    The host's approval is final: it takes a place of the period under the period's lock."""
    reason = (reason or "").strip()
    if outcome in (Outcome.REJECTED, Outcome.CHANGES) and not reason:
        if outcome == Outcome.REJECTED:
            raise ValidationError({"reason": _("Give a reason for the rejection.")})
        raise ValidationError({"reason": _("Say which changes you ask for.")})
    if outcome not in (Outcome.APPROVED, Outcome.REJECTED, Outcome.CHANGES):
        raise ValidationError(_("Choose approve, reject or ask for changes."))
    with transaction.atomic():
        # The period first, then the application: the same order as every other write.
        period = _lock_period(application.period_id)
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.status != Status.PENDING or application.step is None:
            raise ValidationError(_("This application is no longer waiting for a decision."))
        step = application.step
        event = outcome
        if outcome == Outcome.APPROVED:
            application.step = NEXT_STEP[step]
            if application.step is None:
                _final_approval_check(application, period)
                application.status = Status.APPROVED
                _placement_create(application)
                event = "approved"
            else:
                event = "advanced"
        elif outcome == Outcome.REJECTED:
            application.status, application.step = Status.REJECTED, None
        else:
            application.status, application.step = Status.CHANGES_REQUESTED, None
        application.save(update_fields=["status", "step", "updated_at"])
        Decision.objects.create(
            application=application,
            step=step,
            outcome=outcome,
            reason=reason,
            decided_by=decided_by,
        )
        audit_log(
            f"hospitering.application.{outcome}",
            user=decided_by,
            obj=application,
            county=application.home_library.county,
            data={"step": step, "reason": reason},
        )
        _enqueue("application_notify", application.pk, event)
    return application


def _final_approval_check(application: Application, period: OfferPeriod) -> None:
    if places_taken(period) >= period.places:
        raise ValidationError(
            _(
                "The period %(period)s is full: its last place was given a moment ago. "
                "Ask the applicant to choose another period."
            )
            % {"period": f"{_day(period.starts_on)}–{_day(period.ends_on)}"}
        )
    if Placement.objects.filter(
        application__applicant_id=application.applicant_id,
        cancelled_at__isnull=True,
        starts_on__lte=application.ends_on,
        ends_on__gte=application.starts_on,
    ).exists():
        raise ValidationError(_("The applicant already has another placement on these days."))


def _placement_create(application: Application) -> Placement:
    offer = application.offer
    contact = ", ".join(
        part for part in (offer.contact_name, offer.contact_email, offer.contact_phone) if part
    )
    return Placement.objects.create(
        application=application,
        starts_on=application.starts_on,
        ends_on=application.ends_on,
        host_contact=contact,
    )


@transaction.atomic
def application_withdraw(*, application: Application, withdrawn_by: User) -> Application:
    """The applicant withdraws; an approved application frees its place (the period is locked)."""
    _lock_period(application.period_id)
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status not in Application.ACTIVE_STATUSES:
        raise ValidationError(_("This application is already closed."))
    placement = getattr(application, "placement", None)
    if placement is not None and placement.starts_on <= timezone.localdate():
        raise ValidationError(_("The placement has begun; it can no longer be withdrawn."))
    # The step it leaves: where it waited, where changes were asked, or the host once approved.
    if application.status == Status.CHANGES_REQUESTED:
        previous_step = _changes_step(application)
    else:
        previous_step = application.step or Step.HOST
    application.status, application.step = Status.WITHDRAWN, None
    application.save(update_fields=["status", "step", "updated_at"])
    if placement is not None:
        placement.cancelled_at = timezone.now()
        placement.sequence += 1
        placement.save(update_fields=["cancelled_at", "sequence", "updated_at"])
    Decision.objects.create(
        application=application,
        step=previous_step,
        outcome=Outcome.WITHDRAWN,
        decided_by=withdrawn_by,
    )
    audit_log(
        "hospitering.application.withdrawn",
        user=withdrawn_by,
        obj=application,
        county=application.home_library.county,
        data={"had_placement": placement is not None},
    )
    _enqueue("application_notify", application.pk, "withdrawn")
    return application


# --- placements ------------------------------------------------------------------------------


@transaction.atomic
def placement_update(
    *,
    placement: Placement,
    updated_by: User,
    starts_on: date,
    ends_on: date,
    host_contact: str,
    day_programme: str,
) -> Placement:
    """The host confirms the days, the contact and the programme; the participant is told."""
    placement = (
        Placement.objects.select_for_update()
        .select_related("application__period")
        .get(pk=placement.pk)
    )
    if placement.is_cancelled:
        raise ValidationError(_("This placement has been cancelled."))
    period = placement.application.period
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day must be on or after the first day.")})
    if not period.contains(starts_on, ends_on):
        raise ValidationError(
            {
                "starts_on": _("Choose days inside the offer's period: %(start)s to %(end)s.")
                % {"start": _day(period.starts_on), "end": _day(period.ends_on)}
            }
        )
    dates_changed = (starts_on, ends_on) != (placement.starts_on, placement.ends_on)
    if dates_changed:
        overlaps = Placement.objects.filter(
            application__applicant_id=placement.application.applicant_id,
            cancelled_at__isnull=True,
            starts_on__lte=ends_on,
            ends_on__gte=starts_on,
        ).exclude(pk=placement.pk)
        if overlaps.exists():
            raise ValidationError(
                {"starts_on": _("The participant has another placement on these days.")}
            )
    changed = dates_changed or (host_contact, day_programme) != (
        placement.host_contact,
        placement.day_programme,
    )
    placement.starts_on, placement.ends_on = starts_on, ends_on
    placement.host_contact, placement.day_programme = host_contact, day_programme
    if changed:
        placement.sequence += 1
    placement.save()
    if changed:
        audit_log(
            "hospitering.placement.updated",
            user=updated_by,
            obj=placement,
            county=placement.application.offer.host_library.county,
            data={"dates_changed": dates_changed},
        )
        _enqueue("application_notify", placement.application_id, "placement_changed")
    return placement


def _funding_check(placement: Placement, funding_source: FundingSource) -> None:
    if funding_source.programme_id != placement.application.offer.programme_id:
        raise ValidationError({"funding_source": _("Choose a funding source of the programme.")})


@transaction.atomic
def budget_line_save(
    *,
    placement: Placement,
    saved_by: User,
    kind: str,
    planned: Decimal,
    actual: Decimal | None,
    funding_source: FundingSource,
    description: str = "",
    line: BudgetLine | None = None,
) -> BudgetLine:
    """Add a budget line to a placement, or change one (`line`)."""
    if placement.is_cancelled:
        raise ValidationError(_("This placement has been cancelled."))
    _funding_check(placement, funding_source)
    if line is None:
        line = BudgetLine(placement=placement)
    elif line.placement_id != placement.pk:
        raise ValidationError(_("This budget line belongs to another placement."))
    line.kind, line.planned, line.actual = kind, planned, actual
    line.funding_source, line.description = funding_source, description
    line.save()
    audit_log(
        "hospitering.budget.saved",
        user=saved_by,
        obj=placement,
        county=placement.application.home_library.county,
        data={"line": line.pk, "kind": kind, "planned": str(planned), "actual": str(actual)},
    )
    return line


@transaction.atomic
def budget_line_delete(*, line: BudgetLine, deleted_by: User) -> None:
    placement = line.placement
    line.delete()
    audit_log(
        "hospitering.budget.deleted",
        user=deleted_by,
        obj=placement,
        county=placement.application.home_library.county,
    )


def _afterwards_check(placement: Placement) -> None:
    if placement.is_cancelled:
        raise ValidationError(_("This placement has been cancelled."))
    if timezone.localdate() < placement.ends_on:
        raise ValidationError(
            _("This can be written from the last day of the placement (%(day)s).")
            % {"day": _day(placement.ends_on)}
        )


@transaction.atomic
def report_save(
    *, placement: Placement, written_by: User, learnt: str, changes_at_home: str, shared: str
) -> PlacementReport:
    """The participant's report (written, or corrected later)."""
    _afterwards_check(placement)
    report, created = PlacementReport.objects.update_or_create(
        placement=placement,
        defaults={"learnt": learnt, "changes_at_home": changes_at_home, "shared": shared},
    )
    audit_log(
        "hospitering.report.submitted" if created else "hospitering.report.updated",
        user=written_by,
        obj=placement,
        county=placement.application.home_library.county,
    )
    if created:
        _enqueue("application_notify", placement.application_id, "report_submitted")
    return report


@transaction.atomic
def feedback_save(*, placement: Placement, written_by: User, feedback: str) -> HostFeedback:
    _afterwards_check(placement)
    entry, created = HostFeedback.objects.update_or_create(
        placement=placement, defaults={"feedback": feedback, "author": written_by}
    )
    audit_log(
        "hospitering.feedback.submitted" if created else "hospitering.feedback.updated",
        user=written_by,
        obj=placement,
        county=placement.application.offer.host_library.county,
    )
    return entry


# --- reminders -------------------------------------------------------------------------------


@transaction.atomic
def reminder_queue(*, placement_id: int, kind: str, already_sent: int) -> bool:
    """Count a reminder as sent and queue its e-mail, in one transaction; False if another run
    already did (so however often the schedule runs, nobody is reminded twice)."""
    field = {"report": "report_reminders_sent", "feedback": "feedback_reminders_sent"}[kind]
    claimed = Placement.objects.filter(pk=placement_id, **{field: already_sent}).update(
        **{field: F(field) + 1}
    )
    if claimed:
        application_id = Placement.objects.values_list("application_id", flat=True).get(
            pk=placement_id
        )
        _enqueue("application_notify", application_id, f"{kind}_reminder")
    return bool(claimed)


# --- for forms ---------------------------------------------------------------------------------


def offer_programmes(*, user: User):
    """Programmes in which the person may publish offers (some library they may host for)."""
    from .permissions import offer_host_choices

    return [
        programme
        for programme in permissions.visible(user, Programme).order_by("-start_date", "name")
        if offer_host_choices(user=user, programme=programme).exists()
    ]
