"""Learning-arena completion through the API: per course its online part's size, participants and
how many completed it (every lesson done, every assignment approved), and per participant their
progress, as on the course's completion page; for the course's managers only."""

import csv
import io

import pytest

from courses.learning.models import LessonCompletion, Submission
from courses.learning.tests.factories import (
    AssignmentFactory,
    LessonFactory,
    ModuleFactory,
    SubmissionFactory,
)
from courses.models import Registration
from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from portal.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(world):
    """A course of county A: two lessons and an assignment; Kari did it all, Ola one lesson,
    Nina nothing, and Vera (on the waiting list) everything but is no participant."""
    course = CourseFactory(programme=world.programme, county=world.county_a, title="Plan")
    module = ModuleFactory(course=course)
    lessons = [LessonFactory(module=module), LessonFactory(module=module)]
    assignment = AssignmentFactory(course=course)
    gathering = GatheringFactory(course=course)
    people = {}
    for name, status in [
        ("Kari", Registration.Status.ATTENDED),
        ("Ola", Registration.Status.CONFIRMED),
        ("Nina", Registration.Status.CONFIRMED),
        ("Vera", Registration.Status.WAITING),
    ]:
        people[name] = UserFactory(full_name=f"{name} Deltaker")
        waiting = {"waiting_position": 1} if status == Registration.Status.WAITING else {}
        RegistrationFactory(gathering=gathering, user=people[name], status=status, **waiting)
    for name, done in [("Kari", lessons), ("Ola", lessons[:1]), ("Vera", lessons)]:
        for lesson in done:
            LessonCompletion.objects.create(user=people[name], lesson=lesson)
    for name in ("Kari", "Vera"):
        SubmissionFactory(
            assignment=assignment, user=people[name], status=Submission.Status.APPROVED
        )
    return course


def test_a_manager_gets_each_courses_completion(world, api_client, course):
    client = api_client(world.coordinator_a)
    rows = client.get("/api/v1/learning/completion/").json()["results"]
    row = next(r for r in rows if r["id"] == course.pk)
    assert row == {
        "id": course.pk,
        "programme": world.programme.pk,
        "county": world.county_a.pk,
        "title": "Plan",
        "modules": 1,
        "lessons": 2,
        "assignments": 1,
        "participants": 3,  # not the one on the waiting list
        "completed": 1,
        "completion_share": 0.3333,
    }
    assert client.get(f"/api/v1/learning/completion/{course.pk}/").json() == row


def test_the_list_filters_by_programme_county_and_course(world, api_client, course):
    other = CourseFactory(programme=world.programme, county=world.county_b)
    client = api_client(world.project_leader)
    url = "/api/v1/learning/completion/"
    assert {r["id"] for r in client.get(url).json()["results"]} == {course.pk, other.pk}
    assert [r["id"] for r in client.get(url, {"county": world.county_b.pk}).json()["results"]] == [
        other.pk
    ]
    assert [r["id"] for r in client.get(url, {"course": course.pk}).json()["results"]] == [
        course.pk
    ]
    assert client.get(url, {"programme": world.programme.pk}).json()["count"] == 2
    empty = client.get(url, {"programme": world.programme.pk + 1000}).json()
    assert empty["count"] == 0 and empty["results"] == []
    refused = client.get(url, {"course": "1.0"})
    assert refused.status_code == 400 and "course" in refused.json()


def test_only_the_courses_managers_see_its_completion(world, api_client, course):
    url = f"/api/v1/learning/completion/{course.pk}/"
    for person, status in [
        ("project_leader", 200),
        ("coordinator_a", 200),
        ("coordinator_b", 403),  # sees the programme's courses, manages another county's
        ("staff_a", 403),  # the course is for the whole programme: seen, not managed
        ("outsider", 404),
    ]:
        client = api_client(getattr(world, person))
        assert client.get(url).status_code == status, person
        assert client.get(f"{url}participants/").status_code == status, person
        listed = [r["id"] for r in client.get("/api/v1/learning/completion/").json()["results"]]
        assert (course.pk in listed) == (status == 200), person


def test_each_participants_progress(world, api_client, course):
    client = api_client(world.coordinator_a)
    response = client.get(f"/api/v1/learning/completion/{course.pk}/participants/")
    rows = {row["person_name"]: row for row in response.json()}
    assert set(rows) == {"Kari Deltaker", "Ola Deltaker", "Nina Deltaker"}
    assert rows["Kari Deltaker"] == {
        "person": rows["Kari Deltaker"]["person"],
        "person_name": "Kari Deltaker",
        "lessons_done": 2,
        "lessons_total": 2,
        "assignments_approved": 1,
        "assignments_total": 1,
        "percent": 100,
        "completed": True,
    }
    assert rows["Ola Deltaker"]["percent"] == 33 and not rows["Ola Deltaker"]["completed"]
    assert rows["Nina Deltaker"]["lessons_done"] == 0
    table = client.get(f"/api/v1/learning/completion/{course.pk}/participants/?format=csv")
    csv_rows = list(csv.DictReader(io.StringIO(table.content.decode("utf-8").lstrip("\ufeff"))))
    assert {r["person_name"]: r["completed"] for r in csv_rows} == {
        "Kari Deltaker": "True",
        "Ola Deltaker": "False",
        "Nina Deltaker": "False",
    }


def test_a_course_without_participants_or_material(world, api_client):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    client = api_client(world.coordinator_a)
    row = client.get(f"/api/v1/learning/completion/{course.pk}/").json()
    assert row["participants"] == row["lessons"] == row["completed"] == 0
    assert row["completion_share"] is None
    assert client.get(f"/api/v1/learning/completion/{course.pk}/participants/").json() == []
    table = client.get(f"/api/v1/learning/completion/{course.pk}/participants/?format=csv")
    assert table.content.decode().lstrip("\ufeff").startswith("person,person_name,lessons_done")
