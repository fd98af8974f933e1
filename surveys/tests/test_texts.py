from django.utils import translation

from surveys.texts import localized, normalize_language


def test_localized_falls_back_to_bokmal_then_any():
    texts = {"nb": "Hei", "en": "Hello"}
    assert localized(texts, "en") == "Hello"
    assert localized(texts, "nn") == "Hei"
    assert localized({"en": "Only English"}, "nn") == "Only English"
    assert localized({}, "nb") == "" and localized(None) == ""
    assert localized("plain") == "plain"
    with translation.override("en"):
        assert localized(texts) == "Hello"


def test_normalize_language():
    assert normalize_language("en-gb") == "en"
    assert normalize_language("no") == "nb"
    assert normalize_language("de") == "nb"
