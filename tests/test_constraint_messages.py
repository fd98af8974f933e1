"""No database constraint ever speaks to a person by its name: each rule is checked in the form or
service first, with a message in the person's language (the constraint stays as the last guard).

The constraints are discovered from the models' Meta. Every app gives, in `<app>/tests/
constraints.py`, a `CASES` dict: constraint name → (`case(world, client_for)`, words). The case
submits that constraint's violation through the form a person would use (or, where no form can
reach it, the form that comes closest) and returns the page; the words are what the person
reads there instead. A new constraint without a case fails here.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings


def _project_apps():
    root = Path(settings.BASE_DIR).resolve()
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(root) and ".venv" not in path.parts:
            yield config


def constraint_names() -> set[str]:
    return {
        constraint.name
        for config in _project_apps()
        for model in config.get_models()
        for constraint in model._meta.constraints
    }


def cases() -> dict:
    found = {}
    for config in _project_apps():
        try:
            module = importlib.import_module(f"{config.name}.tests.constraints")
        except ModuleNotFoundError as error:
            if error.name not in (f"{config.name}.tests", f"{config.name}.tests.constraints"):
                raise
            continue
        found.update(module.CASES)
    return found


def test_every_constraint_has_a_case():
    names, known = constraint_names(), set(cases())
    assert names - known == set(), "add a case in <app>/tests/constraints.py"
    assert known - names == set(), "a case names no constraint"
    assert len(names) >= 20


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(cases()))
def test_a_violation_is_told_in_words_never_by_the_constraint_name(name, world, client_for):
    case, words = cases()[name]
    response = case(world, client_for)
    assert response.status_code < 500, name
    html = response.content.decode()
    assert words in html, f"{name}: the page does not say {words!r}"
    assert name not in html, f"the page shows the constraint name {name!r}"
    assert "is violated" not in html and "er brutt" not in html, name
