"""The report cycle's rules, the indicator time series and freezing, and bad input refused with a
message and nothing stored."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from modelbibliotek import services
from modelbibliotek.models import (
    IndicatorValue,
    Milestone,
    ProgressReport,
    ReportAttachment,
    ReportPeriod,
    value_parse,
)
from modelbibliotek.selectors import indicator_series, report_history, report_shown

from .factories import decider, model_library, periods, report_at, writer

pytestmark = pytest.mark.django_db
Status = ProgressReport.Status


@pytest.fixture
def project(world):
    return model_library(world)


@pytest.fixture
def report_periods(world):
    return periods(world.programme, 3)


def _percent(project):
    return project.goals.first().indicators.get(unit="percent")


@pytest.mark.parametrize(
    "unit, raw, expected",
    [
        ("number", "12,5", (Decimal("12.5"), "")),
        ("number", " 1 200 ", (Decimal("1200"), "")),
        ("percent", "100", (Decimal("100"), "")),
        ("yes_no", "yes", (Decimal(1), "")),
        ("yes_no", "no", (Decimal(0), "")),
        ("text", "Nevnt i planen", (None, "Nevnt i planen")),
        ("number", "", (None, "")),
    ],
)
def test_values_are_read_by_their_unit(unit, raw, expected):
    assert value_parse(unit, raw) == expected


@pytest.mark.parametrize(
    "unit, raw, words",
    [
        ("percent", "101", "between 0 and 100"),
        ("percent", "-1", "between 0 and 100"),
        ("number", "mange", "Enter a number"),
        ("number", "NaN", "Enter a number"),
        ("number", "1,234", "at most two decimals"),
        ("yes_no", "kanskje", "Choose yes or no"),
    ],
)
def test_values_outside_their_unit_are_refused(unit, raw, words):
    with pytest.raises(ValidationError, match=words):
        value_parse(unit, raw)


def test_a_bad_value_stores_nothing_of_the_report(project, report_periods):
    report = report_at(project, report_periods[0], "draft")
    person = writer(report)
    percent = _percent(project)
    with pytest.raises(ValidationError) as caught:
        services.report_update(
            report=report,
            updated_by=person,
            narrative={"activities": "Endret tekst"},
            values={percent.pk: ("150", "")},
        )
    assert f"value_{percent.pk}" in caught.value.message_dict
    report.refresh_from_db()
    assert report.activities == "Vi holdt tre samlinger."
    assert IndicatorValue.objects.get(report=report, indicator=percent).number == Decimal("40")


def test_the_full_cycle_and_its_history(world, project, report_periods):
    report = report_at(project, report_periods[0], "draft")
    person, coordinator = writer(report), decider(report)
    assert coordinator == world.coordinator_a
    services.report_submit(report=report, submitted_by=person)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.report_update(report=report, updated_by=person, narrative={"results": "x"})
    with pytest.raises(ValidationError, match="Say what the library should change"):
        services.report_return(report=report, returned_by=coordinator, comment=" ")
    services.report_return(report=report, returned_by=coordinator, comment="Mer om effekt.")
    services.report_update(report=report, updated_by=person, narrative={"results": "Effekt."})
    services.report_submit(report=report, submitted_by=person)
    services.report_approve(report=report, approved_by=coordinator)
    report.refresh_from_db()
    assert report.status == Status.APPROVED
    with pytest.raises(ValidationError, match="was approved a moment ago"):
        services.report_return(report=report, returned_by=coordinator, comment="Nei.")
    actions = [entry.action.split(".")[-1] for entry in report_history(report=report)]
    assert actions == [
        "created",
        "saved",
        "submitted",
        "returned",
        "saved",
        "resubmitted",
        "approved",
    ]
    assert [e.user for e in report_history(report=report)][-1] == coordinator


def test_emails_go_to_the_coordinator_and_back_to_the_library(
    world, project, report_periods, django_capture_on_commit_callbacks
):
    report = report_at(project, report_periods[0], "draft")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=report, submitted_by=world.staff_a)
    assert [m.to for m in mail.outbox] == [[world.coordinator_a.email]]
    assert "to approve" in mail.outbox[0].subject
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_return(report=report, returned_by=world.coordinator_a, comment="Mer tall.")
    assert [m.to for m in mail.outbox] == [[world.library_leader_a.email]]
    assert "Mer tall." in mail.outbox[0].body


def test_emails_are_in_the_recipients_language(
    world, project, report_periods, django_capture_on_commit_callbacks
):
    world.coordinator_a.preferred_language = "nn"
    world.coordinator_a.save()
    report = report_at(project, report_periods[0], "draft")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(report=report, submitted_by=world.staff_a)
    assert "Hello" not in mail.outbox[0].body
    assert "Hei" in mail.outbox[0].body


def test_a_reminder_goes_before_a_report_is_due_once(
    world, project, django_capture_on_commit_callbacks, settings
):
    from django.utils import timezone

    from modelbibliotek.tasks import report_reminders_send

    today = timezone.localdate()
    programme = world.programme
    programme.start_date, programme.end_date = (
        today - timedelta(days=100),
        today + timedelta(days=300),
    )
    programme.save()
    services.report_period_save(
        programme=programme,
        saved_by=world.project_leader,
        title="Nå",
        starts_on=today - timedelta(days=60),
        ends_on=today,
        due_on=today + timedelta(days=5),
    )
    project.ends_on = programme.end_date
    project.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert report_reminders_send() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert report_reminders_send() == 0
    assert [m.to for m in mail.outbox] == [[world.library_leader_a.email]]
    assert "Reminder" in mail.outbox[0].subject


def test_values_form_a_time_series_and_an_approved_report_stays_as_approved(
    project, report_periods
):
    first = report_at(project, report_periods[0], "approved", value="20")
    second = report_at(project, report_periods[1], "submitted", value="45")
    report_at(project, report_periods[2], "draft", value="70")
    percent = _percent(project)
    series = indicator_series(model_library=project)[percent.pk]
    # The draft's value is not told yet.
    assert [(p["period"], p["number"]) for p in series] == [
        ("Periode 1", "20.00"),
        ("Periode 2", "45.00"),
    ]
    # The plan changes after approval: renamed, new target, the milestone done.
    services.indicator_save(
        goal=percent.goal,
        saved_by=writer(project),
        indicator=percent,
        name="Nytt navn",
        unit="percent",
        baseline="10",
        target="95",
    )
    frozen = report_shown(report=first)["goals"][0]["indicators"][0]
    assert (frozen["name"], frozen["target"], frozen["value"]) == (
        "Andel ansatte som fullførte kursrekka 1",
        "80.00",
        "20.00",
    )
    assert [p["number"] for p in frozen["series"]] == ["20.00"]
    live = report_shown(report=second)["goals"][0]["indicators"][0]
    assert (live["name"], live["target"]) == ("Nytt navn", "95.00")


def test_an_indicators_unit_is_fixed_once_values_are_reported(project, report_periods):
    report_at(project, report_periods[0], "submitted")
    percent = _percent(project)
    with pytest.raises(ValidationError, match="cannot change"):
        services.indicator_save(
            goal=percent.goal, saved_by=None, indicator=percent, name="x", unit="number"
        )


def test_milestone_statuses_apply_on_submission(project, report_periods):
    report = report_at(project, report_periods[0], "draft")
    milestone = project.milestones.first()
    assert milestone.status == Milestone.Status.PLANNED
    services.report_submit(report=report, submitted_by=writer(report))
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.STARTED


def test_one_report_per_period(project, report_periods):
    report_at(project, report_periods[0], "draft")
    with pytest.raises(ValidationError, match="already a report"):
        services.report_create(
            model_library=project, period=report_periods[0], created_by=writer(project)
        )
    assert ProgressReport.objects.count() == 1


def test_dates_outside_the_programme_are_refused(world, project):
    programme = world.programme
    with pytest.raises(ValidationError, match="inside the programme's period"):
        services.report_period_save(
            programme=programme,
            saved_by=world.project_leader,
            title="Etter",
            starts_on=programme.end_date - timedelta(days=10),
            ends_on=programme.end_date,
            due_on=programme.end_date + timedelta(days=30),
        )
    with pytest.raises(ValidationError, match="inside the programme's period"):
        services.milestone_save(
            model_library=project,
            saved_by=world.coordinator_a,
            title="For sent",
            due_on=programme.end_date + timedelta(days=1),
        )
    assert not ReportPeriod.objects.filter(title="Etter").exists()
    assert not Milestone.objects.filter(title="For sent").exists()


def test_an_attachment_that_lies_about_its_type_is_refused(project, report_periods):
    report = report_at(project, report_periods[0], "draft")
    fake = SimpleUploadedFile("rapport.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(ValidationError, match="content is not one"):
        services.report_attachment_add(report=report, uploaded_by=writer(report), file=fake)
    assert not ReportAttachment.objects.exists()
    real = SimpleUploadedFile("rapport.pdf", b"%PDF-1.4 test", "application/pdf")
    services.report_attachment_add(report=report, uploaded_by=writer(report), file=real)
    services.report_submit(report=report, submitted_by=writer(report))
    another = SimpleUploadedFile("mer.pdf", b"%PDF-1.4 mer", "application/pdf")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.report_attachment_add(report=report, uploaded_by=writer(report), file=another)
    assert ReportAttachment.objects.count() == 1


def test_a_deleted_attachments_file_goes_only_when_the_deletion_is_committed(
    project, report_periods, django_capture_on_commit_callbacks
):
    """A deletion rolled back (a failure later in the request) keeps the row, and its file."""
    report = report_at(project, report_periods[0], "draft")
    note = SimpleUploadedFile("notat.txt", b"Notat.", "text/plain")
    services.report_attachment_add(report=report, uploaded_by=writer(report), file=note)
    attachment = ReportAttachment.objects.get()
    storage, path = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks() as on_commit:
        services.report_attachment_delete(attachment=attachment, deleted_by=writer(report))
    assert storage.exists(path)  # not yet committed
    for callback in on_commit:
        callback()
    assert not storage.exists(path)


def test_plan_anchoring_keeps_its_history(world, project, report_periods):
    report = report_at(project, report_periods[0], "draft")
    plan = project.plans.get()
    services.plan_save(
        model_library=project,
        saved_by=world.staff_a,
        plan=plan,
        report=report,
        kind=plan.kind,
        name=plan.name,
        level=plan.level,
        status="adopted",
        decided_on=world.programme.start_date,
    )
    assert list(plan.history.values_list("status", flat=True)) == ["mentioned", "adopted"]
    assert plan.history.last().report == report
    assert report_shown(report=report)["plans"][0]["changed"] is True
