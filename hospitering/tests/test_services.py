"""Applying, the three-step approval, changes, withdrawals, placements, reports and reminders,
through the services; e-mails to each person in their own language."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from hospitering import services, tasks
from hospitering.models import Application, Decision, Offer, Placement
from portal.models import AuditLogEntry, FundingSource, RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import OfferFactory, application_at, apply, days_ahead, decide

pytestmark = pytest.mark.django_db
Status, Step, Outcome = Application.Status, Application.Step, Decision.Outcome


@pytest.fixture
def offer(world):
    return OfferFactory(
        programme=world.programme, host_library=world.library_a, periods=[(30, 10, 1)]
    )


def errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_the_whole_chain_tells_everyone_in_their_language(
    world, offer, django_capture_on_commit_callbacks
):
    world.library_leader_b.preferred_language = "nn"
    world.library_leader_b.save()
    with django_capture_on_commit_callbacks(execute=True):
        application = apply(offer, world.staff_b, world.library_b)
    assert (application.status, application.step) == (Status.PENDING, Step.LIBRARY_LEADER)
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {world.staff_b.email, world.library_leader_b.email}
    assert "søknad om hospitering" in by_person[world.library_leader_b.email].subject.lower()
    for decider, next_step in (
        (world.library_leader_b, Step.HOME_COUNTY),
        (world.coordinator_b, Step.HOST),
    ):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            application = decide(application, decider)
        assert application.step == next_step
        assert world.staff_b.email in {m.to[0] for m in mail.outbox}
    # The host step goes to both the host library's leader and the host county's coordinator.
    assert {m.to[0] for m in mail.outbox} == {
        world.staff_b.email,
        world.library_leader_a.email,
        world.coordinator_a.email,
    }
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = decide(application, world.coordinator_a)
    assert (application.status, application.step) == (Status.APPROVED, None)
    placement = Placement.objects.get(application=application)
    assert (placement.starts_on, placement.ends_on) == (application.starts_on, application.ends_on)
    told = {m.to[0] for m in mail.outbox}
    assert told == {
        world.staff_b.email,
        world.library_leader_b.email,
        world.coordinator_b.email,
        world.coordinator_a.email,
    }
    assert all(m.attachments[0][0] == "hospitering.ics" for m in mail.outbox)
    assert AuditLogEntry.objects.filter(action="hospitering.application.approved").count() == 3


def test_a_stand_in_is_told_why_they_decide(world, django_capture_on_commit_callbacks):
    applicant = UserFactory()
    grant(applicant, RoleAssignment.Role.STAFF, library=world.county_library_b)
    offer = OfferFactory(programme=world.programme, host_library=world.library_a)
    with django_capture_on_commit_callbacks(execute=True):
        apply(offer, applicant, world.county_library_b)
    to_coordinator = next(m for m in mail.outbox if m.to == [world.coordinator_b.email])
    assert "has no other library leader in the portal, so you decide instead" in to_coordinator.body


def test_reject_needs_a_reason_and_ends_the_application(
    world, offer, django_capture_on_commit_callbacks
):
    application = apply(offer, world.staff_b, world.library_b)
    with pytest.raises(ValidationError) as excinfo:
        decide(application, world.library_leader_b, Outcome.REJECTED)
    assert "reason" in errors(excinfo)
    assert Application.objects.get(pk=application.pk).status == Status.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        application = decide(application, world.library_leader_b, Outcome.REJECTED, "Ikke nå.")
    assert (application.status, application.step) == (Status.REJECTED, None)
    rejection = next(m for m in mail.outbox if "rejected" in m.subject)
    assert "Ikke nå." in rejection.body
    with pytest.raises(ValidationError, match="no longer waiting"):
        decide(application, world.library_leader_b)


def test_changes_go_back_to_the_step_that_asked(world, offer):
    application = application_at(world, "host", offer, world.staff_b, world.library_b)
    application = decide(application, world.library_leader_a, Outcome.CHANGES, "One day less.")
    assert (application.status, application.step) == (Status.CHANGES_REQUESTED, None)
    with pytest.raises(ValidationError, match="no longer waiting"):
        decide(application, world.library_leader_a)
    application = services.application_update(
        application=application,
        updated_by=world.staff_b,
        starts_on=application.starts_on,
        ends_on=application.starts_on,
        learning_goals="Kortere.",
        sharing_plan="Møte.",
        estimated_cost=Decimal("3000"),
        budget_note="",
    )
    assert (application.status, application.step) == (Status.PENDING, Step.HOST)
    assert application.days == 1
    with pytest.raises(ValidationError, match="only when changes are asked"):
        services.application_update(
            application=application,
            updated_by=world.staff_b,
            starts_on=application.starts_on,
            ends_on=application.ends_on,
            learning_goals="x",
            sharing_plan="y",
            estimated_cost=Decimal("1"),
        )


@pytest.mark.parametrize(
    "case, field, message",
    [
        ("own library", "home_library", "You work at the host library"),
        ("outside period", "starts_on", "inside the period"),
        ("not my library", "home_library", "Choose a library you work at"),
        ("ends before start", "ends_on", "on or after the first day"),
    ],
)
def test_bad_wishes_are_refused_with_a_clear_answer(world, offer, case, field, message):
    period = offer.periods.get()
    values = {
        "applicant": world.staff_b,
        "offer": offer,
        "period": period,
        "home_library": world.library_b,
        "starts_on": period.starts_on,
        "ends_on": period.starts_on + timedelta(days=1),
        "learning_goals": "x",
        "sharing_plan": "y",
        "estimated_cost": Decimal("100"),
    }
    if case == "own library":
        values.update(applicant=world.staff_a, home_library=world.library_a)
    elif case == "outside period":
        values.update(ends_on=period.ends_on + timedelta(days=1))
    elif case == "not my library":
        values.update(home_library=world.county_library_a)
    else:
        values.update(ends_on=period.starts_on - timedelta(days=1))
    with pytest.raises(ValidationError) as excinfo:
        services.application_create(**values)
    assert message in " ".join(errors(excinfo)[field])
    assert not Application.objects.exists()


def test_overlap_with_own_placement_or_gathering_is_refused(world, offer):
    other = OfferFactory(programme=world.programme, host_library=world.county_library_a)
    application_at(world, "approved", other, world.staff_b, world.library_b, start=0, days=5)
    with pytest.raises(ValidationError, match="already have a placement"):
        apply(offer, world.staff_b, world.library_b, start=2)
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme),
        starts_at=timezone.now() + timedelta(days=36),
        ends_at=timezone.now() + timedelta(days=36, hours=5),
    )
    RegistrationFactory(gathering=gathering, user=world.staff_b)
    period = offer.periods.get()
    with pytest.raises(ValidationError, match="registered for the gathering"):
        services.application_create(
            applicant=world.staff_b,
            offer=offer,
            period=period,
            home_library=world.library_b,
            starts_on=days_ahead(35),
            ends_on=days_ahead(37),
            learning_goals="x",
            sharing_plan="y",
            estimated_cost=Decimal("100"),
        )


def test_a_full_period_is_refused_and_the_final_approval_checks_again(
    world, offer, django_capture_on_commit_callbacks
):
    first = application_at(world, "host", offer, world.staff_b, world.library_b)
    second = application_at(world, "host", offer, world.library_leader_b, world.library_b, start=5)
    decide(first, world.library_leader_a)
    with pytest.raises(ValidationError, match="is full"):
        decide(second, world.coordinator_a)
    assert Application.objects.get(pk=second.pk).step == Step.HOST
    newcomer = UserFactory()
    grant(newcomer, RoleAssignment.Role.STAFF, library=world.library_b)
    with pytest.raises(ValidationError, match="This period is full"):
        apply(offer, newcomer, world.library_b)
    # A withdrawal frees the place; the host who approved is told.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_withdraw(application=first, withdrawn_by=world.staff_b)
    assert world.library_leader_a.email in {m.to[0] for m in mail.outbox}
    assert Placement.objects.get(application=first).is_cancelled
    assert decide(second, world.coordinator_a).status == Status.APPROVED


def test_closing_and_withdrawing_an_offer(world, offer, django_capture_on_commit_callbacks):
    approved = application_at(world, "approved", offer, world.staff_b, world.library_b)
    services.offer_close(offer=offer, closed_by=world.library_leader_a)
    newcomer = UserFactory()
    grant(newcomer, RoleAssignment.Role.STAFF, library=world.library_b)
    with pytest.raises(ValidationError, match="not open for applications"):
        apply(offer, newcomer, world.library_b, start=6)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_withdraw(
            offer=offer, withdrawn_by=world.library_leader_a, reason="Ombygging."
        )
    assert Offer.objects.get(pk=offer.pk).status == Offer.Status.WITHDRAWN
    assert Application.objects.get(pk=approved.pk).status == Status.WITHDRAWN
    assert Placement.objects.get(application=approved).is_cancelled
    told = next(m for m in mail.outbox if m.to == [world.staff_b.email])
    assert "Ombygging." in told.body
    with pytest.raises(ValidationError):
        services.offer_close(offer=offer, closed_by=world.library_leader_a, reopen=True)


def test_periods_never_below_the_places_given(world, offer):
    application_at(world, "approved", offer, world.staff_b, world.library_b)
    period = offer.periods.get()
    with pytest.raises(ValidationError, match="Applications still on their way"):
        services.period_update(
            period=period,
            updated_by=world.library_leader_a,
            starts_on=period.starts_on + timedelta(days=5),
            ends_on=period.ends_on,
            places=2,
        )
    with pytest.raises(ValidationError, match="People have applied"):
        services.period_delete(period=period, deleted_by=world.library_leader_a)
    services.period_update(
        period=period,
        updated_by=world.library_leader_a,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        places=3,
    )


def test_placement_budget_report_and_feedback(world, offer, django_capture_on_commit_callbacks):
    application = application_at(world, "approved", offer, world.staff_b, world.library_b)
    placement = Placement.objects.get(application=application)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.placement_update(
            placement=placement,
            updated_by=world.library_leader_a,
            starts_on=placement.starts_on,
            ends_on=placement.ends_on + timedelta(days=1),
            host_contact="Vera Vert, 73 00 00 00",
            day_programme="Dag 1: omvisning.",
        )
    assert [m.to for m in mail.outbox] == [[world.staff_b.email]]
    with pytest.raises(ValidationError, match="inside the offer's period"):
        services.placement_update(
            placement=placement,
            updated_by=world.library_leader_a,
            starts_on=placement.starts_on - timedelta(days=10),
            ends_on=placement.ends_on,
            host_contact="x",
            day_programme="",
        )
    other = FundingSource.objects.create(
        programme=__import__("portal.tests.factories", fromlist=["x"]).ProgrammeFactory(),
        name="Annet",
        amount=Decimal("1"),
    )
    with pytest.raises(ValidationError, match="funding source of the programme"):
        services.budget_line_save(
            placement=placement,
            saved_by=world.staff_b,
            kind="travel",
            planned=Decimal("100"),
            actual=None,
            funding_source=other,
        )
    with pytest.raises(ValidationError, match="from the last day"):
        services.report_save(
            placement=placement,
            written_by=world.staff_b,
            learnt="a",
            changes_at_home="b",
            shared="c",
        )
    Placement.objects.filter(pk=placement.pk).update(
        starts_on=timezone.localdate() - timedelta(days=3), ends_on=timezone.localdate()
    )
    placement.refresh_from_db()
    report = services.report_save(
        placement=placement, written_by=world.staff_b, learnt="a", changes_at_home="b", shared="c"
    )
    assert report.pk and placement.report.learnt == "a"
    feedback = services.feedback_save(
        placement=placement, written_by=world.library_leader_a, feedback="Bra"
    )
    assert feedback.author == world.library_leader_a


def test_reminders_go_out_twice_at_most_and_once_each(
    world, offer, django_capture_on_commit_callbacks, settings
):
    settings.HOSPITERING_REPORT_DUE_DAYS = 14
    application = application_at(world, "approved", offer, world.staff_b, world.library_b)
    today = timezone.localdate()
    Placement.objects.filter(application=application).update(
        starts_on=today - timedelta(days=3), ends_on=today - timedelta(days=2)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.placement_reminders_send() == 2  # the participant's report, the feedback
        assert tasks.placement_reminders_send() == 0  # idempotent: nothing new is due
    recipients = sorted(m.to[0] for m in mail.outbox)
    host = Decision.objects.get(application=application, step=Step.HOST).decided_by
    assert recipients == sorted([world.staff_b.email, host.email])  # the host who approved
    # A few days before it is due, the second reminder.
    Placement.objects.filter(application=application).update(
        starts_on=today - timedelta(days=11), ends_on=today - timedelta(days=10)
    )
    assert tasks.placement_reminders_send() == 2
    assert tasks.placement_reminders_send() == 0
    placement = Placement.objects.get(application=application)
    assert (placement.report_reminders_sent, placement.feedback_reminders_sent) == (2, 2)


def test_notifications_are_written_with_the_change_in_the_outbox(world, offer):
    """A refused application leaves no message; a sent one leaves exactly one, in its
    transaction; delivering it queues one e-mail per person (portal.outbox)."""
    from portal.models import OutboxMessage

    period = offer.periods.get()
    with pytest.raises(ValidationError):
        services.application_create(
            applicant=world.staff_a,  # the host library's own staff
            offer=offer,
            period=period,
            home_library=world.library_a,
            starts_on=period.starts_on,
            ends_on=period.starts_on,
            learning_goals="x",
            sharing_plan="y",
            estimated_cost=Decimal("1"),
        )
    assert not OutboxMessage.objects.exists()
    application = apply(offer, world.staff_b, world.library_b)
    (message,) = OutboxMessage.objects.all()
    assert (message.task, message.args) == (
        "hospitering.tasks.application_notify",
        [application.pk, "submitted"],
    )
    assert tasks.application_notify(application.pk, "submitted") == 2
    emails = OutboxMessage.objects.filter(task="hospitering.tasks.application_email")
    assert sorted(m.args[2] for m in emails) == sorted(
        [world.staff_b.pk, world.library_leader_b.pk]
    )
