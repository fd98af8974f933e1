"""Bokmål is the default language; Bokmål and Nynorsk are complete and compiled."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_every_string_is_translated(language):
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    assert not missing, f"{len(missing)} untranslated in {language}: {missing[:20]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in {language}: {fuzzy[:20]}"


@pytest.mark.parametrize("language", ["nb", "nn", "en"])
def test_compiled_catalogue_matches_the_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.pofile(str(folder / "django.po")).translated_entries()
    }
    compiled = {
        (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
        for e in polib.mofile(str(folder / "django.mo"))
        if e.msgid
    }
    assert source == compiled, "run `make messages` and commit the .mo files"
