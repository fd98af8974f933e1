"""Cells for CSV and XLSX exports, safe to open in a spreadsheet.

Text that a spreadsheet would run as a formula (starting with = + - @, a tab or a carriage return)
gets a leading apostrophe, so it is shown as text (CSV/formula injection). Numbers, dates and empty
cells are left as they are.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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
