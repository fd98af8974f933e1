"""Every app's tests run in `make test`: an app missing from pytest's testpaths is silently left out
(the model libraries' tests once were)."""

import tomllib
from pathlib import Path

from django.conf import settings


def test_every_app_with_tests_is_in_testpaths():
    root = Path(settings.BASE_DIR)
    testpaths = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]["testpaths"]
    apps_with_tests = {
        path.parent.parent.name
        for path in root.glob("*/tests/__init__.py")
        if (path.parent.parent / "apps.py").exists()
    }
    assert apps_with_tests and apps_with_tests <= set(testpaths)
