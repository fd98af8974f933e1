"""CSV as a second representation of the lists (`?format=csv`), for Excel and Power BI "from
web": one row per object, nested fields flattened (`period.title`), lists of ids joined with `;`,
cells a spreadsheet would run defused (portal.spreadsheets)."""

from __future__ import annotations

import csv
import io
import json

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer

from portal.spreadsheets import csv_cell


def _flat(row: dict, prefix: str = "") -> dict:
    cells = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            cells.update(_flat(value, f"{name}."))
        elif isinstance(value, list):
            if all(not isinstance(item, dict | list) for item in value):
                cells[name] = ";".join(str(item) for item in value)
            else:
                cells[name] = json.dumps(value, ensure_ascii=False)
        else:
            cells[name] = value
    return cells


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, dict) and "results" in data:
            rows = data["results"]
        elif isinstance(data, list):
            rows = data
        elif isinstance(data, dict) and "id" in data:
            rows = [data]
        else:  # a refusal: one row per message
            rows = [
                {"parameter": key, "message": message}
                for key, messages in (data or {}).items()
                for message in (messages if isinstance(messages, list) else [messages])
            ]
        flat = [_flat(row) for row in rows]
        header = list(dict.fromkeys(name for row in flat for name in row))
        if not flat and renderer_context and renderer_context.get("view") is not None:
            header = list(renderer_context["view"].get_serializer().fields)
        out = io.StringIO()
        out.write("\ufeff")  # so that Excel reads the file as UTF-8
        writer = csv.writer(out)
        writer.writerow(header)
        for row in flat:
            writer.writerow([csv_cell(row.get(name)) for name in header])
        return out.getvalue().encode("utf-8")


class FormatNegotiation(DefaultContentNegotiation):
    """An unknown `?format=` answers 400 naming the formats (DRF's own answer is a bare 404)."""

    def filter_renderers(self, renderers, format):
        chosen = [renderer for renderer in renderers if renderer.format == format]
        if not chosen:
            raise ValidationError(
                {
                    "format": [
                        _("Unknown format. Choose one of: %(formats)s.")
                        % {"formats": ", ".join(r.format for r in renderers)}
                    ]
                }
            )
        return chosen
