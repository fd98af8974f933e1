"""gunicorn's settings for the portal: `gunicorn -c python:portal.gunicorn portal.wsgi`.

Each worker loads, before it accepts its first request, what Django would otherwise load while a
person waits: the URLs (and with them every view module), each language's catalogue, every
template compiled into the cached loader and the templates' fingerprint (`kept_html`). Without
it the first request of each page in each worker paid for them (tens to hundreds of
milliseconds; see docs/performance.md, part 23).

What it loaded lives as long as the worker, so it is then frozen out of the garbage collector's
reach: a full collection walked those ~230,000 objects each time (~170 ms here, landing on
whichever request was running), and walks only what requests left behind instead (~10 ms;
part 25).
"""

from __future__ import annotations

import gc
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def post_worker_init(worker) -> None:
    """gunicorn calls this in each worker once the application is loaded."""
    warm_up()
    gc.collect()
    gc.freeze()


def warm_up() -> int:
    """Load the URLs, the catalogues and the templates; returns how many templates were
    compiled. Touches neither the database nor the cache."""
    from django.conf import settings
    from django.template import TemplateSyntaxError, engines
    from django.urls import reverse
    from django.utils import translation

    from .table_versions import templates_fingerprint

    for code, _name in settings.LANGUAGES:
        with translation.override(code):  # loads the language's catalogue
            reverse("home")  # imports the URLconf, and with it the views, once
    compiled = 0
    templates_fingerprint()  # the key of kept HTML: read the templates once, here
    for engine in engines.all():
        for name in _template_names(engine.engine):
            try:
                engine.get_template(name)
            except TemplateSyntaxError:
                # A library's template for a feature this portal does not use (it names a tag
                # library that is not installed): never rendered, so nothing to load.
                logger.debug("Template %s not compiled at start-up", name, exc_info=True)
                continue
            compiled += 1
    return compiled


def _template_names(engine) -> list[str]:
    """Every template name the engine's loaders find, the first directory's first (as a
    lookup would resolve it)."""
    names: dict[str, None] = {}
    for loader in engine.template_loaders:
        for directory in loader.get_dirs():
            for path in sorted(Path(directory).rglob("*")):
                if path.is_file() and path.suffix in {".html", ".txt", ".xml"}:
                    names.setdefault(path.relative_to(directory).as_posix(), None)
    return list(names)
