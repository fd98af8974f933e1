"""The layout's fragments kept per language (`{% per_language %}`, portal/templatetags/
portal_layout.py): the same text as drawn anew, in each language, and nothing that could
differ between people or requests allowed inside."""

import pytest
from django.template import Context, Engine, TemplateSyntaxError
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

ENGINE = Engine(
    libraries={"portal_layout": "portal.templatetags.portal_layout"},
    builtins=["django.templatetags.i18n", "django.templatetags.static"],
)
FRAGMENT = (
    '<a href="{% url \'privacy_notice\' %}">{% translate "Privacy notice" %}</a>'
    "<link href=\"{% static 'css/portal.css' %}\">{% translate 'Main menu' %}"
)


def _render(source: str, language: str) -> str:
    with translation.override(language):
        return ENGINE.from_string(source).render(Context())


def test_a_fragment_reads_as_drawn_anew_in_every_language():
    kept = ENGINE.from_string(
        "{% load portal_layout %}{% per_language %}" + FRAGMENT + "{% endper_language %}"
    )
    texts = {}
    for language in ("nb", "en", "nn", "nb", "en"):
        with translation.override(language):
            texts.setdefault(language, set()).add(kept.render(Context()))
    for language, seen in texts.items():
        assert seen == {_render(FRAGMENT, language)}, language
    assert texts["nb"] != texts["en"]  # translated, not the first language's text kept


def test_a_changed_setting_forgets_the_fragments():
    kept = ENGINE.from_string(
        "{% load portal_layout %}{% per_language %}"
        "{% static 'css/portal.css' %}{% endper_language %}"
    )
    before = kept.render(Context())
    with override_settings(STATIC_URL="/elsewhere/"):
        assert kept.render(Context()).startswith("/elsewhere/")
    assert kept.render(Context()) == before


@pytest.mark.parametrize(
    "inside",
    [
        "{{ user.get_full_name }}",
        "{% csrf_token %}",
        "{% if user.is_authenticated %}x{% endif %}",
        "{% url name %}",
        "{% url 'library_detail' library.pk %}",
        "{% url 'home' as home %}",
        "{% translate message %}",
        "{% translate 'Home' as home %}",
        "{% translate 'Home'|upper %}",
        "{% static path %}",
        "{% blocktranslate %}{{ name }}{% endblocktranslate %}",
    ],
)
def test_nothing_that_can_differ_between_people_is_allowed_inside(inside):
    with pytest.raises(TemplateSyntaxError, match="per_language may hold only"):
        ENGINE.from_string(
            "{% load portal_layout %}{% per_language %}" + inside + "{% endper_language %}"
        )


@pytest.mark.django_db
def test_the_layout_in_each_language_for_a_person_and_for_nobody(world, client):
    """The layout's kept parts follow the reader's language, signed in or not."""
    for language, sign_in in (("nb", "Logg inn"), ("en", "Sign in"), ("nn", "Logg inn")):
        page = client.get(reverse("privacy_notice"), HTTP_ACCEPT_LANGUAGE=language)
        assert f'<html lang="{language}">' in page.content.decode()
        assert sign_in in page.content.decode()
