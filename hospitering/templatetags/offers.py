"""The open offers' cards written in Python: `{% offer_cards rows %}`; the filter form's fields
too: `{{ form.area|as_filter_field }}` (at the end).

The list shows every open offer of the programme (40 in the generated region, about 80
periods); Django's template engine spent about half of the page on those cards, most of it in
variable lookups, a URL reversed for every offer and two dates' month names translated for
every period. Same markup as the template loop it replaces; every value escaped by
`format_html`.
"""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms, template
from django.forms import BoundField
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.rows import day_written, url_by_pk

register = template.Library()


@register.simple_tag
def offer_cards(rows) -> SafeString:
    detail_url = url_by_pk("hospitering:offer_detail")
    day = day_written()
    themes = _("Themes")

    def free(places: int) -> str:
        return ngettext("%(counter)s place free", "%(counter)s places free", places) % {
            "counter": localize(places)
        }

    def card(row) -> SafeString:
        offer = row.offer
        match = (
            format_html(
                '<p class="mb-1"><span class="badge text-bg-success">{}</span></p>',
                row.match.reason,
            )
            if row.match
            else mark_safe("")  # noqa: S308 - nothing to escape
        )
        areas = mark_safe("")  # noqa: S308 - nothing to escape
        if row.areas:
            areas = format_html(
                '<p class="small mb-1">{}: {}{}</p>',
                themes,
                ", ".join(area.localized_name for area in row.areas),
                f"; {offer.themes}" if offer.themes else "",
            )
        periods = format_html_join(
            "",
            "<li>{}–{}: {}</li>",
            (
                (day(period.starts_on), day(period.ends_on), free(period.free))
                for period in row.periods
            ),
        )
        return format_html(
            '<li class="card mb-3"><div class="card-body">'
            '<h3 class="h5 card-title"><a href="{}">{}</a></h3>'
            '<p class="mb-1">{}, {}</p>{}{}<ul class="mb-0">{}</ul></div></li>',
            detail_url(offer.pk),
            offer.title,
            offer.host_library,
            offer.host_library.county,
            match,
            areas,
            periods,
        )

    return format_html(
        '<ul class="list-unstyled">{}</ul>',
        format_html_join("", "{}", ((card(row),) for row in rows)),
    )


# --- the filter form's fields ------------------------------------------------------------------

# crispy-forms' bootstrap5 field (as `as_crispy_field` writes a field without errors or help
# text, not required, byte for byte): drawing the five fields through its templates cost about
# a tenth of the page. The whitespace is crispy's own.
_FIELD_OPENS = (
    '\n\n\n    \n    <div id="div_{id}" class="mb-3">\n        \n            \n'
    '            <label\n                for="{id}" class="form-label">\n'
    "                {label}\n            </label>\n        \n\n        \n\n        \n"
    "            \n                \n                    \n                        "
)
_FIELD_CLOSES = (
    "\n                    \n                    \n                        \n\n\n    \n\n\n\n\n"
    "    \n\n\n\n                    \n                \n            \n        \n        \n"
    "    </div>\n    \n\n"
)
_LAYOUT = {  # widget input type: (crispy's classes, before the widget, after it)
    "select": (
        "select form-select",
        _FIELD_OPENS + "\n                            ",
        "\n                        " + _FIELD_CLOSES,
    ),
    "date": ("dateinput form-control", _FIELD_OPENS, _FIELD_CLOSES),
    "checkbox": (
        "checkboxinput form-check-input",
        '\n\n\n    \n        <div class="mb-3">\n        \n    \n'
        '    <div id="div_{id}" class="form-check">\n        \n\n        \n\n        \n'
        "            \n                    \n                        ",
        "\n                    \n"
        '                <label for="{id}" class="form-check-label">\n'
        "                    {label}\n                </label>\n                \n\n\n"
        "    \n\n\n\n\n    \n\n\n\n            \n        \n        \n    </div>\n    \n"
        "        \n        </div>\n    \n\n",
    ),
}


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items()
        if value is not False
    )


def _widget(context: dict) -> str:
    """Django's input.html, select.html and select_option.html (without option groups)."""
    name = conditional_escape(context["name"])
    attrs = _attrs(context["attrs"])
    if "optgroups" not in context:
        value = context["value"]
        value = "" if value is None else f' value="{conditional_escape(str(value))}"'
        return f'<input type="{conditional_escape(context["type"])}" name="{name}"{value}{attrs}>'
    options = "".join(
        f'\n  <option value="{conditional_escape(str(option["value"]))}"'
        f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
        for _group, group_options, _index in context["optgroups"]
        for option in group_options
    )
    return f'<select name="{name}"{attrs}>{options}\n</select>'


@register.filter
def as_filter_field(field: BoundField) -> SafeString:
    """One field of the offer list's filter form, as `{{ field|as_crispy_field }}` draws it.

    A form with errors (an address edited by hand) and any field this does not know (help
    text, required, option groups, another widget) are drawn by crispy-forms as before."""
    widget = field.field.widget
    input_type = "select" if isinstance(widget, forms.Select) else getattr(widget, "input_type", "")
    if (
        field.form.errors
        or input_type not in _LAYOUT
        or field.help_text
        or field.field.required
        or widget.attrs
    ):
        return as_crispy_field(field)
    css, before, after = _LAYOUT[input_type]
    attrs = field.build_widget_attrs({"class": css}, widget)
    attrs.setdefault("id", field.auto_id)
    context = widget.get_context(field.html_name, field.value(), attrs)["widget"]
    if any(group for group, _options, _index in context.get("optgroups", ())):
        return as_crispy_field(field)
    fill = {"id": conditional_escape(field.auto_id), "label": conditional_escape(field.label)}
    return mark_safe(  # noqa: S308 - every value escaped above
        before.format(**fill) + _widget(context) + after.format(**fill)
    )
