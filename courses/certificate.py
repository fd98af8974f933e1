"""Course certificates (kursbevis): one-page A4 PDFs for a person who attended a gathering, and
for one who completed a course's online part (the learning arena)."""

from __future__ import annotations

import io

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from portal.models import Library

from .models import Course, Registration


def _county_library(county_id) -> Library | None:
    """The county library of a county: it issues the certificate."""
    return (
        Library.objects.filter(county_id=county_id, kind=Library.Kind.COUNTY)
        .order_by("name")
        .first()
    )


def _dates(registration: Registration) -> str:
    start = timezone.localtime(registration.gathering.starts_at)
    end = timezone.localtime(registration.gathering.ends_at)
    if start.date() == end.date():
        return formats.date_format(start, "DATE_FORMAT")
    first, last = formats.date_format(start, "DATE_FORMAT"), formats.date_format(end, "DATE_FORMAT")
    return f"{first} – {last}"


def _areas(course: Course) -> str:
    return ", ".join(area.localized_name for area in course.competence_areas.all()) or "–"


def certificate_pdf(*, registration: Registration, compress: bool = True) -> bytes:
    """The certificate of a gathering attended. `compress=False` keeps the text searchable in
    tests. Issued by the county library of the course's county, else of the gathering's."""
    gathering = registration.gathering
    course = gathering.course
    place = ", ".join(p for p in (gathering.venue_name, gathering.municipality) if p)
    return _certificate_pdf(
        person=registration.user.get_full_name(),
        course=course,
        statement=_("has attended the course"),
        rows=[
            (_("Date"), _dates(registration)),
            (_("Place"), place),
            (_("Hours"), formats.number_format(gathering.course_hours, decimal_pos=1)),
            (_("Competence areas"), _areas(course)),
            (_("Programme"), course.programme.name),
        ],
        issuer=_county_library(course.county_id or gathering.county_id),
        compress=compress,
    )


def online_certificate_pdf(
    *, course: Course, user, completed_on, lessons: int, assignments: int, compress: bool = True
) -> bytes:
    """The certificate of the online part of a course: every lesson done, every assignment
    approved. Issued by the county library of the course's county, else of the lead county."""
    return _certificate_pdf(
        person=user.get_full_name(),
        course=course,
        statement=_("has completed the online part of the course"),
        rows=[
            (_("Completed"), formats.date_format(completed_on, "DATE_FORMAT")),
            (_("Lessons"), str(lessons)),
            (_("Assignments approved"), str(assignments)),
            (_("Competence areas"), _areas(course)),
            (_("Programme"), course.programme.name),
        ],
        issuer=_county_library(course.county_id or course.programme.lead_county_id),
        compress=compress,
    )


def _certificate_pdf(
    *, person: str, course: Course, statement: str, rows, issuer, compress: bool
) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1 if compress else 0, invariant=1)
    canvas.setTitle(_("Course certificate") + f" – {course.title}")
    canvas.setAuthor("Kompetanseportalen")
    width, height = A4
    left = 25 * mm
    y = height - 40 * mm

    canvas.setFont("Helvetica-Bold", 30)
    canvas.drawCentredString(width / 2, y, _("Course certificate"))
    y -= 22 * mm
    canvas.setFont("Helvetica", 13)
    canvas.drawCentredString(width / 2, y, _("This is to certify that"))
    y -= 13 * mm
    canvas.setFont("Helvetica-Bold", 22)
    canvas.drawCentredString(width / 2, y, person)
    y -= 13 * mm
    canvas.setFont("Helvetica", 13)
    canvas.drawCentredString(width / 2, y, statement)
    y -= 13 * mm
    canvas.setFont("Helvetica-Bold", 17)
    canvas.drawCentredString(width / 2, y, course.title)
    y -= 22 * mm

    for label, value in rows:
        canvas.setFont("Helvetica-Bold", 11)
        canvas.drawString(left, y, f"{label}:")
        canvas.setFont("Helvetica", 11)
        text = canvas.beginText(left + 45 * mm, y)
        for line in _wrap(value, 70):
            text.textLine(line)
        canvas.drawText(text)
        y -= 8 * mm * max(1, len(_wrap(value, 70)))

    y = 45 * mm
    canvas.line(left, y + 6 * mm, left + 70 * mm, y + 6 * mm)
    canvas.setFont("Helvetica", 11)
    canvas.drawString(left, y, str(issuer) if issuer else "Kompetanseportalen")
    canvas.setFont("Helvetica", 9)
    canvas.drawString(
        left,
        y - 6 * mm,
        _("Issued %(date)s by Kompetanseportalen")
        % {"date": formats.date_format(timezone.localdate(), "DATE_FORMAT")},
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrap(text: str, width: int) -> list[str]:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    if line:
        lines.append(line)
    return lines or [""]
