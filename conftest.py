"""Fixtures for every app: a small programme, two counties and a person in each role.

`world` holds a programme led from Sør-Trøndelag (county A) with Hedmark (county B); each county
has a county library and a public library. Browser fixtures drive Debian's Chromium and check every
page with axe (see tests/browser.py).
"""

import gc
from dataclasses import dataclass
from typing import ClassVar

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

    PEOPLE: ClassVar[tuple[str, ...]] = (
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

    def people(self) -> dict[str, User]:
        return {name: getattr(self, name) for name in self.PEOPLE}


@dataclass(frozen=True)
class Cast:
    """Who and where a world is: its counties, libraries and people (e-mail, full name)."""

    programme: str
    counties: tuple[tuple[str, str], tuple[str, str]]  # (number, name) of county A and B
    county_libraries: tuple[str, str]
    libraries: tuple[tuple[str, str], tuple[str, str]]  # (name, municipality number)
    people: dict[str, tuple[str, str]]


FIRST = Cast(
    programme="Kompetente regionbibliotek",
    counties=(("16", "Sør-Trøndelag"), ("04", "Hedmark")),
    county_libraries=("Sør-Trøndelag fylkesbibliotek", "Hedmark fylkesbibliotek"),
    libraries=(("Trondheim folkebibliotek", "1601"), ("Hamar folkebibliotek", "0403")),
    people={
        "site_admin": ("admin@example.no", "Ada Admin"),
        "project_leader": ("leder@example.no", "Per Prosjektleder"),
        "coordinator_a": ("koord.a@example.no", "Kari Koordinator"),
        "coordinator_b": ("koord.b@example.no", "Hans Koordinator"),
        "library_leader_a": ("sjef.a@example.no", "Berit Biblioteksjef"),
        "library_leader_b": ("sjef.b@example.no", "Bjørn Biblioteksjef"),
        "staff_a": ("ansatt.a@example.no", "Anne Ansatt"),
        "staff_b": ("ansatt.b@example.no", "Arne Ansatt"),
        "outsider": ("ute@example.no", "Ola Utenfor"),
    },
)


def build_world(cast: Cast = FIRST, *, site_admin: User | None = None) -> World:
    """A programme over two counties with a person in every role (see `Cast`); a second world
    can share the first one's site admin."""
    county_a, county_b = (CountyFactory(number=n, name=name) for n, name in cast.counties)
    programme = ProgrammeFactory(
        name=cast.programme, lead_county=county_a, counties=[county_a, county_b]
    )
    areas = [
        CompetenceAreaFactory(programme=programme, code=code, name=name)
        for code, name in [
            ("samarbeid", "Samarbeid"),
            ("partnerskap", "Partnerskap"),
            ("politiske-prosesser", "Politiske prosesser"),
        ]
    ]
    county_library_a, county_library_b = (
        LibraryFactory(name=name, kind=Library.Kind.COUNTY, county=county)
        for name, county in zip(cast.county_libraries, (county_a, county_b), strict=True)
    )
    library_a, library_b = (
        LibraryFactory(name=name, county=county, municipality_number=number)
        for (name, number), county in zip(cast.libraries, (county_a, county_b), strict=True)
    )

    def person(role_name: str, **extra) -> User:
        email, full_name = cast.people[role_name]
        return UserFactory(email=email, full_name=full_name, **extra)

    if site_admin is None:
        site_admin = person("site_admin", is_superuser=True, is_staff=True)
    project_leader = person("project_leader")
    grant(project_leader, Role.PROJECT_LEADER, programme=programme)
    grant(project_leader, Role.STAFF, library=county_library_a)
    coordinator_a = person("coordinator_a")
    grant(coordinator_a, Role.COORDINATOR, programme=programme, county=county_a)
    grant(coordinator_a, Role.STAFF, library=county_library_a)
    coordinator_b = person("coordinator_b")
    grant(coordinator_b, Role.COORDINATOR, programme=programme, county=county_b)
    library_leader_a = person("library_leader_a")
    grant(library_leader_a, Role.LIBRARY_LEADER, library=library_a)
    library_leader_b = person("library_leader_b")
    grant(library_leader_b, Role.LIBRARY_LEADER, library=library_b)
    staff_a = person("staff_a")
    grant(staff_a, Role.STAFF, library=library_a)
    staff_b = person("staff_b")
    grant(staff_b, Role.STAFF, library=library_b)
    outsider = person("outsider")
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


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_modify_db_settings
):
    """Each test process's database is a clone of one migrated template (portal/tests/
    template_db.py) instead of a database migrated by every process."""
    from portal.tests.template_db import clone_test_database

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        teardown = clone_test_database(verbosity=verbosity)
    yield
    with django_db_blocker.unblock():
        teardown()


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


# tests.world: the `full_world` fixture (every app's objects, built once per module).
pytest_plugins = ["tests.browser", "tests.oidc", "tests.world"]


def pytest_collection_finish(session):
    """What is loaded by now (Django, the apps, every test module) lives as long as the process:
    frozen out of the garbage collector's reach, so its full collections (a few a minute in a
    test process) no longer walk it again and again."""
    gc.collect()
    gc.freeze()
