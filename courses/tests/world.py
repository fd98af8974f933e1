"""The courses of the shared test world: programme-wide and county courses, gatherings and a
registration in every status from both counties, one from a library without a leader."""

from courses.models import Course, Registration

from .factories import CourseFactory, GatheringFactory, RegistrationFactory


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
        for status in (Status.CONFIRMED, Status.ATTENDED, Status.WAITING, Status.CANCELLED):
            RegistrationFactory(
                gathering=GatheringFactory(course=wide, county=county),
                user=staff,
                library=library,
                status=status,
                waiting_position=1 if status == Status.WAITING else None,
            )
    # The county library of A has no leader: its registrations are decided by the managers.
    leaderless = GatheringFactory(course=wide, county=world.county_a, requires_leader_approval=True)
    RegistrationFactory(
        gathering=leaderless,
        user=world.coordinator_a,
        library=world.county_library_a,
        status=Status.AWAITING_APPROVAL,
    )
