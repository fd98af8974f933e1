"""The library list's rows written in Python: `{% library_rows libraries %}`.

The list has a row per library a person sees (a county's 20–30 for a coordinator, all 138 of
the region for the project leader); Django's template engine spent most of the page on them:
per row it reversed the library's address and built the dict of every kind's label anew to name
one. Same markup as the template loop it replaces (its whitespace too); every value escaped.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from portal.models import Library
from portal.rows import markup_join, url_by_pk

register = template.Library()

_ROW = (
    "\n          <tr>"
    '\n            <td><a href="{}">{}</a></td>'
    "\n            <td>{}</td>"
    "\n            <td>{}</td>"
    '\n            <td class="text-end">{}</td>'
    "\n          </tr>\n        "
)


@register.simple_tag
def library_rows(libraries) -> SafeString:
    detail_url = url_by_pk("library_detail")
    kinds = {value: str(label) for value, label in Library.Kind.choices}  # translated once
    return markup_join(
        "",
        _ROW,
        (
            (
                detail_url(library.pk),
                library.name,
                kinds.get(library.kind, library.kind),
                library.county.name,
                library.staff_count,
            )
            for library in libraries
        ),
    )
