"""A gunicorn worker loads the URLs, catalogues and templates before its first request
(portal/gunicorn.py), so no one waits for them."""

import gc
from pathlib import Path

from django.conf import settings
from django.template import engines
from django.test.utils import override_settings

from portal import gunicorn

# The production settings' loaders (the tests' settings may differ): with DEBUG off Django
# wraps the file system and app loaders in the cached loader.
CACHED_TEMPLATES = [
    {
        **settings.TEMPLATES[0],
        "APP_DIRS": False,
        "OPTIONS": {
            **settings.TEMPLATES[0]["OPTIONS"],
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
]


@override_settings(TEMPLATES=CACHED_TEMPLATES)
def test_a_worker_compiles_every_template_before_its_first_request():
    compiled = gunicorn.warm_up()  # (no database access here: a query would fail the test)
    own = list((Path(settings.BASE_DIR) / "templates").rglob("*.html"))
    courses = list((Path(settings.BASE_DIR) / "courses" / "templates").rglob("*.html"))
    assert compiled >= len(own) + len(courses)
    kept = engines["django"].engine.template_loaders[0].get_template_cache
    for name in ("base.html", "courses/course_list.html", "bootstrap5/field.html"):
        assert name in kept, name


def test_what_a_worker_loaded_is_out_of_the_garbage_collectors_reach(monkeypatch):
    monkeypatch.setattr(gunicorn, "warm_up", lambda: 0)  # (loaded above; no database here)
    frozen_before = gc.get_freeze_count()
    try:
        gunicorn.post_worker_init(worker=None)
        assert gc.get_freeze_count() > frozen_before
    finally:
        gc.unfreeze()
        if frozen_before:  # the test process's own freeze (conftest), as it was
            gc.freeze()
