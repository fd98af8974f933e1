"""The job-shadowing exchange's pages for the accessibility sweep (tests/sweep.py)."""

from hospitering.models import Application, BudgetLine, Offer, Placement
from tests.sweep import Page

NOT_PAGES = {
    "hospitering:offer_status": "a form's POST only",
    "hospitering:application_decide": "a form's POST only",
    "hospitering:placement_ics": "an iCalendar file",
    "hospitering:calendar_ics": "an iCalendar file",
    "hospitering:my_calendar_ics": "an iCalendar file",
}


def pages(world) -> list[Page]:
    manager, host_leader, applicant = world.project_leader, world.library_leader_a, world.staff_b
    Status = Application.Status
    offer = Offer.objects.filter(host_library=world.library_a, status=Offer.Status.OPEN).first()
    period = offer.periods.first()
    pending = Application.objects.filter(
        offer=offer, status=Status.PENDING, step=Application.Step.HOST
    ).first()
    changes = Application.objects.filter(offer=offer, status=Status.CHANGES_REQUESTED).first()
    planned = Placement.objects.filter(application__offer=offer, report__isnull=True).first()
    completed = Placement.objects.filter(application__offer=offer, report__isnull=False).first()
    line = BudgetLine.objects.filter(placement=planned).first()
    return [
        Page("hospitering:offer_list", applicant, phone=True),
        Page("hospitering:offer_create", host_leader),
        Page("hospitering:offer_detail", host_leader, {"pk": offer.pk}),
        Page("hospitering:offer_detail", applicant, {"pk": offer.pk}, phone=True),
        Page("hospitering:offer_update", host_leader, {"pk": offer.pk}),
        Page("hospitering:offer_withdraw", host_leader, {"pk": offer.pk}),
        Page("hospitering:period_add", host_leader, {"pk": offer.pk}),
        Page("hospitering:period_update", host_leader, {"pk": offer.pk, "period_pk": period.pk}),
        Page("hospitering:application_create", world.staff_b, {"pk": offer.pk}),
        Page("hospitering:my_applications", applicant, phone=True),
        Page("hospitering:application_detail", host_leader, {"pk": pending.pk}),
        Page("hospitering:application_update", applicant, {"pk": changes.pk}),
        Page("hospitering:application_withdraw", applicant, {"pk": changes.pk}),
        Page("hospitering:decide_list", host_leader),
        Page("hospitering:placement_detail", manager, {"pk": completed.pk}),
        Page("hospitering:placement_update", host_leader, {"pk": planned.pk}),
        Page("hospitering:budget_line_add", manager, {"pk": planned.pk}),
        Page("hospitering:budget_line_update", manager, {"pk": planned.pk, "line_pk": line.pk}),
        Page("hospitering:report_write", applicant, {"pk": completed.pk}),
        Page("hospitering:feedback_write", host_leader, {"pk": completed.pk}),
        Page("hospitering:calendar", manager),
    ]
