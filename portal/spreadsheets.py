"""Cells for CSV and XLSX exports, safe to open in a spreadsheet.

Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
gets a leading apostrophe, so it is shown as text (CSV/formula injection). Numbers, dates and empty
cells are left as they are.
"""

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell value a spreadsheet shows as text: formulas are defused with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cell(value):
    return "" if value is None else neutralise(value)


def xlsx_cell(value):
    """Also drops the control characters an XLSX file cannot hold (openpyxl refuses them)."""
    if isinstance(value, str):
        return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def csv_bytes(columns: list, rows: list[list]) -> bytes:
    """A CSV file (UTF-8 with a byte-order mark, so spreadsheets read the letters æøå right)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(str(column)) for column in columns])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode()


def xlsx_bytes(sheets: list[tuple[str, list, list[list]]]) -> bytes:
    """An XLSX workbook with a sheet (title, columns, rows) for each table; the header in bold."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for title, columns, rows in sheets:
        name = _sheet_name(str(title), used)
        sheet = workbook.create_sheet(name)
        sheet.append([xlsx_cell(str(column)) for column in columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([xlsx_cell(value) for value in row])
    if not workbook.sheetnames:
        workbook.create_sheet("-")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_name(title: str, used: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, and unique."""
    base = " ".join(re.sub(r"[\[\]:*?/\\]", " ", title).split())[:28] or "-"
    name, number = base, 2
    while name.lower() in used:
        name, number = f"{base} {number}", number + 1
    used.add(name.lower())
    return name
