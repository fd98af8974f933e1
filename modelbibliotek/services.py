"""Writes of the model libraries: report periods, the appointment, the plan (goals, indicators,
milestones, plan anchoring) and the report cycle.

Who may act is the policy's answer (modelbibliotek.permissions); *when* is decided here, for site
admins too, and every rule raises a ValidationError in the person's language (by form field where
there is one):

- dates: a report period, a model library's project and a milestone lie inside the programme's
  period; a report period is due on or after its last day;
- values: each indicator value fits its unit (`models.value_parse`); an indicator's unit is fixed
  once values are reported in it;
- reports: one per model library and period; the library writes while a report is a draft or
  returned; only a submitted report is returned (with a comment) or approved; an approved report
  is frozen (`ProgressReport.frozen`) and never changes.

Every write to a report locks its row first (`select_for_update`) and checks the status after the
lock, in the same transaction: two people submitting, returning or approving the same report at
the same moment make exactly one transition; the other is told what happened meanwhile. Only the
report's row is locked, so there is no lock order to get wrong.

Every change and decision is written to the portal's audit log (`modelbibliotek.<thing>.<what>`)
with the report or the model library as its object; the report page shows that history.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.learning.content import validate_upload
from portal import outbox, permissions
from portal.audit import audit_log
from portal.models import Library, OutboxMessage, Programme, User

from .models import (
    Goal,
    Indicator,
    IndicatorValue,
    Milestone,
    MilestoneUpdate,
    ModelLibrary,
    PlanAnchoring,
    PlanAnchoringChange,
    ProgressReport,
    ReportAttachment,
    ReportComment,
    ReportPeriod,
    Unit,
    value_parse,
)
from .selectors import report_content

Status = ProgressReport.Status
NARRATIVE_FIELDS = ("activities", "results", "challenges", "next_steps")


def _enqueue(task_name: str, *args, key: str | None = None) -> None:
    """Record a task of modelbibliotek.tasks in the outbox, in the service's transaction: it runs
    once the write has committed, and survives the broker being away (portal.outbox)."""
    from . import tasks

    outbox.enqueue(getattr(tasks, task_name), *args, key=key)


def _day(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _within_programme(programme: Programme, field: str, value: date | None) -> None:
    if value is not None and not programme.start_date <= value <= programme.end_date:
        raise ValidationError(
            {
                field: _("Choose a date inside the programme's period, %(start)s to %(end)s.")
                % {"start": _day(programme.start_date), "end": _day(programme.end_date)}
            }
        )


def _log(action: str, *, user: User, obj, model_library: ModelLibrary, **data) -> None:
    audit_log(
        f"modelbibliotek.{action}",
        user=user,
        obj=obj,
        county=model_library.library.county,
        data=data,
    )


# --- report periods (the programme's) ---------------------------------------------------------


def _period_validate(programme: Programme, starts_on: date, ends_on: date, due_on: date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The period must end on or after the day it starts.")})
    if due_on < ends_on:
        raise ValidationError(
            {"due_on": _("The report can be due on the period's last day at the earliest.")}
        )
    for field, value in (("starts_on", starts_on), ("ends_on", ends_on), ("due_on", due_on)):
        _within_programme(programme, field, value)


@transaction.atomic
def report_period_save(
    *,
    programme: Programme,
    saved_by: User,
    title: str,
    starts_on: date,
    ends_on: date,
    due_on: date,
    period: ReportPeriod | None = None,
) -> ReportPeriod:
    """Add a report period to the programme, or change one."""
    _period_validate(programme, starts_on, ends_on, due_on)
    if period is None:
        period = ReportPeriod(programme=programme)
    period.title, period.starts_on, period.ends_on, period.due_on = (
        title,
        starts_on,
        ends_on,
        due_on,
    )
    period.save()
    audit_log(
        "modelbibliotek.period.saved",
        user=saved_by,
        obj=programme,
        data={"period": period.pk, "due_on": due_on.isoformat()},
    )
    return period


@transaction.atomic
def report_period_delete(*, period: ReportPeriod, deleted_by: User) -> None:
    if period.reports.exists():
        raise ValidationError(_("Reports have been written for this period, so it stays."))
    programme = period.programme
    period.delete()
    audit_log("modelbibliotek.period.deleted", user=deleted_by, obj=programme)


# --- the model library ------------------------------------------------------------------------

PROJECT_FIELDS = ("title", "description", "starts_on", "ends_on")


def _project_validate(
    *, programme: Programme, library: Library, starts_on, ends_on, competence_areas
) -> None:
    if not programme.counties.filter(pk=library.county_id).exists():
        raise ValidationError({"library": _("Choose a library in a county of the programme.")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The project must end on or after the day it starts.")})
    _within_programme(programme, "starts_on", starts_on)
    _within_programme(programme, "ends_on", ends_on)
    if any(area.programme_id != programme.pk for area in competence_areas):
        raise ValidationError({"competence_areas": _("Choose competence areas of this programme.")})


def _contacts_validate(model_library: ModelLibrary, contact_people) -> None:
    writers = permissions.users_for("edit", model_library)
    if any(not writers.filter(pk=person.pk).exists() for person in contact_people):
        raise ValidationError(
            {"contact_people": _("Contact people must work at the library or coordinate it.")}
        )


@transaction.atomic
def model_library_appoint(
    *,
    programme: Programme,
    library: Library,
    appointed_by: User,
    competence_areas=(),
    contact_people=(),
    **fields,
) -> ModelLibrary:
    """Appoint a library as a model library of the programme, with its project's facts."""
    competence_areas, contact_people = list(competence_areas), list(contact_people)
    _project_validate(
        programme=programme,
        library=library,
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        competence_areas=competence_areas,
    )
    if ModelLibrary.objects.filter(programme=programme, library=library).exists():
        raise ValidationError(
            {
                "library": _("%(library)s is already a model library of this programme.")
                % {"library": library}
            }
        )
    model_library = ModelLibrary(
        programme=programme,
        library=library,
        appointed_by=appointed_by,
        **{name: fields[name] for name in PROJECT_FIELDS if name in fields},
    )
    _contacts_validate(model_library, contact_people)
    model_library.save()
    model_library.competence_areas.set(competence_areas)
    model_library.contact_people.set(contact_people)
    _log("appointed", user=appointed_by, obj=model_library, model_library=model_library)
    return model_library


@transaction.atomic
def model_library_update(
    *,
    model_library: ModelLibrary,
    updated_by: User,
    competence_areas=(),
    contact_people=(),
    **fields,
) -> ModelLibrary:
    competence_areas, contact_people = list(competence_areas), list(contact_people)
    _project_validate(
        programme=model_library.programme,
        library=model_library.library,
        starts_on=fields["starts_on"],
        ends_on=fields["ends_on"],
        competence_areas=competence_areas,
    )
    _contacts_validate(model_library, contact_people)
    # Compared with the row as stored (a form may already have changed the instance in memory).
    model_library = ModelLibrary.objects.select_for_update().get(pk=model_library.pk)
    changed = [n for n in PROJECT_FIELDS if n in fields and getattr(model_library, n) != fields[n]]
    for name in changed:
        setattr(model_library, name, fields[name])
    model_library.save()
    model_library.competence_areas.set(competence_areas)
    model_library.contact_people.set(contact_people)
    _log(
        "project.updated",
        user=updated_by,
        obj=model_library,
        model_library=model_library,
        changed=changed,
    )
    return model_library


# --- the plan: goals, indicators, milestones ---------------------------------------------------


@transaction.atomic
def goal_save(
    *,
    model_library: ModelLibrary,
    saved_by: User,
    title: str,
    description: str = "",
    competence_areas=(),
    goal: Goal | None = None,
) -> Goal:
    competence_areas = list(competence_areas)
    if any(area.programme_id != model_library.programme_id for area in competence_areas):
        raise ValidationError({"competence_areas": _("Choose competence areas of this programme.")})
    created = goal is None
    if created:
        goal = Goal(model_library=model_library, position=model_library.goals.count())
    goal.title, goal.description = title, description
    goal.save()
    goal.competence_areas.set(competence_areas)
    _log(
        "goal.created" if created else "goal.updated",
        user=saved_by,
        obj=model_library,
        model_library=model_library,
        goal=goal.pk,
        title=title,
    )
    return goal


@transaction.atomic
def goal_delete(*, goal: Goal, deleted_by: User) -> None:
    if IndicatorValue.objects.filter(indicator__goal=goal).exists():
        raise ValidationError(_("Values are reported for this goal's indicators, so it stays."))
    model_library = goal.model_library
    _log(
        "goal.deleted",
        user=deleted_by,
        obj=model_library,
        model_library=model_library,
        title=goal.title,
    )
    goal.delete()


def _indicator_values(unit: str, baseline, target) -> dict:
    """The indicator's baseline and target, parsed by its unit (errors by form field)."""
    errors, values = {}, {}
    for name, raw in (("baseline", baseline), ("target", target)):
        try:
            number, text = value_parse(unit, raw)
        except ValidationError as error:
            errors[name] = error.messages
            continue
        values[f"{name}_number"], values[f"{name}_text"] = number, text
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def indicator_save(
    *,
    goal: Goal,
    saved_by: User,
    name: str,
    unit: str,
    baseline="",
    baseline_on: date | None = None,
    target="",
    target_on: date | None = None,
    portal_figure: str = "",
    indicator: Indicator | None = None,
) -> Indicator:
    """Add an indicator to a goal or change one. Its unit is fixed once values are reported."""
    if unit not in Unit.values:
        raise ValidationError({"unit": _("Choose a unit.")})
    if portal_figure not in Indicator.PortalFigure.values:
        raise ValidationError({"portal_figure": _("Choose one of the portal's figures.")})
    if indicator is not None and indicator.unit != unit and indicator.values.exists():
        raise ValidationError(
            {"unit": _("Values are already reported in this unit, so it cannot change.")}
        )
    values = _indicator_values(unit, baseline, target)
    if baseline_on and target_on and target_on < baseline_on:
        raise ValidationError(
            {"target_on": _("The target date must be on or after the baseline date.")}
        )
    created = indicator is None
    if created:
        indicator = Indicator(goal=goal, position=goal.indicators.count())
    indicator.name, indicator.unit, indicator.portal_figure = name, unit, portal_figure
    indicator.baseline_on, indicator.target_on = baseline_on, target_on
    for field, value in values.items():
        setattr(indicator, field, value)
    indicator.save()
    model_library = goal.model_library
    _log(
        "indicator.created" if created else "indicator.updated",
        user=saved_by,
        obj=model_library,
        model_library=model_library,
        indicator=indicator.pk,
        name=name,
    )
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, deleted_by: User) -> None:
    if indicator.values.exists():
        raise ValidationError(_("Values are reported for this indicator, so it stays."))
    model_library = indicator.goal.model_library
    _log(
        "indicator.deleted",
        user=deleted_by,
        obj=model_library,
        model_library=model_library,
        name=indicator.name,
    )
    indicator.delete()


def _milestone_status_validate(status: str, done_on: date | None, field: str = "done_on") -> None:
    if status not in Milestone.Status.values:
        raise ValidationError({"status": _("Choose a status.")})
    if status == Milestone.Status.DONE and done_on is None:
        raise ValidationError({field: _("Give the date the milestone was done.")})
    if done_on is not None and done_on > timezone.localdate():
        raise ValidationError({field: _("The date it was done cannot be in the future.")})


@transaction.atomic
def milestone_save(
    *,
    model_library: ModelLibrary,
    saved_by: User,
    title: str,
    due_on: date,
    goal: Goal | None = None,
    status: str = Milestone.Status.PLANNED,
    done_on: date | None = None,
    milestone: Milestone | None = None,
) -> Milestone:
    if goal is not None and goal.model_library_id != model_library.pk:
        raise ValidationError({"goal": _("Choose one of this model library's goals.")})
    _within_programme(model_library.programme, "due_on", due_on)
    _milestone_status_validate(status, done_on)
    created = milestone is None
    if created:
        milestone = Milestone(model_library=model_library)
    milestone.title, milestone.due_on, milestone.goal = title, due_on, goal
    milestone.status = status
    milestone.done_on = done_on if status == Milestone.Status.DONE else None
    milestone.save()
    _log(
        "milestone.created" if created else "milestone.updated",
        user=saved_by,
        obj=model_library,
        model_library=model_library,
        milestone=milestone.pk,
        status=status,
        due_on=due_on.isoformat(),
    )
    return milestone


@transaction.atomic
def milestone_delete(*, milestone: Milestone, deleted_by: User) -> None:
    if milestone.updates.exists():
        raise ValidationError(_("Reports give this milestone's status, so it stays."))
    model_library = milestone.model_library
    _log(
        "milestone.deleted",
        user=deleted_by,
        obj=model_library,
        model_library=model_library,
        title=milestone.title,
    )
    milestone.delete()


# --- plan anchoring ---------------------------------------------------------------------------


@transaction.atomic
def plan_save(
    *,
    model_library: ModelLibrary,
    saved_by: User,
    kind: str,
    name: str,
    level: str,
    status: str,
    decided_on: date | None = None,
    link: str = "",
    plan: PlanAnchoring | None = None,
    report: ProgressReport | None = None,
) -> PlanAnchoring:
    """Add a plan the work is anchored in, or change one; every change is kept in its history
    (tied to the report it was told in, when it was told in one)."""
    if status == PlanAnchoring.Status.ADOPTED and decided_on is None:
        raise ValidationError(
            {"decided_on": _("Give the date the plan was adopted with library content.")}
        )
    if decided_on is not None and decided_on > timezone.localdate():
        raise ValidationError(
            {"decided_on": _("The date of the decision cannot be in the future.")}
        )
    if report is not None and not report.is_editable:
        raise ValidationError(_("This report is submitted and can no longer be changed."))
    created = plan is None
    if created:
        plan = PlanAnchoring(model_library=model_library)
    else:
        plan = PlanAnchoring.objects.select_for_update().get(pk=plan.pk)
    before = (plan.level, plan.status, plan.decided_on, plan.link)
    plan.kind, plan.name, plan.level, plan.status = kind, name, level, status
    plan.decided_on, plan.link = decided_on, link
    plan.save()
    if created or before != (level, status, decided_on, link):
        PlanAnchoringChange.objects.create(
            plan=plan,
            report=report,
            level=level,
            status=status,
            decided_on=decided_on,
            link=link,
            changed_by=saved_by,
        )
    _log(
        "plan.created" if created else "plan.updated",
        user=saved_by,
        obj=report or model_library,
        model_library=model_library,
        plan=plan.pk,
        name=name,
        status=status,
    )
    return plan


# --- reports ----------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *, model_library: ModelLibrary, period: ReportPeriod, created_by: User
) -> ProgressReport:
    """Start the report of a period (a draft)."""
    if period.programme_id != model_library.programme_id:
        raise ValidationError({"period": _("Choose one of the programme's report periods.")})
    already = _("There is already a report for %(period)s.") % {"period": period}
    if ProgressReport.objects.filter(model_library=model_library, period=period).exists():
        raise ValidationError({"period": already})
    try:
        with transaction.atomic():
            report = ProgressReport.objects.create(model_library=model_library, period=period)
    except IntegrityError:
        # Someone started the same report a moment ago.
        raise ValidationError({"period": already}) from None
    _log(
        "report.created",
        user=created_by,
        obj=report,
        model_library=model_library,
        period=period.title,
    )
    return report


def _lock(report: ProgressReport) -> ProgressReport:
    return (
        ProgressReport.objects.select_for_update(of=("self",))
        .select_related("model_library__library__county", "model_library__programme", "period")
        .get(pk=report.pk)
    )


def _editable(report: ProgressReport) -> None:
    if not report.is_editable:
        raise ValidationError(
            _("This report is %(status)s and can no longer be changed.")
            % {"status": report.get_status_display().lower()}
        )


def report_update(
    *,
    report: ProgressReport,
    updated_by: User,
    narrative: dict[str, str],
    values: dict[int, tuple[str, str]] | None = None,
    milestones: dict[int, tuple[str, date | None, str]] | None = None,
) -> ProgressReport:
    """Save a draft (or returned) report: its narrative, a value for each indicator
    (indicator id → (value as typed, comment)) and milestone statuses (milestone id → (status,
    done on, note)). Nothing is stored unless everything fits (errors by field:
    `value_<id>`, `milestone_<id>`)."""
    values, milestones = values or {}, milestones or {}
    with transaction.atomic():
        report = _lock(report)
        _editable(report)
        model_library = report.model_library
        indicators = {i.pk: i for i in Indicator.objects.filter(goal__model_library=model_library)}
        own_milestones = {m.pk: m for m in model_library.milestones.all()}
        errors: dict[str, list[str]] = {}
        parsed = {}
        for indicator_id, (raw, comment) in values.items():
            indicator = indicators.get(indicator_id)
            if indicator is None:
                raise ValidationError(_("Choose indicators of this model library."))
            try:
                parsed[indicator_id] = (*value_parse(indicator.unit, raw), comment)
            except ValidationError as error:
                errors[f"value_{indicator_id}"] = error.messages
        for milestone_id, (status, done_on, _note) in milestones.items():
            if milestone_id not in own_milestones:
                raise ValidationError(_("Choose milestones of this model library."))
            try:
                _milestone_status_validate(status, done_on, field=f"done_on_{milestone_id}")
            except ValidationError as error:
                for field, messages in error.message_dict.items():
                    errors.setdefault(
                        field if field != "status" else f"milestone_{milestone_id}", []
                    ).extend(messages)
        if errors:
            raise ValidationError(errors)
        for name in NARRATIVE_FIELDS:
            if name in narrative:
                setattr(report, name, narrative[name].strip())
        report.save()
        for indicator_id, (number, text, comment) in parsed.items():
            indicator = indicators[indicator_id]
            if number is None and not text:
                IndicatorValue.objects.filter(indicator=indicator, report=report).delete()
                continue
            IndicatorValue.objects.update_or_create(
                indicator=indicator,
                report=report,
                defaults={
                    "unit": indicator.unit,
                    "number": number,
                    "text": text,
                    "comment": comment.strip(),
                },
            )
        for milestone_id, (status, done_on, note) in milestones.items():
            milestone = own_milestones[milestone_id]
            if status == milestone.status and not note and done_on == milestone.done_on:
                MilestoneUpdate.objects.filter(report=report, milestone=milestone).delete()
                continue
            MilestoneUpdate.objects.update_or_create(
                report=report,
                milestone=milestone,
                defaults={
                    "status": status,
                    "done_on": done_on if status == Milestone.Status.DONE else None,
                    "note": note.strip(),
                },
            )
        _log(
            "report.saved",
            user=updated_by,
            obj=report,
            model_library=model_library,
            values=len(parsed),
            milestones=len(milestones),
        )
    return report


def report_attachment_add(*, report: ProgressReport, uploaded_by: User, file) -> ReportAttachment:
    """Attach a file (type by name and content, size within the cap: courses.learning.content)."""
    validate_upload(file)
    with transaction.atomic():
        report = _lock(report)
        _editable(report)
        attachment = ReportAttachment.objects.create(
            report=report,
            file=file,
            name=str(file.name)[:255],
            size=file.size,
            uploaded_by=uploaded_by,
        )
        _log(
            "report.attachment_added",
            user=uploaded_by,
            obj=report,
            model_library=report.model_library,
            name=attachment.name,
        )
    return attachment


def report_attachment_delete(*, attachment: ReportAttachment, deleted_by: User) -> None:
    with transaction.atomic():
        report = _lock(attachment.report)
        _editable(report)
        name = attachment.name
        stored = attachment.file
        attachment.delete()
        _log(
            "report.attachment_deleted",
            user=deleted_by,
            obj=report,
            model_library=report.model_library,
            name=name,
        )
        # The file goes when the deletion is committed: a rollback keeps the row, so the file too.
        transaction.on_commit(lambda storage=stored.storage, path=stored.name: storage.delete(path))


def _apply_milestone_updates(report: ProgressReport) -> None:
    """The milestone statuses the report gives become the milestones' own."""
    for update in report.milestone_updates.select_related("milestone"):
        milestone = update.milestone
        milestone.status = update.status
        milestone.done_on = update.done_on
        milestone.save(update_fields=["status", "done_on"])


def _moved_on(report: ProgressReport) -> str:
    """Why a transition is refused: what the report became meanwhile."""
    return {
        Status.SUBMITTED: _("This report was submitted a moment ago; nothing was changed."),
        Status.RETURNED: _("This report was returned a moment ago; nothing was changed."),
        Status.APPROVED: _("This report was approved a moment ago; nothing was changed."),
        Status.DRAFT: _("This report is a draft that has not been submitted; nothing was changed."),
    }[report.status]


def report_submit(*, report: ProgressReport, submitted_by: User) -> ProgressReport:
    """Send a draft (or a returned report, changed) to the county's coordinator."""
    with transaction.atomic():
        report = _lock(report)
        if not report.is_editable:
            raise ValidationError(_moved_on(report))
        resubmitted = report.status == Status.RETURNED
        _apply_milestone_updates(report)
        report.status, report.submitted_at = Status.SUBMITTED, timezone.now()
        report.save(update_fields=["status", "submitted_at", "updated_at"])
        event = "resubmitted" if resubmitted else "submitted"
        _log(f"report.{event}", user=submitted_by, obj=report, model_library=report.model_library)
        _enqueue("report_notify", report.pk, event)
    return report


def report_return(*, report: ProgressReport, returned_by: User, comment: str) -> ProgressReport:
    """Send a submitted report back to the library, saying what to change."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what the library should change.")})
    with transaction.atomic():
        report = _lock(report)
        if report.status != Status.SUBMITTED:
            raise ValidationError(_moved_on(report))
        report.status = Status.RETURNED
        report.save(update_fields=["status", "updated_at"])
        ReportComment.objects.create(
            report=report, kind=ReportComment.Kind.RETURNED, text=comment, author=returned_by
        )
        _log(
            "report.returned",
            user=returned_by,
            obj=report,
            model_library=report.model_library,
            comment=comment,
        )
        _enqueue("report_notify", report.pk, "returned")
    return report


def report_approve(
    *, report: ProgressReport, approved_by: User, comment: str = ""
) -> ProgressReport:
    """Approve a submitted report; its content is frozen as it is now."""
    comment = (comment or "").strip()
    with transaction.atomic():
        report = _lock(report)
        if report.status != Status.SUBMITTED:
            raise ValidationError(_moved_on(report))
        report.frozen = report_content(report=report)
        report.status, report.approved_at = Status.APPROVED, timezone.now()
        report.save(update_fields=["frozen", "status", "approved_at", "updated_at"])
        if comment:
            ReportComment.objects.create(
                report=report, kind=ReportComment.Kind.APPROVED, text=comment, author=approved_by
            )
        _log(
            "report.approved",
            user=approved_by,
            obj=report,
            model_library=report.model_library,
            comment=comment,
        )
        _enqueue("report_notify", report.pk, "approved")
    return report


@transaction.atomic
def report_comment(*, report: ProgressReport, author: User, text: str) -> ReportComment:
    """A reader's comment (the project leader's, for example); it changes nothing else."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    comment = ReportComment.objects.create(report=report, text=text, author=author)
    _log("report.commented", user=author, obj=report, model_library=report.model_library)
    return comment


def report_reminder_queue(*, model_library_id: int, period_id: int) -> bool:
    """Queue the reminder of one report due soon, once: the outbox key makes a rerun (or a
    second worker) a no-op. True if it was queued now."""
    key = f"modelbibliotek-reminder:{model_library_id}:{period_id}"
    if OutboxMessage.objects.filter(key=key).exists():
        return False
    with transaction.atomic():
        _enqueue("report_reminder_notify", model_library_id, period_id, key=key)
    return True
