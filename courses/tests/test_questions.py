"""Registration questions: asked on the registration form, required or optional, shown in the
participant list and exports; personal answers only for the organisers, deleted after the
gathering by the retention task."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from courses import services
from courses.models import Registration, RegistrationAnswer, RegistrationQuestion
from courses.tasks import registration_personal_answers_purge
from portal import permissions
from portal.models import AuditLogEntry

from .factories import CourseFactory, GatheringFactory, RegistrationQuestionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    course.diet = services.question_create(
        course=course,
        created_by=world.coordinator_a,
        text="Matallergier eller diett",
        personal=True,
    )
    course.role = services.question_create(
        course=course,
        created_by=world.coordinator_a,
        text="Din rolle i biblioteket",
        kind=RegistrationQuestion.Kind.CHOICE,
        choices="Leder\nFormidler\n\nBibliotekar\n",
        required=True,
    )
    return course


@pytest.fixture
def gathering(course):
    return GatheringFactory(course=course, capacity=10)


def test_questions_are_kept_tidy_and_choices_checked(world, course):
    assert course.role.choice_list == ["Leder", "Formidler", "Bibliotekar"]
    with pytest.raises(Exception, match="at least two"):
        services.question_create(
            course=course, created_by=world.coordinator_a, text="?", kind="choice", choices="A"
        )
    assert [q.position for q in course.registration_questions.all()] == [1, 2]


def test_registration_form_asks_the_questions(world, gathering, course, client_for):
    url = reverse("courses:registration_create", args=[gathering.pk])
    client = client_for(world.staff_a)
    page = client.get(url).content.decode()
    assert "Matallergier eller diett (seen only by the organisers)" in page
    assert 'value="Formidler"' in page
    # A required answer missing: the form comes back with the typed answers kept.
    response = client.post(url, {f"q{course.diet.pk}": "Vegetar"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert 'value="Vegetar"' in response.content.decode()
    assert not Registration.objects.exists()
    # An answer that is not one of the choices is refused by the service too.
    with pytest.raises(Exception, match="Choose one of the answers"):
        services.registration_create(
            user=world.staff_a, gathering=gathering, answers={course.role.pk: "Sjef"}
        )
    client.post(url, {f"q{course.diet.pk}": "Vegetar", f"q{course.role.pk}": "Formidler"})
    registration = Registration.objects.get(user=world.staff_a)
    assert dict(registration.answers.values_list("question__text", "value")) == {
        "Matallergier eller diett": "Vegetar",
        "Din rolle i biblioteket": "Formidler",
    }


def test_personal_answers_only_for_the_organisers(world, gathering, course, client_for):
    registration = services.registration_create(
        user=world.staff_a,
        gathering=gathering,
        answers={course.diet.pk: "Nøtteallergi", course.role.pk: "Leder"},
    )
    assert permissions.can(world.coordinator_a, "view_personal_answers", registration)
    assert permissions.can(world.staff_a, "view_personal_answers", registration)
    assert not permissions.can(world.library_leader_a, "view_personal_answers", registration)
    assert not permissions.can(world.coordinator_b, "view_personal_answers", registration)
    page = client_for(world.coordinator_a).get(
        reverse("courses:participant_list", args=[gathering.pk])
    )
    assert "Nøtteallergi" in page.content.decode() and "Leder" in page.content.decode()
    export = client_for(world.coordinator_a).get(
        reverse("courses:participant_export", args=[gathering.pk, "csv"])
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-2:] == ["Matallergier eller diett", "Din rolle i biblioteket"]
    assert rows[1][-2:] == ["Nøtteallergi", "Leder"]
    # The person sees their own answers; the library leader sees neither on any page.
    mine = client_for(world.staff_a).get(reverse("courses:registration_list")).content.decode()
    assert "Nøtteallergi" in mine
    leader = client_for(world.library_leader_a)
    assert "Nøtteallergi" not in leader.get(reverse("courses:staff_registrations")).content.decode()


def test_the_person_changes_answers_until_the_gathering(world, gathering, course, client_for):
    registration = services.registration_create(
        user=world.staff_a, gathering=gathering, answers={course.role.pk: "Leder"}
    )
    url = reverse("courses:registration_answers", args=[registration.pk])
    assert client_for(world.staff_b).get(url).status_code == 404
    client = client_for(world.coordinator_a)  # may see it, may not answer for her
    assert client.get(url).status_code == 403
    client = client_for(world.staff_a)
    assert 'value="Leder"' in client.get(url).content.decode()
    client.post(url, {f"q{course.role.pk}": "Bibliotekar", f"q{course.diet.pk}": "Glutenfri"})
    assert dict(registration.answers.values_list("question_id", "value")) == {
        course.role.pk: "Bibliotekar",
        course.diet.pk: "Glutenfri",
    }
    gathering.starts_at = timezone.now() - timedelta(minutes=1)
    gathering.save()
    response = client.post(url, {f"q{course.role.pk}": "Leder"})
    assert response.status_code == 400 and "has started" in response.content.decode()


def test_the_answers_link_only_where_the_course_asks(world, gathering, course, client_for):
    """My registrations and the course list offer "Your answers" for a registration whose course
    asks questions, and not for one whose course asks none."""
    asking = services.registration_create(
        user=world.staff_a, gathering=gathering, answers={course.role.pk: "Leder"}
    )
    silent = services.registration_create(
        user=world.staff_a,
        gathering=GatheringFactory(
            course=CourseFactory(programme=world.programme, county=world.county_a), capacity=10
        ),
    )
    client = client_for(world.staff_a)
    for page in ("courses:registration_list", "courses:course_list"):
        html = client.get(reverse(page)).content.decode()
        assert reverse("courses:registration_answers", args=[asking.pk]) in html, page
        assert reverse("courses:registration_answers", args=[silent.pk]) not in html, page
        assert reverse("courses:registration_cancel", args=[silent.pk]) in html, page


def test_personal_answers_are_deleted_after_the_gathering(world, course, client_for):
    over = GatheringFactory(course=course)
    coming = GatheringFactory(course=course)
    cancelled = GatheringFactory(course=course)
    for gathering in (over, coming, cancelled):
        services.registration_create(
            user=world.staff_a,
            gathering=gathering,
            answers={course.diet.pk: "Vegansk", course.role.pk: "Leder"},
        )
    services.gathering_cancel(gathering=cancelled, cancelled_by=world.coordinator_a)
    past = timezone.now() - timedelta(days=2)
    over.__class__.objects.filter(pk=over.pk).update(
        starts_at=past, ends_at=past + timedelta(hours=6), registration_deadline=past
    )
    assert registration_personal_answers_purge() == 2
    assert registration_personal_answers_purge() == 0  # idempotent
    left = RegistrationAnswer.objects.values_list("registration__gathering_id", "question_id")
    assert sorted(left) == sorted(
        [
            (over.pk, course.role.pk),
            (coming.pk, course.diet.pk),
            (coming.pk, course.role.pk),
            (cancelled.pk, course.role.pk),
        ]
    )
    assert (
        AuditLogEntry.objects.filter(action="courses.gathering.personal_answers_deleted").count()
        == 2
    )
    page = client_for(world.coordinator_a).get(reverse("courses:participant_list", args=[over.pk]))
    assert "answers to personal questions were deleted" in page.content.decode()


def test_question_pages_for_managers_only(world, course, client_for):
    url = reverse("courses:question_list", args=[course.pk])
    assert client_for(world.coordinator_b).get(url).status_code == 403
    assert client_for(world.staff_a).get(url).status_code == 403
    client = client_for(world.coordinator_a)
    assert "Matallergier eller diett" in client.get(url).content.decode()
    response = client.post(
        url, {"text": "Hvilken buss?", "kind": "choice", "choices": "Bare én", "required": "on"}
    )
    assert response.status_code == 400
    assert "at least two answers" in response.content.decode()
    assert "Hvilken buss?" in response.content.decode()  # input kept
    edit = reverse("courses:question_update", args=[course.pk, course.diet.pk])
    client.post(edit, {"text": "Diett", "kind": "text", "personal": "on"})
    course.diet.refresh_from_db()
    assert course.diet.text == "Diett" and course.diet.personal
    other = RegistrationQuestionFactory()  # of another course: not reachable through this one
    assert (
        client.get(reverse("courses:question_update", args=[course.pk, other.pk])).status_code
        == 404
    )
    client.post(reverse("courses:question_delete", args=[course.pk, course.diet.pk]))
    assert not RegistrationQuestion.objects.filter(pk=course.diet.pk).exists()


def test_answers_are_in_the_persons_export_and_go_with_erasure(world, gathering, course):
    import io
    import json
    import zipfile

    from portal import privacy

    services.registration_create(
        user=world.staff_a,
        gathering=gathering,
        answers={course.diet.pk: "Nøtteallergi", course.role.pk: "Leder"},
    )
    archive = zipfile.ZipFile(io.BytesIO(privacy.personal_data_zip(user=world.staff_a)))
    exported = json.loads(archive.read("course-registrations.json"))
    assert exported[0]["answers"] == (
        "Matallergier eller diett: Nøtteallergi; Din rolle i biblioteket: Leder"
    )
    privacy.person_erase(erased_by=world.site_admin, person=world.staff_a)
    assert not RegistrationAnswer.objects.exists()
    assert Registration.objects.filter(gathering=gathering).count() == 1  # the figures stay
