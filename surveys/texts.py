"""Texts that builders write in several languages, stored as {"nb": ..., "nn": ..., "en": ...}."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"


def normalize_language(language: str | None) -> str:
    """A language code of ours ("nb", "nn", "en") from a Django one ("nb", "en-gb", None...)."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE or "nb").lower()
    for code in LANGUAGES:
        if language == code or language.startswith(code + "-"):
            return code
    if language.startswith("no"):
        return DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def localized(value: dict | str | None, language: str | None = None) -> str:
    """The text in `language` (default: the active language); else Bokmål; else any non-empty."""
    if not value:
        return ""
    if isinstance(value, str):
        return value
    code = normalize_language(language)
    for candidate in (code, DEFAULT_LANGUAGE, *LANGUAGES):
        text = value.get(candidate)
        if text:
            return str(text)
    for text in value.values():
        if text:
            return str(text)
    return ""
