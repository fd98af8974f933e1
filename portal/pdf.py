"""Shared pieces of the portal's A4 PDFs (ReportLab): the table style, paragraphs of plain text,
tables of plain cells and the document itself, so every PDF the portal makes looks alike."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import formats
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

BLUE, AMBER = colors.HexColor("#0b5394"), colors.HexColor("#a05a00")
TABLE_STYLE = TableStyle(
    [
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9ecef")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
    ]
)
PAGE_WIDTH = A4[0] - 30 * mm  # between the margins of `a4_pdf`


def day_text(value) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def paragraph(text, style) -> Paragraph:
    """Plain text (escaped, line breaks kept) as a paragraph."""
    return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), style)


def pdf_table(header: list, rows: list[list], styles, widths=None, *, cell_style=None) -> Table:
    """A table of plain cells with a header row repeated on each page."""
    cell_style = cell_style or styles["BodyText"]
    table = Table(
        [[paragraph(cell, cell_style) for cell in row] for row in [header, *rows]],
        colWidths=widths,
        repeatRows=1,
    )
    table.setStyle(TABLE_STYLE)
    return table


def a4_pdf(story: list, *, title: str, compress: bool = True) -> bytes:
    """The story as an A4 PDF with 15 mm margins. `compress=False` keeps the text searchable in
    tests."""
    out = io.BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="Kompetanseportalen",
        pageCompression=1 if compress else 0,
    )
    document.build(story)
    return out.getvalue()
