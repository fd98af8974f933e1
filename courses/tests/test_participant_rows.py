"""The participant list's rows, written in Python (courses/templatetags/participants.py): what a
coordinator reads in each row, and dates written exactly as the template's date filter writes
them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation

from courses import selectors
from courses.models import Registration
from portal import privacy
from portal.rows import moment_written
from portal.tests.factories import LibraryFactory

from .factories import (
    CourseFactory,
    GatheringFactory,
    RegistrationAnswerFactory,
    RegistrationFactory,
    RegistrationQuestionFactory,
)

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_dates_are_written_as_the_date_filter_writes_them(language):
    moments = [
        datetime(2026, 1, 5, 7, 3, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 59, tzinfo=UTC),  # the night summer time begins
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC),  # the night it ends
        datetime(2026, 12, 31, 23, 30, tzinfo=UTC),  # already next year in Norway
    ]
    with translation.override(language):
        written = moment_written()
        for moment in moments:
            # In a template the filter is given the moment in local time.
            assert written(moment) == date_filter(timezone.localtime(moment), "j. F Y, H:i")


def test_each_row_shows_status_place_offer_and_actions(world, client_for):
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a), capacity=2
    )
    offered_until = timezone.now() + timedelta(days=2)
    rows = {
        "confirmed": RegistrationFactory(gathering=gathering, library=world.library_a),
        "waiting": RegistrationFactory(
            gathering=gathering, status=Status.WAITING, waiting_position=3
        ),
        "offered": RegistrationFactory(
            gathering=gathering, status=Status.OFFERED, offer_expires_at=offered_until
        ),
        "attended": RegistrationFactory(gathering=gathering, status=Status.ATTENDED),
    }
    html = (
        client_for(world.coordinator_a)
        .get(reverse("courses:participant_list", args=[gathering.pk]))
        .content.decode()
    )
    assert "On the waiting list (number 3)" in html
    assert f"until {date_filter(timezone.localtime(offered_until), 'j. F Y, H:i')}" in html
    assert str(world.library_a) in html
    for name in ("confirmed", "waiting", "offered"):
        assert reverse("courses:registration_cancel", args=[rows[name].pk]) in html
    # Attendance is recorded: no cancelling any more.
    assert reverse("courses:registration_cancel", args=[rows["attended"].pk]) not in html


def test_each_row_names_its_person_and_library_and_an_erased_person_as_such(world, client_for):
    gathering = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_a)
    )
    RegistrationFactory(gathering=gathering, user=world.staff_a, library=world.library_a)
    RegistrationFactory(gathering=gathering, user=world.staff_b, library=None)
    name, email = world.staff_b.full_name, world.staff_b.email
    privacy.person_erase(erased_by=world.site_admin, person=world.staff_b)
    html = (
        client_for(world.coordinator_a)
        .get(reverse("courses:participant_list", args=[gathering.pk]))
        .content.decode()
    )
    assert world.staff_a.full_name in html and world.staff_a.email in html
    assert world.library_a.name in html
    # The registration stays (the figures count it); the person is no longer named.
    assert "Erased person" in html and name not in html and email not in html


def test_what_a_row_shows_is_asked_of_the_rows_that_show_it(world):
    """The page asks the rules (deciding, personal answers) of the rows that show them only
    (`selectors._flag_where_shown`); what each row shows equals the rules asked of every row, as
    the exports ask them, for every person in the world."""
    course = CourseFactory(programme=world.programme, county=world.county_a)
    gathering = GatheringFactory(course=course, requires_leader_approval=True)
    personal = RegistrationQuestionFactory(course=course, personal=True, text="Allergier")
    plain = RegistrationQuestionFactory(course=course, text="Forventninger")
    leaderless = LibraryFactory(county=world.county_a)
    for library, status in [
        (world.library_a, Status.AWAITING_APPROVAL),  # its leader decides
        (leaderless, Status.AWAITING_APPROVAL),  # the course's managers decide
        (None, Status.AWAITING_APPROVAL),
        (world.library_a, Status.CONFIRMED),
        (world.library_b, Status.WAITING),
    ]:
        registration = RegistrationFactory(
            gathering=gathering,
            library=library,
            status=status,
            waiting_position=1 if status == Status.WAITING else None,
        )
        RegistrationAnswerFactory(registration=registration, question=plain, value="Mye")
        if status != Status.WAITING:
            RegistrationAnswerFactory(registration=registration, question=personal, value="Nøtter")
    RegistrationFactory(gathering=gathering, library=leaderless)  # no answers, nothing awaiting

    def shown(rows):
        return [(r.pk, r.manager_decides, [a.pk for a in r.shown_answers]) for r in rows]

    deciding = set()
    for name, person in world.people().items():
        page = selectors.participant_list(gathering=gathering, user=person)
        export = selectors.participant_list(gathering=gathering, user=person, export=True)
        assert shown(page) == shown(export), name
        deciding |= {name for r in page if r.manager_decides}
        if name in ("coordinator_a", "project_leader"):
            assert sum(len(r.shown_answers) for r in page) == 9, name  # personal ones too
    assert {"coordinator_a", "project_leader", "library_leader_a"} <= deciding
