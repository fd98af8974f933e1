"""Survey texts (stored per language) in one language: `{{ survey.title|in_language:language }}`.

Texts are plain text (also those imported from files): templates escape them like any other value.
"""

from django import template

from surveys.texts import localized

register = template.Library()


@register.filter
def in_language(value, language):
    return localized(value, language)
