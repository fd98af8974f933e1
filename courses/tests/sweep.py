"""The courses' pages for the accessibility sweep (tests/sweep.py)."""

from courses.models import Course, Gathering, GatheringCost, Registration, RegistrationQuestion
from tests.sweep import Page

NOT_PAGES = {
    "courses:question_delete": "a form's POST only",
    "courses:registration_decide": "a form's POST only",
    "courses:participant_export": "a CSV or Excel file",
    "courses:gathering_ics": "an iCalendar file",
    "courses:certificate": "a PDF file",
    "courses:calendar_feed": "an iCalendar file",
}


def pages(world) -> list[Page]:
    Status = Registration.Status
    manager, leader, staff = world.project_leader, world.library_leader_a, world.staff_a
    wide = Course.objects.get(county=None)
    county_course = Course.objects.filter(county=world.county_a).first()
    busy = (
        Gathering.objects.filter(course=wide, county=world.county_a)
        .filter(registrations__status=Status.ATTENDED)
        .first()
    )
    mine = Registration.objects.filter(user=staff, gathering__course=wide)
    offered = mine.get(status=Status.OFFERED)
    confirmed = mine.get(status=Status.CONFIRMED)
    awaiting = Registration.objects.filter(
        user=staff, status=Status.AWAITING_APPROVAL, library=world.library_a
    ).first()
    open_gathering = (
        Gathering.objects.filter(course=county_course).exclude(registrations__user=staff).first()
        or Gathering.objects.filter(course=county_course).first()
    )
    question = RegistrationQuestion.objects.filter(course=wide).first()
    cost = GatheringCost.objects.filter(gathering__county=world.county_a).first()
    return [
        Page("courses:course_list", staff, phone=True),
        Page("courses:course_list", manager),
        Page("courses:course_create", manager),
        Page("courses:course_detail", manager, {"pk": wide.pk}),
        Page("courses:course_detail", staff, {"pk": county_course.pk}, phone=True),
        Page("courses:course_update", manager, {"pk": wide.pk}),
        Page("courses:gathering_create", manager, {"pk": wide.pk}),
        Page("courses:gathering_update", manager, {"pk": busy.pk}),
        Page("courses:gathering_cancel", manager, {"pk": busy.pk}),
        Page("courses:gathering_delete", manager, {"pk": busy.pk}),
        Page("courses:question_list", manager, {"pk": wide.pk}),
        Page("courses:question_update", manager, {"pk": wide.pk, "question_pk": question.pk}),
        Page("courses:participant_list", manager, {"pk": busy.pk}, phone=True),
        Page("courses:attendance", manager, {"pk": busy.pk}, phone=True),
        Page("courses:gathering_evaluation", manager, {"pk": busy.pk}),
        Page("courses:gathering_costs", manager, {"pk": cost.gathering_id}, phone=True),
        Page(
            "courses:gathering_cost_update",
            manager,
            {"pk": cost.gathering_id, "cost_pk": cost.pk},
        ),
        Page("courses:staff_register", leader, {"pk": open_gathering.pk}, phone=True),
        Page("courses:staff_registrations", leader, phone=True),
        Page("courses:approval_list", leader, phone=True),
        Page("courses:registration_decline", leader, {"pk": awaiting.pk}, phone=True),
        Page("courses:registration_create", staff, {"pk": open_gathering.pk}, phone=True),
        Page("courses:registration_list", staff, phone=True),
        Page("courses:registration_cancel", staff, {"pk": confirmed.pk}, phone=True),
        Page("courses:registration_answers", staff, {"pk": confirmed.pk}, phone=True),
        Page("courses:registration_offer", staff, {"pk": offered.pk}, phone=True),
        Page("courses:calendar_feed_manage", staff),
    ]
