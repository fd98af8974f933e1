"""Texts that builders write in several languages, stored as {"nb": ..., "nn": ..., "en": ...}."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

LANGUAGES = ("nb", "nn", "en")
DEFAULT_LANGUAGE = "nb"
LANGUAGE_NAMES = (("nb", _("Bokmål")), ("nn", _("Nynorsk")), ("en", _("English")))


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


def content_language(offered: list[str] | None, language: str | None) -> str:
    """The language a survey's texts are shown in: the person's if the survey offers it, else
    Bokmål if offered, else the first language offered. (The page around them, buttons and
    messages, stays in the person's own language.)"""
    offered = [code for code in LANGUAGES if code in (offered or [])] or [DEFAULT_LANGUAGE]
    language = normalize_language(language)
    if language in offered:
        return language
    return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in offered else offered[0]


# What a new scale question's points say until its builder writes other labels: never bare
# numbers. A five-point scale is labelled point by point, a longer or shorter one at its ends.
LEVEL_LABELS = {
    "nb": ["Svært lite", "Lite", "Middels", "Mye", "Svært mye"],
    "nn": ["Svært lite", "Lite", "Middels", "Mykje", "Svært mykje"],
    "en": ["Very little", "Little", "Some", "Much", "Very much"],
}


def default_scale_labels(points: int) -> dict[str, list[str]]:
    if points == len(LEVEL_LABELS["nb"]):
        return {code: list(labels) for code, labels in LEVEL_LABELS.items()}
    return {
        code: [labels[0], *[""] * (points - 2), labels[-1]] for code, labels in LEVEL_LABELS.items()
    }
