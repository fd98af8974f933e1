"""Participant lists as CSV and XLSX. Cells that a spreadsheet would read as a formula are
neutralised with a leading apostrophe (CSV/formula injection)."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.spreadsheets import csv_cell, xlsx_cell

from .models import Gathering, Registration


def _questions(gathering: Gathering, registrations: list[Registration]):
    """The course's questions as columns; personal ones only for those who may see them
    (`courses.selectors.participant_list` marks each registration)."""
    personal = any(getattr(r, "personal_visible", False) for r in registrations)
    return [q for q in gathering.course.registration_questions.all() if personal or not q.personal]


def _header(questions) -> list[str]:
    return [
        _("Name"),
        _("E-mail"),
        _("Library"),
        _("County"),
        _("Status"),
        _("Place on waiting list"),
        _("Registered"),
        *[q.text for q in questions],
    ]


def _rows(registrations: list[Registration], questions):
    for r in registrations:
        answers = {a.question_id: a.value for a in getattr(r, "shown_answers", [])}
        yield [
            r.user.full_name,
            r.user.email,
            r.library.name if r.library else "",
            r.library.county.name if r.library else "",
            r.get_status_display(),
            r.waiting_position or "",
            timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
            *[answers.get(q.pk, "") for q in questions],
        ]


def participants_csv(*, gathering: Gathering, registrations: list[Registration]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    questions = _questions(gathering, registrations)
    writer.writerow([csv_cell(cell) for cell in _header(questions)])
    for row in _rows(registrations, questions):
        writer.writerow([csv_cell(cell) for cell in row])
    # BOM so that Excel opens Norwegian letters correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def participants_xlsx(*, gathering: Gathering, registrations: list[Registration]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Participants")[:31]
    questions = _questions(gathering, registrations)
    sheet.append([xlsx_cell(cell) for cell in _header(questions)])
    for row in _rows(registrations, questions):
        sheet.append([xlsx_cell(cell) for cell in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
