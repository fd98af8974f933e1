"""A registration reads the course's questions, its programme's counties and the person's
libraries once, before the gathering's lock; under the lock only the gathering and its
registrations are read, then written. The choice of library is checked as before."""

import re

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses import services
from courses.models import Registration
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant

from .factories import CourseFactory, GatheringFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def gathering(world):
    course = CourseFactory(programme=world.programme, county=world.county_a)
    for text in ("Diett", "Rolle"):
        services.question_create(course=course, created_by=world.coordinator_a, text=text)
    return GatheringFactory(course=course, capacity=100)


@pytest.fixture
def two_libraries(world):
    """A person working at two libraries of county A."""
    person = UserFactory(email="to.bibliotek@example.no")
    grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
    grant(person, RoleAssignment.Role.STAFF, library=world.county_library_a)
    return person


def _answers(gathering):
    return {f"q{q.pk}": "Vegetar" for q in gathering.course.registration_questions.all()}


def test_the_library_chosen_on_the_form_is_the_registrations(
    world, client_for, gathering, two_libraries
):
    url = reverse("courses:registration_create", args=[gathering.pk])
    client = client_for(two_libraries)
    assert "<select" in client.get(url).content.decode()
    chosen = world.county_library_a
    response = client.post(url, {**_answers(gathering), "library": f" {chosen.pk} "})
    assert response.status_code == 302
    assert Registration.objects.get(user=two_libraries).library == chosen


@pytest.mark.parametrize("posted", ["library_b", "nonsense", "missing"])
def test_a_library_not_theirs_is_refused_as_before(
    world, client_for, gathering, two_libraries, posted
):
    value = {"library_b": str(world.library_b.pk), "nonsense": "x", "missing": "999999"}[posted]
    url = reverse("courses:registration_create", args=[gathering.pk])
    response = client_for(two_libraries).post(url, {**_answers(gathering), "library": value})
    assert response.status_code == 400
    message = forms.ModelChoiceField.default_error_messages["invalid_choice"]
    assert str(message) in response.content.decode()
    assert not Registration.objects.filter(user=two_libraries).exists()


def test_the_service_checks_the_library_against_those_given_or_read(
    world, gathering, two_libraries
):
    allowed = list(services.registration_libraries(user=two_libraries, course=gathering.course))
    assert {library.pk for library in allowed} == {world.library_a.pk, world.county_library_a.pk}
    for libraries in (allowed, None):
        with pytest.raises(ValidationError, match="Choose a library you work at"):
            services.registration_create(
                user=two_libraries,
                gathering=gathering,
                library=world.library_b,
                libraries=libraries,
            )
    registration = services.registration_create(user=two_libraries, gathering=gathering)
    assert registration.library == allowed[0]  # the first by name, as before


def _register_queries(client, url, data):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, data)
    assert response.status_code == 302
    sql = [query["sql"] for query in queries]
    locked = next(i for i, text in enumerate(sql) if "FOR UPDATE" in text)
    return len(sql), sql[locked + 1 :]


def test_a_registration_reads_under_the_lock_only_the_registrations(world, client_for, gathering):
    """The POST at two sizes: the same queries, and after the gathering's lock only its
    registrations counted, then the writes (no question, library or county read again)."""
    url = reverse("courses:registration_create", args=[gathering.pk])
    counts = []
    for i, grown in enumerate((3, 30)):
        for n in range(grown):
            user = UserFactory(email=f"rr{i}-{n}@example.no")
            grant(user, RoleAssignment.Role.STAFF, library=world.library_a)
            RegistrationFactory(gathering=gathering, user=user, library=world.library_a)
        person = UserFactory(email=f"ny{i}@example.no")
        grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
        client = client_for(person)
        client.get(url)
        total, under_lock = _register_queries(
            client, url, {**_answers(gathering), "library": str(world.library_a.pk)}
        )
        counts.append(total)
        reads = [text for text in under_lock if re.match(r"\s*SELECT", text)]
        assert len(reads) == 1 and "courses_registration" in reads[0], reads
    # The person, their roles, the gathering, its course's questions, its programme's
    # counties, the person's libraries; the savepoint, the lock, the counts; the registration,
    # its answers, the audit entry, the outbox message, the release. Before: 17 (the form
    # looked the library up; under the lock the counties, the questions and the libraries).
    assert counts == [14, 14]
