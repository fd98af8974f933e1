"""The courses of the shared test world: programme-wide and county courses, gatherings and a
registration in every status from both counties (an open seat offer and an expired one among
them, one made by a library leader), one from a library without a leader, and registration
questions (a personal one) with answers."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from courses.models import Course, Gathering, GatheringCost, Registration, RegistrationQuestion
from portal.models import FundingSource
from tests.world import pages

from .factories import (
    CourseFactory,
    GatheringFactory,
    RegistrationAnswerFactory,
    RegistrationFactory,
    RegistrationQuestionFactory,
)


def populate(world) -> None:
    Status = Registration.Status
    wide = CourseFactory(programme=world.programme, county=None, title="Hele programmet")
    for county, library, staff in (
        (world.county_a, world.library_a, world.staff_a),
        (world.county_b, world.library_b, world.staff_b),
    ):
        course = CourseFactory(
            programme=world.programme,
            county=county,
            audience=Course.Audience.COUNTIES,
            audience_counties=[county],
        )
        gathering = GatheringFactory(course=course, requires_leader_approval=True)
        RegistrationFactory(
            gathering=gathering, user=staff, library=library, status=Status.AWAITING_APPROVAL
        )
        statuses = (
            Status.CONFIRMED,
            Status.ATTENDED,
            Status.WAITING,
            Status.CANCELLED,
            Status.OFFERED,
            Status.OFFER_EXPIRED,
            Status.DECLINED,
        )
        for status in statuses:
            registration = RegistrationFactory(
                gathering=GatheringFactory(course=wide, county=county),
                user=staff,
                library=library,
                status=status,
                waiting_position=1 if status == Status.WAITING else None,
                offer_expires_at=timezone.now() + timedelta(days=1)
                if status in (Status.OFFERED, Status.OFFER_EXPIRED)
                else None,
            )
        # ... and their leader registered them for the county course's gathering too.
        RegistrationFactory(
            gathering=GatheringFactory(course=course),
            user=staff,
            library=library,
            registered_by=world.library_leader_a if county == world.county_a else None,
        )
    # The county library of A has no leader: its registrations are decided by the managers.
    leaderless = GatheringFactory(course=wide, county=world.county_a, requires_leader_approval=True)
    RegistrationFactory(
        gathering=leaderless,
        user=world.coordinator_a,
        library=world.county_library_a,
        status=Status.AWAITING_APPROVAL,
    )
    # What the gatherings cost, one per county, charged to the grant.
    grant, _created = FundingSource.objects.get_or_create(
        programme=world.programme,
        name="Nasjonalbiblioteket",
        defaults={"amount": Decimal("300000")},
    )
    for county in (world.county_a, world.county_b):
        GatheringCost.objects.create(
            gathering=Gathering.objects.filter(course=wide, county=county).first(),
            kind=GatheringCost.Kind.VENUE,
            amount=Decimal("4000"),
            funding_source=grant,
        )
    diet = RegistrationQuestionFactory(course=wide, text="Diett", personal=True)
    role = RegistrationQuestionFactory(course=wide, text="Rolle i biblioteket", required=True)
    for registration in Registration.objects.filter(gathering__course=wide):
        RegistrationAnswerFactory(registration=registration, question=diet, value="Vegetar")
        RegistrationAnswerFactory(registration=registration, question=role, value="Formidler")


PAGES = [
    pages(
        Course,
        "courses:course_detail",
        "courses:course_update",
        "courses:gathering_create",
        "courses:question_list",
    ),
    pages(
        RegistrationQuestion,
        "courses:question_update",
        "courses:question_delete",
        kwargs=lambda question: {"pk": question.course_id, "question_pk": question.pk},
        owner=lambda question: question.course,
    ),
    pages(
        Gathering,
        "courses:gathering_update",
        "courses:gathering_cancel",
        "courses:gathering_delete",
        "courses:staff_register",
        "courses:registration_create",
        "courses:participant_list",
        "courses:attendance",
        "courses:gathering_ics",
        "courses:gathering_evaluation",
        "courses:gathering_costs",
    ),
    pages(
        GatheringCost,
        "courses:gathering_cost_update",
        kwargs=lambda cost: {"pk": cost.gathering_id, "cost_pk": cost.pk},
        owner=lambda cost: cost.gathering,
    ),
    pages(
        Gathering,
        "courses:participant_export",
        kwargs=lambda gathering: [{"pk": gathering.pk, "fmt": fmt} for fmt in ("csv", "xlsx")],
    ),
    pages(
        Registration,
        "courses:registration_cancel",
        "courses:certificate",
        "courses:registration_decide",
        "courses:registration_decline",
        "courses:registration_answers",
        "courses:registration_offer",
    ),
]
TOKENS = ("courses:calendar_feed",)
