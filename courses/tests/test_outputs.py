"""iCalendar, the calendar feed, the certificate PDF, exports, statistics and the evaluation."""

import base64
import io
import re
import zlib
from datetime import UTC, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from openpyxl import load_workbook

from courses import services
from courses.certificate import certificate_pdf
from courses.models import CalendarFeed, Registration
from courses.selectors import course_statistics
from portal.models import RoleAssignment
from portal.spreadsheets import neutralise
from portal.tests.factories import UserFactory, grant
from portal.tokens import token_hash

from .factories import CourseFactory, GatheringFactory, RegistrationFactory, oslo

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def course(world):
    return CourseFactory(
        programme=world.programme,
        county=world.county_a,
        title="Biblioteket som samfunnsaktør",
        competence_areas=world.areas[:2],
    )


@pytest.fixture
def gathering_2011(course, world):
    """14 September 2011, 09:00–15:30 in Oslo (summer time, UTC+2)."""
    return GatheringFactory(
        course=course,
        county=world.county_a,
        starts_at=oslo(2011, 9, 14, 9, 0),
        ends_at=oslo(2011, 9, 14, 15, 30),
        registration_deadline=oslo(2011, 9, 7, 12, 0),
        venue_name="Trondheim folkebibliotek",
        municipality="Trondheim",
    )


def _event(ics: bytes):
    calendar = Calendar.from_ical(ics)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return calendar, events[0]


def test_gathering_ics_has_oslo_times(world, gathering_2011, client_for):
    response = client_for(world.staff_a).get(
        reverse("courses:gathering_ics", args=[gathering_2011.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar, event = _event(response.content)
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(start.tzinfo) == "Europe/Oslo"
    assert (start.hour, start.minute, end.hour, end.minute) == (9, 0, 15, 30)
    assert start == oslo(2011, 9, 14, 9, 0)
    assert start.astimezone(UTC).hour == 7  # CEST is UTC+2
    assert b"TZID=Europe/Oslo" in response.content
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    assert "Biblioteket som samfunnsaktør" in str(event["summary"])
    assert "Trondheim" in str(event["location"])


def _feed_path(client) -> str:
    """The calendar address shown on the person's calendar page (path only)."""
    page = client.get(reverse("courses:calendar_feed_manage")).content.decode()
    match = re.search(r'value="http://testserver(/[^"]+\.ics)"', page)
    return match and match.group(1)


def test_calendar_feed_private_and_regenerated(world, gathering_2011, course, client_for):
    RegistrationFactory(gathering=gathering_2011, user=world.staff_a)
    other = GatheringFactory(
        course=course,
        starts_at=oslo(2011, 12, 1, 10, 0),
        ends_at=oslo(2011, 12, 1, 14, 0),
        registration_deadline=oslo(2011, 11, 20, 12, 0),
    )
    RegistrationFactory(gathering=other, user=world.staff_a, status=Status.CANCELLED)
    RegistrationFactory(gathering=other, user=world.staff_b)
    client = client_for(world.staff_a)
    manage = reverse("courses:calendar_feed_manage")
    # Looking at the page makes no address; the person asks for one.
    assert "You have no calendar address." in client.get(manage).content.decode()
    assert not CalendarFeed.objects.exists()
    client.post(manage, {"action": "issue"})
    url = _feed_path(client)
    assert url and _feed_path(client) == url  # shown again, the same
    token = url.removeprefix("/kurs/kalender/").removesuffix(".ics")
    assert len(token) >= 40
    # Only the token's hash is stored, with the same helper as the invitation tokens.
    feed = CalendarFeed.objects.get(user=world.staff_a)
    assert feed.token_hash == token_hash(token) and token not in str(
        CalendarFeed.objects.values().get()
    )
    client.logout()
    response = client.get(url)  # no login needed
    assert response.status_code == 200
    _calendar, event = _event(response.content)  # only the seat she holds
    assert event.decoded("dtstart") == oslo(2011, 9, 14, 9, 0)
    # Winter time is converted correctly too (CET, UTC+1).
    RegistrationFactory(gathering=other, user=world.library_leader_a)
    client.force_login(world.library_leader_a)
    client.post(manage, {"action": "issue"})
    leader_url = _feed_path(client)
    client.logout()
    _c, winter = _event(client.get(leader_url).content)
    assert winter.decoded("dtstart").astimezone(UTC).hour == 9
    # Reissue: the old address stops working, the new one works.
    client.force_login(world.staff_a)
    client.post(manage, {"action": "issue"})
    new_url = _feed_path(client)
    assert new_url != url
    assert client.get(url).status_code == 404
    assert client.get(new_url).status_code == 200
    # Revoke: no address works, and the page offers a new one.
    response = client.post(manage, {"action": "revoke"}, follow=True)
    assert "Your calendar address no longer works." in response.content.decode()
    assert client.get(new_url).status_code == 404
    assert _feed_path(client) is None
    assert "You have no calendar address." in client.get(manage).content.decode()
    assert client.get(leader_url).status_code == 200  # another person's feed is untouched


def test_calendar_feed_dies_with_the_last_role(world, gathering_2011, client_for):
    RegistrationFactory(gathering=gathering_2011, user=world.staff_a)
    client = client_for(world.staff_a)
    client.post(reverse("courses:calendar_feed_manage"), {"action": "issue"})
    url = _feed_path(client)
    client.logout()
    assert client.get(url).status_code == 200
    # She leaves the library: the seat she held does not keep the feed alive.
    RoleAssignment.objects.filter(user=world.staff_a).delete()
    assert client.get(url).status_code == 404
    # The same answer as an address that never existed.
    assert client.get(reverse("courses:calendar_feed", args=["x" * 43])).status_code == 404
    # Back at a library of the programme (or deactivated): alive again (or dead).
    grant(world.staff_a, RoleAssignment.Role.STAFF, library=world.library_b)
    assert client.get(url).status_code == 200
    world.staff_a.is_active = False
    world.staff_a.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_calendar_feed_made_before_hashing_keeps_working(world, gathering_2011, client_for):
    """An address from before tokens were hashed (migrated: hashed in place, no `issued_at`)
    keeps working; the page cannot show it and offers a new one."""
    RegistrationFactory(gathering=gathering_2011, user=world.staff_a)
    CalendarFeed.objects.create(user=world.staff_a, token_hash=token_hash("gammel-adresse"))
    client = client_for(world.staff_a)
    page = client.get(reverse("courses:calendar_feed_manage")).content.decode()
    assert "cannot be shown again" in page and _feed_path(client) is None
    assert client.get(reverse("courses:calendar_feed", args=["gammel-adresse"])).status_code == 200


def _pdf_text(pdf: bytes) -> bytes:
    """The PDF with its content streams inflated, for a text search."""
    out = pdf
    for data in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            ascii85 = data.strip().removeprefix(b"<~").removesuffix(b"~>")
            out += zlib.decompress(base64.a85decode(ascii85))
        except (ValueError, zlib.error):
            try:
                out += zlib.decompress(data)
            except zlib.error:
                continue
    return out


def test_certificate_only_for_attendees(world, gathering_2011, client_for):
    registration = RegistrationFactory(
        gathering=gathering_2011, user=world.staff_a, library=world.library_a
    )
    url = reverse("courses:certificate", args=[registration.pk])
    assert client_for(world.staff_a).get(url).status_code == 404  # confirmed, not attended
    assert client_for(world.site_admin).get(url).status_code == 404  # for site admins too
    registration.status = Status.ATTENDED
    registration.save()
    response = client_for(world.staff_a).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert b"Anne Ansatt" in text
    assert client_for(world.staff_b).get(url).status_code == 404


def test_certificate_contents(world, gathering_2011):
    registration = RegistrationFactory(
        gathering=gathering_2011, user=world.staff_a, status=Status.ATTENDED
    )
    pdf = certificate_pdf(registration=registration, compress=False)
    assert b"Anne Ansatt" in pdf
    assert b"Biblioteket som samfunnsakt" in pdf
    assert b"6,5" in pdf or b"6.5" in pdf  # hours: 09:00-15:30
    assert b"Samarbeid" in pdf and b"Partnerskap" in pdf
    assert b"fylkesbibliotek" in pdf  # issued by the county library


def test_exports_neutralise_formulas(world, gathering_2011, client_for):
    evil = UserFactory(full_name='=HYPERLINK("http://x")', email="evil@example.no")
    grant(evil, RoleAssignment.Role.STAFF, library=world.library_a)
    RegistrationFactory(gathering=gathering_2011, user=evil, library=world.library_a)
    RegistrationFactory(gathering=gathering_2011, user=world.staff_a, library=world.library_a)
    client = client_for(world.coordinator_a)
    csv_response = client.get(
        reverse("courses:participant_export", args=[gathering_2011.pk, "csv"])
    )
    assert csv_response.status_code == 200
    text = csv_response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "Anne Ansatt" in text
    assert f"{world.library_a.name};{world.county_a.name}" in text  # the library's county
    xlsx = client.get(reverse("courses:participant_export", args=[gathering_2011.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    names = [row[0].value for row in sheet.iter_rows(min_row=2)]
    assert '\'=HYPERLINK("http://x")' in names
    assert (
        client.get(
            reverse("courses:participant_export", args=[gathering_2011.pk, "pdf"])
        ).status_code
        == 404
    )
    assert (
        client_for(world.staff_a)
        .get(reverse("courses:participant_export", args=[gathering_2011.pk, "csv"]))
        .status_code
        == 403
    )
    for value in ("+1", "-1", "@x", "\tx", "\rx"):
        assert neutralise(value).startswith("'")
    assert neutralise("Anne") == "Anne"


def test_course_statistics(world, course, gathering_2011):
    second = GatheringFactory(course=course)
    RegistrationFactory(
        gathering=gathering_2011,
        user=world.staff_a,
        library=world.library_a,
        status=Status.ATTENDED,
    )
    RegistrationFactory(
        gathering=gathering_2011,
        user=world.staff_b,
        library=world.library_b,
        status=Status.ATTENDED,
    )
    RegistrationFactory(
        gathering=gathering_2011,
        user=world.library_leader_a,
        library=world.library_a,
        status=Status.ABSENT,
    )
    RegistrationFactory(gathering=second, user=world.staff_a, library=world.library_a)
    RegistrationFactory(
        gathering=second, user=world.outsider, status=Status.WAITING, waiting_position=1
    )
    RegistrationFactory(gathering=second, user=world.coordinator_a, status=Status.CANCELLED)
    cancelled = GatheringFactory(course=course, cancelled_at=timezone.now())
    RegistrationFactory(gathering=cancelled, user=world.staff_b, library=world.library_b)
    empty = CourseFactory(programme=world.programme)
    stats = course_statistics(courses=[course, empty])
    assert stats["per_course"][course.pk] == {
        "registered": 4,
        "waiting": 1,
        "attended": 2,
        "libraries_reached": 2,
    }
    assert stats["per_course"][empty.pk]["registered"] == 0
    assert (stats["registered"], stats["attended"], stats["libraries_reached"]) == (4, 2, 2)


def test_evaluation_invites_attendees(
    world, course, client_for, django_capture_on_commit_callbacks
):
    from surveys.models import Participation, Survey

    survey = Survey.objects.create(
        programme=world.programme,
        county=world.county_a,
        title={"nb": "Evaluering"},
        status=Survey.Status.OPEN,
    )
    gathering = GatheringFactory(
        course=course,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=6),
        registration_deadline=timezone.now() - timedelta(days=9),
    )
    RegistrationFactory(gathering=gathering, user=world.staff_a, status=Status.ATTENDED)
    RegistrationFactory(gathering=gathering, user=world.staff_b, status=Status.ABSENT)
    client = client_for(world.coordinator_a)
    url = reverse("courses:gathering_evaluation", args=[gathering.pk])
    assert client.post(url, {"action": "attach", "survey": survey.pk}).status_code == 302
    gathering.refresh_from_db()
    assert gathering.evaluation_survey == survey
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"action": "invite"}).status_code == 302
    assert list(Participation.objects.filter(survey=survey).values_list("user", flat=True)) == [
        world.staff_a.pk
    ]
    gathering.refresh_from_db()
    assert gathering.evaluation_invited_at
    # Coordinator B cannot attach A's survey to B's gathering.
    gathering_b = GatheringFactory(
        course=CourseFactory(programme=world.programme, county=world.county_b)
    )
    response = client_for(world.coordinator_b).post(
        reverse("courses:gathering_evaluation", args=[gathering_b.pk]),
        {"action": "attach", "survey": survey.pk},
    )
    assert response.status_code == 400


def test_evaluation_survey_only_one_the_person_manages(
    world, course, client_for, django_capture_on_commit_callbacks
):
    """A coordinator cannot send invitations for a programme-wide survey (the project leader's)
    by attaching it as the evaluation survey of their own gathering and inviting."""
    from surveys.models import Participation, Survey

    def survey(county, title):
        return Survey.objects.create(
            programme=world.programme,
            county=county,
            title={"nb": title},
            status=Survey.Status.OPEN,
        )

    own, wide, other = (
        survey(world.county_a, "Egen"),
        survey(None, "Hele"),
        survey(world.county_b, "B"),
    )
    gathering = GatheringFactory(
        course=course,
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=6),
        registration_deadline=timezone.now() - timedelta(days=9),
    )
    RegistrationFactory(gathering=gathering, user=world.staff_a, status=Status.ATTENDED)
    url = reverse("courses:gathering_evaluation", args=[gathering.pk])
    coordinator = client_for(world.coordinator_a)

    # The choices: only the surveys the coordinator manages.
    choices = coordinator.get(url).context["form"].fields["survey"].queryset
    assert list(choices) == [own]
    # Posting another survey's id anyway is refused, and nothing is stored.
    for forbidden in (wide, other):
        response = coordinator.post(url, {"action": "attach", "survey": forbidden.pk})
        assert response.status_code == 400
        gathering.refresh_from_db()
        assert gathering.evaluation_survey is None
    # The service refuses it too (for any caller, not only this form).
    with pytest.raises(ValidationError):
        services.gathering_evaluation_attach(
            gathering=gathering, survey=wide, attached_by=world.coordinator_a
        )

    # The project leader attaches the programme-wide survey: the coordinator is told that only
    # its managers may invite, and an invitation posted anyway invites nobody.
    leader = client_for(world.project_leader)
    assert leader.post(url, {"action": "attach", "survey": wide.pk}).status_code == 302
    coordinator = client_for(world.coordinator_a)
    page = coordinator.get(url).content.decode()
    assert "Only those who manage the evaluation survey can invite people to it." in page
    assert "Invite those who attended" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(url, {"action": "invite"}, follow=True)
    assert "Only those who manage the evaluation survey" in response.content.decode()
    assert not Participation.objects.filter(survey=wide).exists()
    gathering.refresh_from_db()
    assert gathering.evaluation_invited_at is None

    # Its manager invites.
    leader = client_for(world.project_leader)
    with django_capture_on_commit_callbacks(execute=True):
        assert leader.post(url, {"action": "invite"}).status_code == 302
    assert list(Participation.objects.filter(survey=wide).values_list("user", flat=True)) == [
        world.staff_a.pk
    ]
