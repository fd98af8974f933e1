"""The shared test world of the access tests: the `world` of conftest.py, plus every app's objects.

Each app that has objects people reach provides `<app>/tests/world.py` with a `populate(world)`
that creates one object of each kind, owner, audience and state in both counties of the world.
The generic policy test (tests/test_policies.py) and the crawl of every page walk them all, so an
app joins both by adding that module. Apps are populated in INSTALLED_APPS order, so an app can
build on the objects of the apps before it (the learning arena on the courses).
"""

from __future__ import annotations

import importlib

from django.apps import apps

from conftest import World, build_world


def populators() -> list:
    found = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.tests.world")
        except ModuleNotFoundError as error:
            if error.name not in (f"{config.name}.tests", f"{config.name}.tests.world"):
                raise
            continue
        found.append(module.populate)
    return found


def build_full_world() -> World:
    world = build_world()
    for populate in populators():
        populate(world)
    return world
