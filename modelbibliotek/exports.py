"""The side-by-side overview of the model libraries as CSV and XLSX (cells a spreadsheet would
read as a formula are neutralised: portal.spreadsheets)."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.spreadsheets import csv_cell, xlsx_cell

from .overview import Row


def _header() -> list[str]:
    return [
        _("County"),
        _("Library"),
        _("Project"),
        _("Reports"),
        _("Reports (status)"),
        _("Milestones"),
        _("Milestones (status)"),
        _("Indicators"),
        _("Indicators (status)"),
        _("Plan anchoring"),
        _("Plan anchoring (status)"),
    ]


def _rows(rows: list[Row]):
    for row in rows:
        project = row.model_library
        cells = [project.library.county.name, project.library.name, project.title]
        for light in row.lights:
            cells += [light.detail, light.word]
        yield cells


def overview_csv(rows: list[Row]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([csv_cell(cell) for cell in _header()])
    for cells in _rows(rows):
        writer.writerow([csv_cell(cell) for cell in cells])
    # BOM so that Excel opens Norwegian letters correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def overview_xlsx(rows: list[Row]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Model libraries")[:31]
    sheet.append([xlsx_cell(cell) for cell in _header()])
    for cells in _rows(rows):
        sheet.append([xlsx_cell(cell) for cell in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
