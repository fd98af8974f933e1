"""`{% per_language %}…{% endper_language %}`: a part of the portal's layout that reads the same
for everyone in one language (translated labels, the portal's addresses, the static files'
hashed names), rendered once per language in each process instead of on every page.

Every page draws the layout of templates/base.html around its content (about 0.5 ms of CPU,
a third to a half of the trivial view's); half of it went to translating its labels, reversing
its addresses and looking its static files up in the manifest anew on each request. What goes
inside the tag is checked when the template is compiled: only text, `{% translate "…" %}` of a
literal, `{% url '…' %}` of a literal name without arguments and `{% static '…' %}` of a
literal path, so nothing that depends on the person, the request or the data can be kept by
mistake.
"""

from __future__ import annotations

import weakref

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import FilterExpression, Node, TextNode
from django.template.defaulttags import URLNode
from django.templatetags.i18n import TranslateNode
from django.templatetags.static import StaticNode
from django.urls import get_script_prefix
from django.utils.translation import get_language

register = template.Library()

# Every fragment compiled in this process, so that a changed setting (tests) forgets them all.
_fragments: weakref.WeakSet[PerLanguageNode] = weakref.WeakSet()


def _literal(expression: FilterExpression) -> bool:
    """A quoted string without filters (a variable, e.g. `{% url name %}`, is not)."""
    if expression.filters:
        return False
    var = expression.var
    return isinstance(var, str) or getattr(var, "literal", None) is not None and not var.lookups


def _constant(node: Node) -> bool:
    """Whether the node reads the same for everyone in one language."""
    if isinstance(node, TextNode):
        return True
    if isinstance(node, StaticNode):
        return node.varname is None and _literal(node.path)
    if isinstance(node, URLNode):
        return node.asvar is None and not node.args and not node.kwargs and _literal(node.view_name)
    if isinstance(node, TranslateNode):
        return node.asvar is None and _literal(node.filter_expression)
    return False


class PerLanguageNode(Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        # Kept on the node, so a template compiled anew (templates changed in development)
        # starts empty; keyed by language, script prefix and autoescaping.
        self.rendered: dict[tuple, str] = {}
        _fragments.add(self)

    def render(self, context):
        key = (get_language(), get_script_prefix(), context.autoescape)
        text = self.rendered.get(key)
        if text is None:
            text = self.rendered[key] = self.nodelist.render(context)
        return text


@register.tag
def per_language(parser, token):
    """Render the enclosed layout once per language (see the module's docstring)."""
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("per_language takes no arguments")
    nodelist = parser.parse(("endper_language",))
    parser.delete_first_token()
    for node in nodelist:
        if not _constant(node):
            raise template.TemplateSyntaxError(
                f"per_language may hold only text, translate, url and static of literals, "
                f"not {node!r}: it is rendered once for everyone reading in a language"
            )
    return PerLanguageNode(nodelist)


@receiver(setting_changed)
def _forget_fragments(**kwargs) -> None:
    """Languages, addresses and static storage may differ under another setting (tests)."""
    for fragment in list(_fragments):
        fragment.rendered.clear()
