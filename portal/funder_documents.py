"""The report to the funder as documents: a PDF (ReportLab) and a DOCX (python-docx).

Both are drawn from one `ReportContent`, built from the dashboard's overview (`dashboard_overview`,
the same figures as the page, with the disclosure rules already applied there). The sections
follow the overview generically: the county cards' key figures, the loop matrix (competence
change per county and area), then every panel with its tables, and the budget; a panel another
app registers appears in the documents without a change here. Each section ends with the
project leader's comment on it. Call the builders inside `translation.override(language)`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from docx import Document
from docx.shared import Pt
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, PageBreak, Spacer, Table

from .dashboard import DashboardOverview, DashboardTable
from .models import Programme
from .pdf import BLUE, PAGE_WIDTH, a4_pdf, day_text, paragraph, pdf_table

WIDE_TABLE = 4  # columns; wider tables are set in smaller type
BUDGET = "budget"  # the key of the budget's table and section (the page shows it on its own)


@dataclass
class ShareChart:
    """Bars of shares (0-1), one per county, each with its value printed beside it."""

    title: str
    bars: list[tuple[str, float, str]]


@dataclass
class ReportSection:
    key: str
    title: str
    tables: list[DashboardTable] = field(default_factory=list)
    charts: list[ShareChart] = field(default_factory=list)
    comment: str = ""


@dataclass
class ReportContent:
    title: str
    period: str
    facts: list[tuple[str, str]]
    foreword: str
    sections: list[ReportSection]


def report_sections(overview: DashboardOverview) -> list[ReportSection]:
    """The report's sections, in the page's order; their keys name the comments."""
    sections = [
        ReportSection(
            key="key-figures",
            title=_("Key figures per county"),
            tables=[_cards_matrix(overview)],
            charts=_share_charts(overview),
        ),
        ReportSection(
            key="loop",
            title=_("Competence change per county and area"),
            tables=[_loop_matrix(overview)],
        ),
    ]
    budget = ReportSection(key=BUDGET, title=_("Budget"))
    for panel in overview.panels:
        section = budget if panel.key == BUDGET else ReportSection(panel.key, str(panel.title))
        for table in panel.tables:
            (budget if table.key == BUDGET else section).tables.append(table)
        if section is not budget:
            sections.append(section)
    if budget.tables:
        sections.append(budget)
    return sections


def _share_charts(overview: DashboardOverview) -> list[ShareChart]:
    """One chart per key figure that is a share (attendance rate, response rate...), with a bar
    for each county."""
    charts: dict[str, ShareChart] = {}
    for card in overview.cards:
        for figure in card.figures:
            if figure.share is not None:
                chart = charts.setdefault(figure.label, ShareChart(figure.label, []))
                chart.bars.append((card.county.name, figure.share, figure.value))
    return list(charts.values())


def _cards_matrix(overview: DashboardOverview) -> DashboardTable:
    """The county cards side by side, as the page shows them: a row per figure, a column per
    county (a figure with sub-figures, such as the largest gaps, lists them in its cell)."""
    values: dict[str, dict[int, str]] = {}
    for card in overview.cards:
        for figure in card.figures:
            value = "\n".join(f"{i.label}: {i.value}" for i in figure.items) or figure.value
            values.setdefault(figure.label, {})[card.county.pk] = value
    return DashboardTable(
        key="key-figures",
        title=_("Key figures per county"),
        columns=[_("Figure"), *(card.county.name for card in overview.cards)],
        rows=[
            [label, *(by_county.get(card.county.pk, "–") for card in overview.cards)]
            for label, by_county in values.items()
        ],
    )


def _loop_matrix(overview: DashboardOverview) -> DashboardTable:
    """The loop as the page draws it: a row per county, a column per competence area, each cell
    the figures along the loop (gap at baseline, courses and exchanges, gap at follow-up)."""
    return DashboardTable(
        key="loop",
        title=_("The loop per county and competence area"),
        columns=[_("County"), *(area.localized_name for area in overview.areas)],
        rows=[
            [
                row.county.name,
                *("\n".join(f"{f.label}: {f.value}" for f in cell) or "–" for cell in row.cells),
            ]
            for row in overview.loop
        ],
    )


def report_content(
    *,
    programme: Programme,
    period: str,
    overview: DashboardOverview,
    foreword: str,
    comments: dict[str, str],
) -> ReportContent:
    sections = report_sections(overview)
    for section in sections:
        section.comment = comments.get(section.key, "")
    counties = sorted(programme.counties.all(), key=lambda county: county.number)
    return ReportContent(
        title=_("Report to the funder – %(name)s") % {"name": programme.name},
        period=period,
        facts=[
            (_("Report period"), period),
            (
                _("Programme period"),
                f"{day_text(programme.start_date)} – {day_text(programme.end_date)}",
            ),
            (_("Participating counties"), ", ".join(c.name for c in counties)),
            (_("Competence areas"), ", ".join(a.localized_name for a in overview.areas)),
        ],
        foreword=foreword,
        sections=sections,
    )


# --- PDF ----------------------------------------------------------------------------------


def _chart_drawing(chart: ShareChart) -> Drawing:
    bar_height, gap, label_width, value_width = 5 * mm, 2 * mm, 45 * mm, 40 * mm
    bar_width = PAGE_WIDTH - label_width - value_width
    height = len(chart.bars) * (bar_height + gap)
    drawing = Drawing(PAGE_WIDTH, height)
    for index, (label, share, value) in enumerate(chart.bars):
        y = height - (index + 1) * (bar_height + gap)
        drawing.add(String(0, y + 1.5 * mm, label[:30], fontSize=8))
        drawing.add(
            Rect(label_width, y, bar_width, bar_height, fillColor=colors.HexColor("#e9ecef"))
        )
        drawing.add(
            Rect(
                label_width,
                y,
                bar_width * max(0.0, min(1.0, share)),
                bar_height,
                fillColor=BLUE,
                strokeColor=BLUE,
            )
        )
        drawing.add(String(label_width + bar_width + 2 * mm, y + 1.5 * mm, value, fontSize=8))
    return drawing


def _widths(columns: int) -> list[float]:
    """The page's width shared by the columns; the first (the row's name) a little wider."""
    if columns == 1:
        return [PAGE_WIDTH]
    first = min(PAGE_WIDTH / columns * 1.5, 55 * mm if columns <= WIDE_TABLE else 38 * mm)
    return [first] + [(PAGE_WIDTH - first) / (columns - 1)] * (columns - 1)


def _table(table: DashboardTable, styles) -> Table:
    """A wide table (a column per county or area) in smaller type, so names fit their column."""
    columns = len(table.columns)
    cell_style = None
    if columns > WIDE_TABLE:
        cell_style = ParagraphStyle("WideCell", parent=styles["BodyText"], fontSize=7.5, leading=9)
    return pdf_table(table.columns, table.rows, styles, _widths(columns), cell_style=cell_style)


def _comment_story(comment: str, styles) -> list:
    if not comment:
        return []
    return [paragraph(_("Comment"), styles["Heading4"]), paragraph(comment, styles["BodyText"])]


def funder_report_pdf(content: ReportContent, *, compress: bool = True) -> bytes:
    """The report as an A4 PDF: title, the programme's facts, the foreword, then each section's
    charts and tables and its comment."""
    styles = getSampleStyleSheet()
    story = [paragraph(content.title, styles["Title"])]
    story.append(pdf_table([_("About the report"), ""], content.facts, styles, [50 * mm, 130 * mm]))
    if content.foreword:
        story += [
            paragraph(_("Foreword"), styles["Heading2"]),
            paragraph(content.foreword, styles["BodyText"]),
        ]
    for section in content.sections:
        story += [PageBreak(), paragraph(section.title, styles["Heading2"])]
        for chart in section.charts:
            story.append(
                KeepTogether([paragraph(chart.title, styles["Heading4"]), _chart_drawing(chart)])
            )
        for table in section.tables:
            story += [
                Spacer(1, 3 * mm),
                paragraph(table.title, styles["Heading4"]),
                _table(table, styles),
            ]
        story += _comment_story(section.comment, styles)
    return a4_pdf(story, title=content.title, compress=compress)


# --- DOCX ---------------------------------------------------------------------------------


def _docx_table(document, table: DashboardTable) -> None:
    document.add_heading(table.title, level=3)
    grid = document.add_table(rows=1, cols=len(table.columns))
    grid.style = "Table Grid"
    for cell, column in zip(grid.rows[0].cells, table.columns, strict=True):
        cell.text = str(column)
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        cells = grid.add_row().cells
        for cell, value in zip(cells, row, strict=False):
            cell.text = "" if value is None else str(value)


def funder_report_docx(content: ReportContent, *, language: str) -> bytes:
    """The report as a Word document with the same sections; the charts' figures are in its
    tables (the key figures per county)."""
    document = Document()
    document.core_properties.title = content.title
    document.core_properties.author = "Kompetanseportalen"
    document.core_properties.language = language
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(content.title, level=0)
    for label, value in content.facts:
        line = document.add_paragraph()
        line.add_run(f"{label}: ").bold = True
        line.add_run(value)
    if content.foreword:
        document.add_heading(_("Foreword"), level=1)
        for part in content.foreword.split("\n"):
            document.add_paragraph(part)
    for section in content.sections:
        document.add_heading(section.title, level=1)
        for table in section.tables:
            _docx_table(document, table)
        if section.comment:
            document.add_heading(_("Comment"), level=3)
            for part in section.comment.split("\n"):
                document.add_paragraph(part)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
