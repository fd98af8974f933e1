"""Writes of the portal app: invitations, sign-up by invitation, role assignments."""

from __future__ import annotations

import csv
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import outbox, permissions
from .audit import audit_log
from .dashboard import programme_years
from .models import FunderReport, Invitation, Library, Programme, RoleAssignment, User
from .tokens import token_hash

CSV_MAX_ROWS = 1000
logger = logging.getLogger(__name__)


def invitation_valid_for() -> timedelta:
    return timedelta(days=settings.PORTAL_INVITATION_VALID_DAYS)


def user_by_email(email: str) -> User | None:
    """The account this address belongs to: its login, or another address verified on it."""
    return (
        User.objects.filter(
            Q(email__iexact=email)
            | Q(emailaddress__email__iexact=email, emailaddress__verified=True),
            erased_at__isnull=True,
        )
        .distinct()
        .first()
    )


def _invitation_problem(*, library: Library, email: str) -> str | None:
    """Why this e-mail cannot be invited to this library, or None."""
    try:
        validate_email(email)
    except ValidationError:
        return _("“%(email)s” is not a valid e-mail address.") % {"email": email}
    person = user_by_email(email)
    if person and RoleAssignment.objects.filter(user=person, library=library).exists():
        return _("%(email)s already has a role at %(library)s.") % {
            "email": email,
            "library": library,
        }
    if Invitation.objects.filter(
        email__iexact=email, library=library, accepted_at__isnull=True
    ).exists():
        return _("%(email)s has already been invited to %(library)s.") % {
            "email": email,
            "library": library,
        }
    return None


def _role_grant_existing(*, granted_by, library, person, role) -> RoleAssignment:
    """A person who already has an account gets the role at once, and an e-mail saying so."""
    assignment = RoleAssignment.objects.create(user=person, role=role, library=library)
    audit_log(
        "portal.role.granted",
        user=granted_by,
        obj=assignment,
        county=library.county,
        data={"library": library.pk, "role": role, "person": person.pk},
    )
    from .tasks import role_granted_notify

    outbox.enqueue(role_granted_notify, assignment.pk)
    return assignment


def _invitation_save(
    *, invited_by, library, email, full_name, role, language=""
) -> Invitation | RoleAssignment:
    person = user_by_email(email)
    if person is not None:
        return _role_grant_existing(
            granted_by=invited_by, library=library, person=person, role=role
        )
    invitation = Invitation.objects.create(
        email=email,
        full_name=full_name,
        library=library,
        role=role,
        language=language or settings.LANGUAGE_CODE,
        invited_by=invited_by,
        # A placeholder that can never match: the real token is made when the e-mail is sent,
        # so that it is never stored or passed through the broker.
        token_hash=f"unsent-{secrets.token_hex(16)}",
        expires_at=timezone.now() + invitation_valid_for(),
    )
    audit_log(
        "portal.invitation.created",
        user=invited_by,
        obj=invitation,
        county=library.county,
        data={"library": library.pk, "role": role},
    )
    from .tasks import invitation_send

    outbox.enqueue(invitation_send, invitation.pk)
    return invitation


@transaction.atomic
def invitation_create(
    *,
    invited_by: User,
    library: Library,
    email: str,
    full_name: str = "",
    role: str,
    language: str = "",
) -> Invitation | RoleAssignment:
    """Invite a new person by e-mail, or give a person who has an account the role directly."""
    email = email.strip().lower()
    problem = _invitation_problem(library=library, email=email)
    if problem:
        raise ValidationError({"email": problem})
    try:
        with transaction.atomic():
            return _invitation_save(
                invited_by=invited_by,
                library=library,
                email=email,
                full_name=full_name,
                role=role,
                language=language,
            )
    except IntegrityError:  # a parallel request invited the same person a moment ago
        raise ValidationError(
            {
                "email": _("%(email)s has already been invited to %(library)s.")
                % {"email": email, "library": library}
            }
        ) from None


@dataclass
class CsvRowError:
    line: int
    message: str


class StaffListError(Exception):
    def __init__(self, errors: list[CsvRowError]):
        super().__init__(f"{len(errors)} problem(s) in the staff list")
        self.errors = errors


_EMAIL_HEADERS = {"email", "e-mail", "epost", "e-post", "e-postadresse"}
_NAME_HEADERS = {"name", "full name", "navn", "fullt navn", "namn"}
_ROLE_HEADERS = {"role", "rolle"}
_ROLE_VALUES = {
    "": Invitation.Role.STAFF,
    "staff": Invitation.Role.STAFF,
    "ansatt": Invitation.Role.STAFF,
    "tilsett": Invitation.Role.STAFF,
    "leader": Invitation.Role.LIBRARY_LEADER,
    "library leader": Invitation.Role.LIBRARY_LEADER,
    "leder": Invitation.Role.LIBRARY_LEADER,
    "leiar": Invitation.Role.LIBRARY_LEADER,
    "biblioteksjef": Invitation.Role.LIBRARY_LEADER,
}


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StaffListError([CsvRowError(0, _("The file is not a text (CSV) file."))])


def staff_list_parse(raw: bytes) -> tuple[list[dict], list[CsvRowError]]:
    """Read a CSV staff list (e-mail, name, optional role): the rows and the problems found.

    A file that cannot be read at all (not text, no header) raises StaffListError.
    """
    text = _decode(raw)
    if not text.strip():
        raise StaffListError([CsvRowError(0, _("The file is empty."))])
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [h.strip().lower() for h in next(reader)]
    columns = {}
    for index, name in enumerate(header):
        for key, names in (
            ("email", _EMAIL_HEADERS),
            ("name", _NAME_HEADERS),
            ("role", _ROLE_HEADERS),
        ):
            if name in names:
                columns[key] = index
    if "email" not in columns:
        raise StaffListError(
            [CsvRowError(1, _("The first line must name the columns; one must be “e-post”."))]
        )
    rows, errors, seen = [], [], set()
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue

        def cell(key, record=record):
            index = columns.get(key)
            return record[index].strip() if index is not None and index < len(record) else ""

        email = cell("email").lower()
        role = _ROLE_VALUES.get(cell("role").lower())
        if role is None:
            errors.append(
                CsvRowError(
                    line,
                    _("Unknown role “%(role)s”: use “ansatt” or “leder”.") % {"role": cell("role")},
                )
            )
        if email in seen:
            errors.append(CsvRowError(line, _("%(email)s appears twice.") % {"email": email}))
        seen.add(email)
        rows.append({"line": line, "email": email, "full_name": cell("name"), "role": role})
        if len(rows) > CSV_MAX_ROWS:
            raise StaffListError(
                [CsvRowError(line, _("At most %(n)s people per file.") % {"n": CSV_MAX_ROWS})]
            )
    if not rows and not errors:
        raise StaffListError([CsvRowError(0, _("The file has no people in it."))])
    return rows, errors


@transaction.atomic
def staff_list_import(
    *, invited_by: User, library: Library, raw: bytes, language: str = ""
) -> list[Invitation | RoleAssignment]:
    """Invite everyone in a CSV staff list, or no one: all-or-nothing, with a per-row error list."""
    rows, errors = staff_list_parse(raw)
    errors += [
        CsvRowError(row["line"], problem)
        for row in rows
        if (problem := _invitation_problem(library=library, email=row["email"]))
    ]
    if errors:
        raise StaffListError(sorted(errors, key=lambda error: error.line))
    return [
        _invitation_save(
            invited_by=invited_by,
            library=library,
            email=row["email"],
            full_name=row["full_name"],
            role=row["role"],
            language=language,
        )
        for row in rows
    ]


def invitation_issue_token(*, invitation: Invitation) -> str:
    """Make a fresh secret link token for an invitation; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.last_sent_at = timezone.now()
    invitation.save(update_fields=["token_hash", "last_sent_at"])
    return token


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> RoleAssignment:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise ValidationError(_("This invitation is no longer valid."))
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=invitation.role, library=invitation.library
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_log(
        "portal.invitation.accepted",
        user=user,
        obj=invitation,
        county=invitation.library.county,
        data={"library": invitation.library_id, "role": invitation.role},
    )
    return assignment


def _invitation_lock_pending(invitation: Invitation) -> Invitation:
    """The invitation, locked, if nobody accepted it meanwhile (inside a transaction)."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been accepted."))
    return invitation


@transaction.atomic
def invitation_withdraw(*, withdrawn_by: User, invitation: Invitation) -> None:
    """Withdraw an invitation that is not yet accepted: its link stops working at once."""
    invitation = _invitation_lock_pending(invitation)
    audit_log(
        "portal.invitation.withdrawn",
        user=withdrawn_by,
        obj=invitation,
        county=invitation.library.county,
        data={"library": invitation.library_id, "role": invitation.role},
    )
    invitation.delete()


@transaction.atomic
def invitation_resend(*, resent_by: User, invitation: Invitation) -> Invitation:
    """Send the invitation again with a new link (the old one stops working) and a new expiry."""
    invitation = _invitation_lock_pending(invitation)
    invitation.expires_at = timezone.now() + invitation_valid_for()
    invitation.token_hash = f"unsent-{secrets.token_hex(16)}"
    invitation.save(update_fields=["expires_at", "token_hash"])
    audit_log(
        "portal.invitation.resent",
        user=resent_by,
        obj=invitation,
        county=invitation.library.county,
        data={"library": invitation.library_id},
    )
    from .tasks import invitation_send

    outbox.enqueue(invitation_send, invitation.pk)
    return invitation


@transaction.atomic
def role_remove(*, removed_by: User, assignment: RoleAssignment) -> None:
    county = assignment.library.county if assignment.library_id else assignment.county
    audit_log(
        "portal.role.removed",
        user=removed_by,
        obj=assignment,
        county=county,
        data={"role": assignment.role, "person": assignment.user_id},
    )
    assignment.delete()


def user_set_language(*, user: User, language: str) -> None:
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])


def profile_update(*, user: User, full_name: str, preferred_language: str) -> User:
    user.full_name = full_name.strip()
    user.preferred_language = preferred_language
    user.save(update_fields=["full_name", "preferred_language"])
    return user


@transaction.atomic
def accessibility_report_send(
    *, page_url: str, description: str, email: str, reporter: User | None
) -> int:
    """E-mail a reported accessibility problem to each site admin, in their own language."""
    from .permissions import site_admins
    from .tasks import accessibility_report_notify

    admin_ids = list(site_admins().values_list("pk", flat=True))
    for admin_id in admin_ids:
        outbox.enqueue(
            accessibility_report_notify,
            admin_id,
            page_url=page_url[:500],
            description=description[:5000],
            email=email,
            reporter_id=reporter.pk if reporter and reporter.is_authenticated else None,
        )
    return len(admin_ids)


# --- the report to the funder: requested on its page, generated by a task ----------------------

FOREWORD_MAX_LENGTH = 10_000
COMMENT_MAX_LENGTH = 5_000
# A report still waiting or running this long after its last sign of life was lost (a worker
# stopped, the broker was down): it is marked failed, so it can be asked for again.
FUNDER_REPORT_STALE_AFTER = timedelta(minutes=15)
# Stored in English and translated when shown, in the language of whoever reads the page.
REPORT_NOT_STARTED = gettext_noop("The report could not be started. Please try again.")
REPORT_STOPPED = gettext_noop("The generation stopped without finishing. Please try again.")
REPORT_FAILED = gettext_noop(
    "The report could not be generated. Please try again; if it fails again, tell the site's "
    "administrators."
)
REPORT_NOT_ALLOWED = gettext_noop(
    "The person who asked for the report may no longer see the whole programme."
)


def funder_report_period_label(*, programme: Programme, year: int | None) -> str:
    if year is not None:
        return str(year)
    return _("The whole programme period (%(start)s–%(end)s)") % {
        "start": programme.start_date.year,
        "end": programme.end_date.year,
    }


def _funder_report_validate(
    *, programme: Programme, year: int | None, language: str, foreword: str, comments: dict
) -> None:
    errors = {}
    if year is not None and year not in programme_years(programme):
        errors["period"] = _("Choose one of the programme's years, or the whole period.")
    if language not in dict(settings.LANGUAGES):
        errors["language"] = _("Choose Bokmål, Nynorsk or English.")
    if len(foreword) > FOREWORD_MAX_LENGTH:
        errors["foreword"] = _("The foreword can be at most %(max)s characters long.") % {
            "max": FOREWORD_MAX_LENGTH
        }
    for key, comment in comments.items():
        if not isinstance(comment, str) or len(comment) > COMMENT_MAX_LENGTH:
            errors[f"comment_{key}"] = _("A comment can be at most %(max)s characters long.") % {
                "max": COMMENT_MAX_LENGTH
            }
    if errors:
        raise ValidationError(errors)


def _funder_reports_expire_stale(reports) -> None:
    reports.filter(
        status__in=FunderReport.ACTIVE, updated_at__lt=timezone.now() - FUNDER_REPORT_STALE_AFTER
    ).update(status=FunderReport.Status.FAILED, message=REPORT_STOPPED, finished_at=timezone.now())


@transaction.atomic
def funder_report_request(
    *,
    programme: Programme,
    user: User,
    year: int | None,
    language: str,
    foreword: str = "",
    comments: dict[str, str] | None = None,
) -> FunderReport:
    """Ask for a report to the funder (the policy's `generate_report` says who may); a task
    makes its PDF and DOCX once this transaction commits.

    One report at a time per programme, period and language: the programme's row is locked, so
    two clicks at once cannot both start one; the second is told to wait for the first.
    """
    comments = {key: text.strip() for key, text in (comments or {}).items() if text.strip()}
    foreword = foreword.strip()
    _funder_report_validate(
        programme=programme, year=year, language=language, foreword=foreword, comments=comments
    )
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    same = FunderReport.objects.filter(programme=programme, year=year, language=language)
    _funder_reports_expire_stale(same)
    if same.filter(status__in=FunderReport.ACTIVE).exists():
        raise ValidationError(
            _(
                "A report for this period in this language is being generated already. Wait "
                "for it to finish, or choose another period or language."
            )
        )
    report = FunderReport.objects.create(
        programme=programme,
        year=year,
        language=language,
        foreword=foreword,
        comments=comments,
        created_by=user,
    )
    audit_log(
        "portal.funder_report.requested",
        user=user,
        obj=report,
        county=programme.lead_county,
        data={"year": year, "language": language},
    )
    transaction.on_commit(partial(_funder_report_start, report.pk))
    return report


def _funder_report_start(report_id: int) -> None:
    """Hand the report to a worker (or, with eager tasks, make it now). Whatever goes wrong,
    the request that asked for it stands: the report shows as failed and can be asked again."""
    from .tasks import funder_report_generate

    try:
        funder_report_generate.delay(report_id)
    except Exception:  # noqa: BLE001 - the broker or an eager run failed: record it, no 500
        logger.exception("Report to the funder %s could not be started.", report_id)
        FunderReport.objects.filter(pk=report_id, status__in=FunderReport.ACTIVE).update(
            status=FunderReport.Status.FAILED,
            message=REPORT_NOT_STARTED,
            finished_at=timezone.now(),
        )


def _funder_report_progress(report: FunderReport, percent: int) -> None:
    """Committed at once (outside any transaction), so the page's polling sees it."""
    report.progress = percent
    FunderReport.objects.filter(pk=report.pk).update(progress=percent, updated_at=timezone.now())


def _funder_report_fail(report: FunderReport, message: str) -> FunderReport:
    report.status, report.message, report.finished_at = (
        FunderReport.Status.FAILED,
        message,
        timezone.now(),
    )
    report.save(update_fields=["status", "message", "finished_at", "updated_at"])
    return report


def funder_report_generate(*, report: FunderReport, compress: bool = True) -> FunderReport:
    """Make the report's PDF and DOCX from the dashboard's figures for its period, as the person
    who asked for it sees them, and store them (through the default storage: disk or S3).

    Call it inside `translation.override(report.language)` (the task does). A report that is not
    waiting is left alone, so a task delivered twice makes it once. Any failure leaves the report
    failed with a message; the person can ask for it again.
    """
    from .dashboard import Period, dashboard_overview
    from .funder_documents import funder_report_docx, funder_report_pdf, report_content

    claimed = FunderReport.objects.filter(pk=report.pk, status=FunderReport.Status.QUEUED).update(
        status=FunderReport.Status.RUNNING, progress=5, updated_at=timezone.now()
    )
    if not claimed:
        return report
    report.status = FunderReport.Status.RUNNING
    try:
        programme = Programme.objects.prefetch_related("counties", "competence_areas").get(
            pk=report.programme_id
        )
        user = report.created_by
        if user is None or not permissions.can(user, "generate_report", programme):
            return _funder_report_fail(report, REPORT_NOT_ALLOWED)
        overview = dashboard_overview(
            programme=programme,
            user=user,
            period=Period.year(report.year) if report.year else None,
        )
        _funder_report_progress(report, 30)
        content = report_content(
            programme=programme,
            period=funder_report_period_label(programme=programme, year=report.year),
            overview=overview,
            foreword=report.foreword,
            comments=report.comments,
        )
        pdf = funder_report_pdf(content, compress=compress)
        _funder_report_progress(report, 60)
        docx = funder_report_docx(content, language=report.language)
        _funder_report_progress(report, 85)
        name = funder_report_file_name(report=report, programme=programme)
        report.pdf.save(f"{name}.pdf", ContentFile(pdf), save=False)
        report.docx.save(f"{name}.docx", ContentFile(docx), save=False)
    except Exception:  # noqa: BLE001 - whatever failed, the report says so and can be retried
        logger.exception("Report to the funder %s could not be generated.", report.pk)
        return _funder_report_fail(report, REPORT_FAILED)
    report.status, report.progress, report.message = FunderReport.Status.DONE, 100, ""
    report.finished_at = timezone.now()
    report.save(
        update_fields=["pdf", "docx", "status", "progress", "message", "finished_at", "updated_at"]
    )
    return report


def funder_report_file_name(*, report: FunderReport, programme: Programme) -> str:
    """ "kompetente-regionbibliotek-2025-nb" (the whole period: "…-2011-2012-nb")."""
    period = report.year or f"{programme.start_date.year}-{programme.end_date.year}"
    return f"{slugify(programme.short_name or programme.name)}-{period}-{report.language}"
