"""Scoping through HTTP: out of scope is 404, forbidden is 403, both logged."""

import logging
import re

import pytest
from django.urls import reverse

from portal.models import Invitation, RoleAssignment

pytestmark = pytest.mark.django_db


def test_library_list_shows_only_the_coordinators_county(world, client_for):
    page = client_for(world.coordinator_a).get(reverse("library_list")).content.decode()
    assert "Trondheim folkebibliotek" in page
    assert "Hamar folkebibliotek" not in page
    assert "Hedmark fylkesbibliotek" not in page


def test_out_of_scope_library_answers_404_and_is_logged(world, client_for, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.access"):
        response = client_for(world.coordinator_a).get(
            reverse("library_detail", args=[world.library_b.pk])
        )
    assert response.status_code == 404
    record = next(r for r in caplog.records if r.name == "portal.access")
    message = record.getMessage()
    assert "status=404" in message and "county=04" in message
    assert f"user={world.coordinator_a.pk}" in message
    assert world.staff_b.email not in message  # no personal data of others


def test_missing_and_out_of_scope_look_the_same(world, client_for):
    client = client_for(world.staff_a)
    missing = client.get(reverse("library_detail", args=[999999]))
    hidden = client.get(reverse("library_detail", args=[world.library_b.pk]))
    assert missing.status_code == hidden.status_code == 404

    def main(response):
        return re.search(rb"<main.*</main>", response.content, re.S).group(0)

    assert main(missing) == main(hidden)


def test_malformed_ids_are_404_not_500(world, client_for):
    client = client_for(world.project_leader)
    assert client.get("/bibliotek/abc/").status_code == 404
    assert client.get("/programmer/99999999999999999999/").status_code == 404
    assert client.get("/bibliotek/?fylke=<script>").status_code == 200


def test_staff_sees_own_staff_list_but_not_another_librarys(world, client_for):
    client = client_for(world.staff_a)
    own = client.get(reverse("library_detail", args=[world.library_a.pk]))
    assert own.status_code == 200 and world.library_leader_a.email in own.content.decode()
    assert "Invite a colleague" not in own.content.decode()
    assert client.get(reverse("library_detail", args=[world.library_b.pk])).status_code == 404


def test_staff_may_not_invite_403_logged(world, client_for, caplog):
    with caplog.at_level(logging.WARNING, logger="portal.access"):
        response = client_for(world.staff_a).post(
            reverse("invitation_create", args=[world.library_a.pk]),
            {"email": "ny@example.no", "role": "staff"},
        )
    assert response.status_code == 403
    assert not Invitation.objects.exists()
    assert any(
        "status=403" in r.getMessage() and "county=16" in r.getMessage() for r in caplog.records
    )


def test_library_leader_cannot_invite_into_another_library(world, client_for):
    response = client_for(world.library_leader_a).post(
        reverse("invitation_create", args=[world.library_b.pk]),
        {"email": "ny@example.no", "role": "staff"},
    )
    assert response.status_code == 404
    assert not Invitation.objects.exists()


def test_coordinator_cannot_remove_staff_in_another_county(world, client_for):
    assignment = RoleAssignment.objects.get(user=world.staff_b)
    response = client_for(world.coordinator_a).post(
        reverse("role_remove", args=[world.library_b.pk, assignment.pk])
    )
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_library_leader_removes_a_role(world, client_for):
    assignment = RoleAssignment.objects.get(user=world.staff_a)
    response = client_for(world.library_leader_a).post(
        reverse("role_remove", args=[world.library_a.pk, assignment.pk])
    )
    assert response.status_code == 302
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


def test_role_of_another_library_cannot_be_removed_through_own_library(world, client_for):
    other = RoleAssignment.objects.get(user=world.staff_b)
    response = client_for(world.library_leader_a).post(
        reverse("role_remove", args=[world.library_a.pk, other.pk])
    )
    assert response.status_code == 404
    assert RoleAssignment.objects.filter(pk=other.pk).exists()


def test_programme_page_shows_funding_to_managers_only(world, client_for):
    from decimal import Decimal

    world.programme.funding.create(name="Nasjonalbiblioteket", amount=Decimal("300000"))
    url = reverse("programme_detail", args=[world.programme.pk])
    assert "Nasjonalbiblioteket" in client_for(world.project_leader).get(url).content.decode()
    assert "Nasjonalbiblioteket" not in client_for(world.staff_a).get(url).content.decode()
    assert client_for(world.outsider).get(url).status_code == 404


@pytest.mark.parametrize("size", [2, 20])
def test_library_list_query_count_does_not_grow(world, client_for, django_assert_num_queries, size):
    from portal.tests.factories import LibraryFactory, UserFactory, grant

    for _ in range(size):
        library = LibraryFactory(county=world.county_a)
        grant(UserFactory(), RoleAssignment.Role.STAFF, library=library)
    client = client_for(world.coordinator_a)
    client.get(reverse("library_list"))  # warm the session
    with django_assert_num_queries(5):
        client.get(reverse("library_list"))


@pytest.mark.parametrize("size", [2, 20])
def test_library_page_query_count_does_not_grow(world, client_for, django_assert_num_queries, size):
    from portal.tests.factories import UserFactory, grant

    for _ in range(size):
        grant(UserFactory(), RoleAssignment.Role.STAFF, library=world.library_a)
    client = client_for(world.library_leader_a)
    url = reverse("library_detail", args=[world.library_a.pk])
    client.get(url)
    with django_assert_num_queries(5):
        client.get(url)


# The library list's loop as templates/portal/library_list.html wrote it before its rows moved
# to Python (portal/templatetags/library_rows.py).
LIBRARY_LOOP = """{% for library in libraries %}
          <tr>
            <td><a href="{% url 'library_detail' library.pk %}">{{ library.name }}</a></td>
            <td>{{ library.get_kind_display }}</td>
            <td>{{ library.county.name }}</td>
            <td class="text-end">{{ library.staff_count }}</td>
          </tr>
        {% endfor %}"""


@pytest.mark.django_db
def test_the_library_rows_are_the_template_loop(world):
    from django.template import Context, Template
    from django.utils import translation

    from portal import selectors
    from portal.models import Library
    from portal.tests.factories import LibraryFactory

    for kind in Library.Kind.values:
        LibraryFactory(name=f"Bibliotek <{kind}> & co", kind=kind, county=world.county_a)
    libraries = list(selectors.library_list(user=world.project_leader))
    assert {library.kind for library in libraries} == set(Library.Kind.values)
    for language in ("nb", "nn", "en"):
        with translation.override(language):
            context = Context({"libraries": libraries})
            loop = Template(LIBRARY_LOOP).render(context)
            rows = Template("{% load library_rows %}{% library_rows libraries %}").render(context)
        assert rows == loop, language
        assert "&lt;county&gt; &amp; co" in rows
