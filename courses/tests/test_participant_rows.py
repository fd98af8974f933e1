"""The participant list's rows, written in Python (courses/templatetags/participants.py): what a
coordinator reads in each row, and dates written exactly as the template's date filter writes
them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import Registration
from portal.rows import moment_written

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

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
