"""Fixtures for every app: a small programme, two counties and a person in each role.

`world` holds a programme led from Sør-Trøndelag (county A) with Hedmark (county B); each county
has a county library and a public library. Browser fixtures drive Debian's Chromium and check every
page with axe (see tests/browser.py).
"""

from dataclasses import dataclass

import pytest

from portal.models import CompetenceArea, County, Library, Programme, RoleAssignment, User
from portal.tests.factories import (
    CompetenceAreaFactory,
    CountyFactory,
    LibraryFactory,
    ProgrammeFactory,
    UserFactory,
    grant,
)

Role = RoleAssignment.Role


@dataclass
class World:
    programme: Programme
    county_a: County
    county_b: County
    county_library_a: Library
    county_library_b: Library
    library_a: Library  # Trondheim folkebibliotek, county A
    library_b: Library  # Hamar folkebibliotek, county B
    areas: list[CompetenceArea]
    site_admin: User
    project_leader: User
    coordinator_a: User
    coordinator_b: User
    library_leader_a: User
    library_leader_b: User
    staff_a: User
    staff_b: User
    outsider: User

    def people(self) -> dict[str, User]:
        return {
            name: getattr(self, name)
            for name in (
                "site_admin",
                "project_leader",
                "coordinator_a",
                "coordinator_b",
                "library_leader_a",
                "library_leader_b",
                "staff_a",
                "staff_b",
                "outsider",
            )
        }


def build_world() -> World:
    county_a = CountyFactory(number="16", name="Sør-Trøndelag")
    county_b = CountyFactory(number="04", name="Hedmark")
    programme = ProgrammeFactory(
        name="Kompetente regionbibliotek", lead_county=county_a, counties=[county_a, county_b]
    )
    areas = [
        CompetenceAreaFactory(programme=programme, code=code, name=name)
        for code, name in [
            ("samarbeid", "Samarbeid"),
            ("partnerskap", "Partnerskap"),
            ("politiske-prosesser", "Politiske prosesser"),
        ]
    ]
    county_library_a = LibraryFactory(
        name="Sør-Trøndelag fylkesbibliotek", kind=Library.Kind.COUNTY, county=county_a
    )
    county_library_b = LibraryFactory(
        name="Hedmark fylkesbibliotek", kind=Library.Kind.COUNTY, county=county_b
    )
    library_a = LibraryFactory(
        name="Trondheim folkebibliotek", county=county_a, municipality_number="1601"
    )
    library_b = LibraryFactory(
        name="Hamar folkebibliotek", county=county_b, municipality_number="0403"
    )
    site_admin = UserFactory(
        email="admin@example.no", full_name="Ada Admin", is_superuser=True, is_staff=True
    )
    project_leader = UserFactory(email="leder@example.no", full_name="Per Prosjektleder")
    grant(project_leader, Role.PROJECT_LEADER, programme=programme)
    grant(project_leader, Role.STAFF, library=county_library_a)
    coordinator_a = UserFactory(email="koord.a@example.no", full_name="Kari Koordinator")
    grant(coordinator_a, Role.COORDINATOR, programme=programme, county=county_a)
    grant(coordinator_a, Role.STAFF, library=county_library_a)
    coordinator_b = UserFactory(email="koord.b@example.no", full_name="Hans Koordinator")
    grant(coordinator_b, Role.COORDINATOR, programme=programme, county=county_b)
    library_leader_a = UserFactory(email="sjef.a@example.no", full_name="Berit Biblioteksjef")
    grant(library_leader_a, Role.LIBRARY_LEADER, library=library_a)
    library_leader_b = UserFactory(email="sjef.b@example.no", full_name="Bjørn Biblioteksjef")
    grant(library_leader_b, Role.LIBRARY_LEADER, library=library_b)
    staff_a = UserFactory(email="ansatt.a@example.no", full_name="Anne Ansatt")
    grant(staff_a, Role.STAFF, library=library_a)
    staff_b = UserFactory(email="ansatt.b@example.no", full_name="Arne Ansatt")
    grant(staff_b, Role.STAFF, library=library_b)
    outsider = UserFactory(email="ute@example.no", full_name="Ola Utenfor")
    return World(
        programme=programme,
        county_a=county_a,
        county_b=county_b,
        county_library_a=county_library_a,
        county_library_b=county_library_b,
        library_a=library_a,
        library_b=library_b,
        areas=areas,
        site_admin=site_admin,
        project_leader=project_leader,
        coordinator_a=coordinator_a,
        coordinator_b=coordinator_b,
        library_leader_a=library_leader_a,
        library_leader_b=library_leader_b,
        staff_a=staff_a,
        staff_b=staff_b,
        outsider=outsider,
    )


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    """Tests read the English source strings; tests of the Bokmål default set "nb" themselves."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def client_for(client):
    """client_for(user): the test client, signed in as that person."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


pytest_plugins = ["tests.browser", "tests.oidc"]
