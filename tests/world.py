"""The shared test world of the access tests: the `world` of conftest.py, plus every app's objects.

Each app that has objects people reach provides `<app>/tests/world.py` with a `populate(world)`
that creates one object of each kind, owner, audience and state in both counties of the world.
The generic policy test (tests/test_policies.py) and the crawl of every page
(tests/test_crawl.py) walk them all, so an app joins both by adding that module. Apps are
populated in INSTALLED_APPS order, so an app can build on the objects of the apps before it (the
learning arena on the courses).

For the crawl, the same module names its addresses that carry object ids in `PAGES`: a list of
`pages(Model, "namespace:url_name", ...)`. The crawl fails for an address with ids that no app
names, so a new app cannot be left out of it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Model
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import Cast, World, build_world
from portal import permissions

# A second programme in two other counties, with people whose names appear nowhere in the first.
SECOND = Cast(
    programme="Bibliotek i nord",
    counties=(("18", "Nordland"), ("19", "Troms")),
    county_libraries=("Nordland fylkesbibliotek", "Troms fylkesbibliotek"),
    libraries=(("Bodø bibliotek", "1804"), ("Tromsø bibliotek", "1902")),
    people={
        "project_leader": ("leder@andre.no", "Torstein Tverrleder"),
        "coordinator_a": ("koord.c@andre.no", "Gunvor Nordkoordinator"),
        "coordinator_b": ("koord.d@andre.no", "Leif Tromskoordinator"),
        "library_leader_a": ("sjef.c@andre.no", "Eldrid Bodøsjef"),
        "library_leader_b": ("sjef.d@andre.no", "Nils Tromsøsjef"),
        "staff_a": ("ansatt.c@andre.no", "Ingrid Bodøansatt"),
        "staff_b": ("ansatt.d@andre.no", "Odd Tromsøansatt"),
        "outsider": ("ute@andre.no", "Sigrid Sideveis"),
    },
)


def world_modules() -> list:
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tests.world")
        except ModuleNotFoundError as error:
            if error.name not in (f"{config.name}.tests", f"{config.name}.tests.world"):
                raise
            continue
        found.append(module)
    return found


def populators() -> list:
    return [module.populate for module in world_modules()]


def populate(world: World) -> World:
    for fill in populators():
        fill(world)
    return world


def build_full_world() -> World:
    return populate(build_world())


@contextmanager
def kept_for_the_module(django_db_blocker, media_root) -> Iterator[None]:
    """For a world built once for a whole test module (it costs seconds: about 1,500 rows): a
    transaction rolled back after the module's last test, each test in a savepoint of it (the
    `django_db` mark), and the world's files in a media root of their own. The module names its
    own `_media_root` fixture (doing nothing), or sets `MEDIA_ROOT` to it in each test, so its
    tests read the files where they are. Not for a module with a test that commits (a live
    server, `transactional_db`): it would commit inside this transaction."""
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media_root),
        transaction.atomic(),
    ):
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def _full_world_of_module(django_db_setup, django_db_blocker, tmp_path_factory):
    media_root = tmp_path_factory.mktemp("full-world-media")
    with kept_for_the_module(django_db_blocker, media_root):
        yield build_full_world(), media_root


@pytest.fixture
def full_world(_full_world_of_module, db, settings) -> World:
    """The full world, built once for the test module that asks for it (see
    `kept_for_the_module`), its files where it put them. Each test asks the policy afresh: the
    people carry no scope (their roles, read once) from an earlier test."""
    world, media_root = _full_world_of_module
    settings.MEDIA_ROOT = media_root
    for person in world.people().values():
        person.__dict__.pop(permissions.SCOPE_ATTRIBUTE, None)
    return world


def build_two_worlds() -> tuple[World, World]:
    """The full world, and a second programme (other counties, other people, the same site admin)
    with every app's objects too: for the crawl's "other programme" and "other county"."""
    first = build_full_world()
    second = populate(build_world(SECOND, site_admin=first.site_admin))
    return first, second


@dataclass(frozen=True)
class Pages:
    """Addresses whose ids name an object of `model`, for the crawl.

    `kwargs(obj)` fills the address (a dict, or a list of dicts for several variants; default:
    the address's one id is the object's); `owner(obj)` is the object whose "view" rule decides
    who may see it (default: the object, which then has a policy); `visible_to(person, obj)`
    replaces that rule where no policy applies (a person's own files).
    """

    model: type[Model]
    names: tuple[str, ...]
    kwargs: Callable[[Any], dict | list[dict]] | None = None
    owner: Callable[[Any], Any] | None = None
    visible_to: Callable[[Any, Any], bool] | None = None


def pages(model: type[Model], *names: str, **options) -> Pages:
    return Pages(model, names, **options)


def crawl_pages() -> list[Pages]:
    return [entry for module in world_modules() for entry in getattr(module, "PAGES", ())]


# Not crawled: the Django admin (site admins only, its own tests), allauth's sign-in pages (no
# objects of the portal behind them) and /healthz (the services' health for the monitoring, 503
# when one is down).
NOT_CRAWLED_PREFIXES = ("admin/", "accounts/", "healthz")


@dataclass(frozen=True)
class Address:
    name: str  # "namespace:url_name"
    route: str
    params: tuple[str, ...]


def addresses() -> list[Address]:
    """Every address of the portal (the admin and allauth aside)."""
    found = []

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern) and not route.startswith(NOT_CRAWLED_PREFIXES):
                params = tuple(
                    getattr(pattern.pattern, "converters", None) or pattern.pattern.regex.groupindex
                )
                found.append(Address(namespace + (pattern.name or ""), route, params))

    walk(get_resolver().url_patterns)
    return found
