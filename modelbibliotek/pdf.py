"""A progress report as an A4 PDF fit to send on: the same content as the report page (frozen
at approval), each indicator's chart with its table, milestones, plan anchoring, comments and
the history. Drawn with ReportLab (pure Python, already used for course certificates); the
charts use the coordinates of modelbibliotek.charts, so the PDF and the page agree."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from portal.pdf import AMBER, BLUE, TABLE_STYLE, a4_pdf, pdf_table
from portal.pdf import day_text as _day
from portal.pdf import paragraph as _p

from .models import ProgressReport


def _chart(chart: dict) -> Drawing:
    height = chart["height"]

    def y(value):
        return height - value

    drawing = Drawing(chart["width"], height)
    for tick in chart["ticks"]:
        drawing.add(
            Line(
                chart["left"],
                y(tick["y"]),
                chart["right"],
                y(tick["y"]),
                strokeColor=colors.lightgrey,
            )
        )
        drawing.add(
            String(chart["left"] - 4, y(tick["y"]) - 3, tick["label"], fontSize=7, textAnchor="end")
        )
    if chart["target_y"] is not None:
        drawing.add(
            Line(
                chart["left"],
                y(chart["target_y"]),
                chart["right"],
                y(chart["target_y"]),
                strokeColor=AMBER,
                strokeWidth=1.5,
                strokeDashArray=[5, 3],
            )
        )
        label = f"{_('Target')} {chart['target']}"
        drawing.add(
            String(chart["right"], y(chart["target_y"]) + 3, label, fontSize=7, textAnchor="end")
        )
    points = []
    for dot in chart["dots"]:
        points += [dot["x"], y(dot["y"])]
        drawing.add(Circle(dot["x"], y(dot["y"]), 3, fillColor=BLUE, strokeColor=BLUE))
        drawing.add(String(dot["x"], 4, dot["label"][:14], fontSize=6.5, textAnchor="middle"))
    if len(points) > 2:
        drawing.add(PolyLine(points, strokeColor=BLUE, strokeWidth=1.5))
    return drawing


def _indicator(indicator: dict, styles) -> KeepTogether:
    baseline = f"{_('Baseline')} {_day(indicator['baseline_day'])}".strip()
    target = f"{_('Target')} {_day(indicator['target_day'])}".strip()
    rows = [[_("When"), _("Value")], [baseline, indicator["baseline_display"] or "–"]]
    rows += [[point["period"], point["display"] or "–"] for point in indicator["points"]]
    rows.append([target, indicator["target_display"] or "–"])
    table = Table(
        [[_p(cell, styles["BodyText"]) for cell in row] for row in rows],
        colWidths=[40 * mm, 45 * mm],
    )
    table.setStyle(TABLE_STYLE)
    parts = [
        _p(indicator["name"], styles["Heading4"]),
        _p(
            f"{_('This report')}: {indicator['value_display'] or '–'} {indicator['comment']}",
            styles["BodyText"],
        ),
    ]
    if indicator["chart"]:
        parts.append(Table([[_chart(indicator["chart"]), table]], colWidths=[95 * mm, 85 * mm]))
    else:
        parts.append(table)
    if indicator["portal_value"]:
        label = _("The portal's own figure")
        parts.append(
            _p(
                f"{label}: {indicator['portal_label']}: {indicator['portal_value']}",
                styles["BodyText"],
            )
        )
    parts.append(Spacer(1, 4 * mm))
    return KeepTogether(parts)


def _status_line(report: ProgressReport) -> str:
    line = f"{_('Status')}: {report.get_status_display()} · {_('Due')} {_day(report.period.due_on)}"
    if report.approved_at:
        line += f" · {_('Approved')} {_day(timezone.localdate(report.approved_at))}"
    return line


def report_pdf(
    *, report: ProgressReport, content: dict, comments, history, compress: bool = True
) -> bytes:
    """The report as a PDF (content: selectors.report_display; comments and history as the page
    shows them). `compress=False` keeps the text searchable in tests."""
    styles = getSampleStyleSheet()
    project = report.model_library
    story = [
        _p(f"{_('Report')} {report.period}", styles["Title"]),
        _p(f"{project.title} – {project.library}, {project.library.county}", styles["Heading3"]),
        _p(_status_line(report), styles["BodyText"]),
        Spacer(1, 4 * mm),
    ]
    for label, text in content["narrative"]:
        story += [
            _p(str(label).capitalize(), styles["Heading4"]),
            _p(text or "–", styles["BodyText"]),
        ]
    story.append(_p(_("Indicators"), styles["Heading2"]))
    for goal in content["goals"]:
        story.append(_p(goal["title"], styles["Heading3"]))
        story += [_indicator(indicator, styles) for indicator in goal["indicators"]]
    story.append(_p(_("Milestones"), styles["Heading2"]))
    story.append(
        pdf_table(
            [_("Milestone"), _("Due"), _("Status"), _("Note")],
            [
                [m["title"], _day(m["due"]), f"{m['status_label']} {_day(m['done'])}", m["note"]]
                for m in content["milestones"]
            ],
            styles,
            [70 * mm, 30 * mm, 40 * mm, 40 * mm],
        )
    )
    story.append(_p(_("Plan anchoring"), styles["Heading2"]))
    story.append(
        pdf_table(
            [_("Plan"), _("Level"), _("Status"), _("Decision")],
            [
                [
                    f"{p['name']} ({p['kind_label']})",
                    p["level_label"],
                    p["status_label"],
                    f"{_day(p['decided'])} {p['link']}",
                ]
                for p in content["plans"]
            ],
            styles,
            [65 * mm, 25 * mm, 40 * mm, 50 * mm],
        )
    )
    if comments:
        story.append(_p(_("Comments"), styles["Heading2"]))
        for comment in comments:
            who = comment.author.get_full_name() if comment.author else "–"
            story.append(
                _p(
                    f"{comment.get_kind_display()} – {who}, "
                    f"{_day(timezone.localdate(comment.created_at))}: {comment.text}",
                    styles["BodyText"],
                )
            )
    story.append(_p(_("History"), styles["Heading2"]))
    story.append(
        pdf_table(
            [_("When"), _("Who"), _("What")],
            [
                [
                    formats.date_format(timezone.localtime(e.created_at), "SHORT_DATETIME_FORMAT"),
                    e.user.get_full_name() if e.user else "–",
                    e.label,
                ]
                for e in history
            ],
            styles,
            [40 * mm, 50 * mm, 90 * mm],
        )
    )
    return a4_pdf(story, title=f"{project.library} – {report.period}", compress=compress)
