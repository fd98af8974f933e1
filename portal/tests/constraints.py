"""Each constraint of the portal, violated through its form: the site admin's forms for reference
data and roles, the library page's invitation form."""

from django.urls import reverse

from portal.models import Library, RoleAssignment, TableVersion

from .factories import CompetenceAreaFactory, LibraryFactory


def _admin(world, client_for):
    return client_for(world.site_admin)


def isil_taken(world, client_for):
    LibraryFactory(county=world.county_a, name="Melhus bibliotek", isil="NO-2016300")
    return _admin(world, client_for).post(
        reverse("admin:portal_library_add"),
        {
            "name": "Skaun bibliotek",
            "kind": "public",
            "county": world.county_a.pk,
            "isil": "NO-2016300",
        },
    )


def library_name_taken(world, client_for):
    return _admin(world, client_for).post(
        reverse("admin:portal_library_add"),
        {"name": world.library_a.name, "kind": "public", "county": world.county_a.pk},
    )


def _programme_data(world, **changes):
    data = {
        "name": "Neste program",
        "start_date": "2012-03-01",
        "end_date": "2013-12-31",
        "lead_county": world.county_a.pk,
        "counties": [world.county_a.pk],
        "competence_areas-TOTAL_FORMS": "0",
        "competence_areas-INITIAL_FORMS": "0",
        "funding-TOTAL_FORMS": "0",
        "funding-INITIAL_FORMS": "0",
    }
    data.update(changes)
    return data


def programme_ends_before_start(world, client_for):
    return _admin(world, client_for).post(
        reverse("admin:portal_programme_add"),
        _programme_data(world, end_date="2012-01-01"),
    )


def area_code_taken(world, client_for):
    area = CompetenceAreaFactory(programme=world.programme, code="planarbeid")
    data = _programme_data(
        world,
        **{
            "competence_areas-TOTAL_FORMS": "2",
            "competence_areas-0-code": "samarbeid",
            "competence_areas-0-name": "Samarbeid",
            "competence_areas-0-position": "0",
            "competence_areas-1-code": "samarbeid",
            "competence_areas-1-name": "Samarbeid igjen",
            "competence_areas-1-position": "1",
        },
    )
    assert area.code == "planarbeid"
    return _admin(world, client_for).post(reverse("admin:portal_programme_add"), data)


def role_without_its_scope(world, client_for):
    return _admin(world, client_for).post(
        reverse("admin:portal_roleassignment_add"),
        {"user": world.outsider.pk, "role": RoleAssignment.Role.STAFF, "county": world.county_a.pk},
    )


def role_twice(world, client_for):
    return _admin(world, client_for).post(
        reverse("admin:portal_roleassignment_add"),
        {
            "user": world.staff_a.pk,
            "role": RoleAssignment.Role.STAFF,
            "library": world.library_a.pk,
        },
    )


def invited_twice(world, client_for):
    client = client_for(world.library_leader_a)
    url = reverse("invitation_create", args=[world.library_a.pk])
    data = {"email": "ny@example.no", "full_name": "Ny Ansatt", "role": "staff"}
    client.post(url, data)
    response = client.post(url, data)
    assert Library.objects.get(pk=world.library_a.pk).invitations.count() == 1
    return response


def written_twice_by_one_connection(world, client_for):
    # Each write gives its table a new state in the row of its database connection (an upsert,
    # never a second row: portal/table_versions.py); the person just sees what they did.
    client = client_for(world.library_leader_a)
    url = reverse("invitation_create", args=[world.library_a.pk])
    client.post(url, {"email": "en@example.no", "full_name": "En Ansatt", "role": "staff"})
    data = {"email": "to@example.no", "full_name": "To Ansatt", "role": "staff"}
    response = client.post(url, data, follow=True)
    assert TableVersion.objects.filter(table_name="portal_invitation").count() == 1
    return response


CASES = {
    "library_isil_unique_when_set": (isil_taken, "Another library already has the ISIL code"),
    "library_name_unique_in_county": (
        library_name_taken,
        "Library with this County and Name already exists.",
    ),
    "programme_ends_after_start": (
        programme_ends_before_start,
        "The programme cannot end before it starts.",
    ),
    "area_code_unique": (area_code_taken, "Please correct the duplicate data for code"),
    "role_scope_matches_role": (role_without_its_scope, "choose the library only"),
    "role_assignment_unique": (
        role_twice,
        "Role assignment with this Person, Role, Programme, County and Library already exists.",
    ),
    "one_open_invitation_per_library": (invited_twice, "has already been invited"),
    "table_version_unique": (written_twice_by_one_connection, "to@example.no"),
}
