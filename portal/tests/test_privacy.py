"""Personal data: export my data, erasure by a site admin, retention, and the two statements."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from courses.learning.models import LessonCompletion
from courses.learning.tests.factories import (
    LessonFactory,
    PostFactory,
    SubmissionFactory,
    ThreadFactory,
)
from courses.models import Registration
from courses.tests.factories import GatheringFactory, RegistrationFactory
from hospitering.models import Application, PlacementReport
from hospitering.tests.factories import OfferFactory, application_at
from portal import privacy
from portal.models import AuditLogEntry, Invitation, PersonalDataExport, RoleAssignment, User
from portal.tests.factories import UserFactory
from surveys.models import Answer, Response
from surveys.tests.factories import QuestionFactory, SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person_with_data(world):
    """Anne (staff A) with a registration she attended, a lesson done, a thread, a reply, a
    submission and a confidential survey answer; Kari (coordinator A) replied in Anne's thread."""
    person = world.staff_a
    gathering = GatheringFactory(course__programme=world.programme)
    RegistrationFactory(gathering=gathering, user=person, status=Registration.Status.ATTENDED)
    RegistrationFactory(gathering=gathering, user=world.staff_b)
    thread = ThreadFactory(course=gathering.course, author=person, body="Anne spør om planen")
    PostFactory(thread=thread, author=world.coordinator_a, body="Kari svarer")
    PostFactory(thread=thread, author=person, body="Takk fra Anne Ansatt")
    SubmissionFactory(assignment__course=gathering.course, user=person, text="Annes svar")
    lesson = LessonFactory(module__course=gathering.course, title="Regional plan")
    LessonCompletion.objects.create(lesson=lesson, user=person)
    survey = SurveyFactory(programme=world.programme, anonymity="confidential")
    question = QuestionFactory(page__survey=survey, kind="short_text")
    response = Response.objects.create(
        survey=survey, respondent=person, submitted_at=timezone.now(), role="staff"
    )
    Answer.objects.create(response=response, question=question, text="Mitt svar")
    anonymous = Response.objects.create(survey=survey, submitted_at=timezone.now(), role="staff")
    Answer.objects.create(response=anonymous, question=question, text="Anonymt svar")
    offer = OfferFactory(programme=world.programme, host_library=world.library_b)
    application = application_at(world, "approved", offer, person, world.library_a)
    PlacementReport.objects.create(
        placement=application.placement,
        learnt="Annes læring på Hamar",
        changes_at_home="Mer samarbeid",
        shared="På personalmøtet",
    )
    return person


def _zip_of(user) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(privacy.personal_data_zip(user=user)))


def test_export_holds_every_kind_of_data_as_json_and_csv(person_with_data):
    archive = _zip_of(person_with_data)
    names = set(archive.namelist())
    for section in [
        "profile",
        "email-addresses",
        "roles",
        "course-registrations",
        "course-certificates",
        "learning-progress",
        "learning-threads",
        "learning-posts",
        "learning-submissions",
        "survey-participation",
        "survey-answers",
        "exchange-applications",
        "exchange-decisions",
        "exchange-reports",
    ]:
        assert {f"{section}.json", f"{section}.csv"} <= names, section
    profile = json.loads(archive.read("profile.json"))
    assert profile[0]["email"] == "ansatt.a@example.no"
    assert json.loads(archive.read("learning-posts.json"))[0]["text"] == "Takk fra Anne Ansatt"
    assert [row["lesson"] for row in json.loads(archive.read("learning-progress.json"))] == [
        "Regional plan"
    ]
    assert [a["text"] for a in json.loads(archive.read("survey-answers.json"))] == ["Mitt svar"]
    report = json.loads(archive.read("exchange-reports.json"))
    assert report[0]["learnt"] == "Annes læring på Hamar"
    everything = b"".join(archive.read(name) for name in names).decode()
    assert "Anonymt svar" not in everything  # anonymous answers are nobody's
    assert "Kari svarer" not in everything  # others' posts are theirs
    assert "Trondheim folkebibliotek" in archive.read("roles.csv").decode("utf-8-sig")


def test_export_is_made_by_a_task_and_only_its_owner_downloads_it(
    person_with_data, world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(person_with_data)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("profile_data"))
    assert response.status_code == 302
    export = PersonalDataExport.objects.get()
    assert export.status == PersonalDataExport.Status.READY
    assert mail.outbox[-1].to == [person_with_data.email]
    url = reverse("profile_data_download", args=[export.pk])
    download = client.get(url)
    assert download.status_code == 200
    content = b"".join(download.streaming_content)
    assert "profile.json" in zipfile.ZipFile(io.BytesIO(content)).namelist()
    for other in (world.staff_b, world.library_leader_a, world.site_admin):
        assert client_for(other).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_erasure_leaves_nothing_that_identifies_the_person(person_with_data, world):
    person = person_with_data
    name, email = person.full_name, person.email
    registrations = Registration.objects.filter(status=Registration.Status.ATTENDED).count()
    privacy.person_erase(erased_by=world.site_admin, person=person)

    person.refresh_from_db()
    assert person.erased_at and not person.is_active and not person.has_usable_password()
    assert str(person) == "Erased person"
    # Others' records and the figures are intact.
    assert Registration.objects.filter(status=Registration.Status.ATTENDED).count() == registrations
    assert Response.objects.filter(submitted_at__isnull=False).count() == 2
    assert Response.objects.filter(respondent=person).count() == 0
    from courses.learning.models import Post

    assert Post.objects.filter(body="Kari svarer").exists()
    assert Post.objects.count() == 2
    assert not RoleAssignment.objects.filter(user=person).exists()
    assert Application.objects.filter(applicant=person, status="approved").count() == 1
    assert not EmailAddress.objects.filter(user=person).exists()
    # Nothing in any table names the person.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f'SELECT CAST(t AS text) FROM "{table}" t')  # noqa: S608
            for (row,) in cursor.fetchall():
                assert name not in row and email not in row, (table, row)
                for text in ("Takk fra Anne", "Annes svar", "Annes læring"):
                    assert text not in row, (table, row)
    entry = AuditLogEntry.objects.get(action="portal.person.erased")
    assert entry.user == world.site_admin and entry.object_id == str(person.pk)


def test_erasure_is_a_site_admin_action_with_a_confirmation(world, client_for):
    client = client_for(world.site_admin)
    url = reverse("admin:portal_user_changelist")
    data = {"action": "erase_personal_data", "_selected_action": [world.staff_b.pk]}
    confirm = client.post(url, data)
    assert confirm.status_code == 200 and "cannot be undone" in confirm.content.decode()
    world.staff_b.refresh_from_db()
    assert world.staff_b.erased_at is None
    client.post(url, {**data, "confirm": "yes"})
    world.staff_b.refresh_from_db()
    assert world.staff_b.erased_at is not None
    # A coordinator has no admin: no side door to erasure.
    assert client_for(world.coordinator_a).post(url, {**data, "confirm": "yes"}).status_code == 302


def test_retention_purge_follows_the_settings(world, settings):
    now = timezone.now()
    old = Invitation.objects.create(
        email="gammel@example.no",
        library=world.library_a,
        token_hash="old",
        expires_at=now - timedelta(days=settings.PORTAL_RETENTION_INVITATION_DAYS + 1),
    )
    recent = Invitation.objects.create(
        email="ny@example.no", library=world.library_a, token_hash="new", expires_at=now
    )
    stale = UserFactory(verified=False, email="aldri@example.no")
    User.objects.filter(pk=stale.pk).update(date_joined=now - timedelta(days=365))
    EmailAddress.objects.create(user=stale, email=stale.email, verified=False)
    fresh = UserFactory(verified=False)
    entry = AuditLogEntry.objects.create(
        action="portal.role.removed",
        user=world.coordinator_a,
        object_type="portal.roleassignment",
        object_id="1",
        data={"person": 7},
    )
    AuditLogEntry.objects.filter(pk=entry.pk).update(created_at=now - timedelta(days=3000))

    counts = privacy.personal_data_retention_purge()

    assert counts["invitations"] == 1 and counts["unverified_accounts"] >= 1
    assert not Invitation.objects.filter(pk=old.pk).exists()
    assert Invitation.objects.filter(pk=recent.pk).exists()
    assert not User.objects.filter(pk=stale.pk).exists()
    assert User.objects.filter(pk=fresh.pk).exists()
    assert User.objects.filter(pk=world.staff_a.pk).exists()
    entry.refresh_from_db()
    assert entry.action == "portal.role.removed" and entry.user is None and entry.data == {}
    assert "personal-data-retention" in settings.CELERY_BEAT_SCHEDULE


def test_privacy_notice_states_the_periods_and_is_linked_from_every_page(client, world, settings):
    settings.PORTAL_RETENTION_AUDIT_DETAIL_DAYS = 731
    page = client.get(reverse("privacy_notice")).content.decode()
    assert "731 days" in page and "Datatilsynet" in page
    assert "thank-you page in a cookie in your browser only" in page and "10 minutes" in page
    home = client.get(reverse("home")).content.decode()
    assert reverse("privacy_notice") in home and reverse("accessibility_statement") in home


def test_accessibility_report_reaches_the_site_admins_in_their_language(
    client, world, django_capture_on_commit_callbacks
):
    world.site_admin.preferred_language = "nn"
    world.site_admin.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accessibility_statement"),
            {"page_url": "/kurs/", "description": "Knappen kan ikke nås med tastatur."},
        )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == [world.site_admin.email]
    assert "Knappen kan ikke nås" in message.body and "/kurs/" in message.body
    assert "tilgjenge" in message.subject.lower()  # Nynorsk


def test_an_empty_accessibility_report_keeps_the_input_and_sends_nothing(client, db):
    response = client.post(reverse("accessibility_statement"), {"page_url": "/x/"})
    assert response.status_code == 400 and 'value="/x/"' in response.content.decode()
    assert not mail.outbox
