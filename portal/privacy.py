"""What the portal holds about a person: export it, erase it, and purge what is kept too long.

Each app registers, in its AppConfig.ready(), what it holds about a person (as portal/home.py's
registry does for home actions):

    from portal import privacy

    @privacy.register_export
    def registrations(*, user):
        yield privacy.Section("course-registrations", [{"course": ..., "status": ...}, ...])

    @privacy.register_erasure
    def registrations_erase(*, user):
        ...  # remove or pseudonymise; keep what others' records and aggregates need

An exporter returns (or yields) `Section`s: a file name (without extension) and a list of flat
dicts; the ZIP holds each as JSON and as CSV. An eraser runs inside the erasure's transaction,
before the person's account is pseudonymised; it must leave nothing that names the person (name,
e-mail, free text about them) and must keep rows that other people's records or figures count
(a reply in a thread, a seat in an attendance figure) — blank their content instead of deleting.
Anonymous survey answers are not linked to anyone, so no exporter can or may include them.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import outbox
from .audit import audit_log
from .models import AuditLogEntry, Invitation, PersonalDataExport, RoleAssignment, User


@dataclass(frozen=True)
class Section:
    name: str
    rows: list[dict]


Exporter = Callable[..., Iterable[Section]]
Eraser = Callable[..., None]
exporters: list[Exporter] = []
erasers: list[Eraser] = []


def register_export(exporter: Exporter) -> Exporter:
    exporters.append(exporter)
    return exporter


def register_erasure(eraser: Eraser) -> Eraser:
    erasers.append(eraser)
    return eraser


ERASED_TEXT = "–"  # what an erased person's free text becomes (a thread keeps its shape)


def erased_email(user: User) -> str:
    return f"erased-{user.pk}@erased.invalid"


# --- export ---


def _plain(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def personal_data_sections(*, user: User) -> list[Section]:
    sections: list[Section] = []
    for exporter in exporters:
        sections.extend(exporter(user=user))
    return sections


def personal_data_zip(*, user: User) -> bytes:
    """Everything the portal holds about this person, as a ZIP with JSON and CSV per section."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            _(
                "Everything Kompetanseportalen holds about you, made %(time)s. Each part is given "
                "as JSON and as CSV (semicolon-separated, UTF-8). Answers you gave to anonymous "
                "surveys are not linked to you and therefore cannot be included."
            )
            % {"time": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
            + "\n",
        )
        for section in personal_data_sections(user=user):
            rows = [{key: _plain(value) for key, value in row.items()} for row in section.rows]
            archive.writestr(
                f"{section.name}.json", json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
            )
            text = io.StringIO()
            columns = list(dict.fromkeys(key for row in rows for key in row))
            writer = csv.DictWriter(text, fieldnames=columns, delimiter=";")
            writer.writeheader()
            writer.writerows(rows)
            archive.writestr(f"{section.name}.csv", "\ufeff" + text.getvalue())
    return buffer.getvalue()


@transaction.atomic
def personal_data_export_request(*, user: User) -> PersonalDataExport:
    """Ask for a fresh export; a task makes the ZIP and e-mails the person when it is ready."""
    export = PersonalDataExport.objects.create(user=user)
    from .tasks import personal_data_export_build

    outbox.enqueue(personal_data_export_build, export.pk)
    return export


def personal_data_export_build(*, export: PersonalDataExport) -> PersonalDataExport:
    try:
        content = personal_data_zip(user=export.user)
    except Exception:
        export.status = PersonalDataExport.Status.FAILED
        export.finished_at = timezone.now()
        export.save(update_fields=["status", "finished_at"])
        raise
    export.file.save(f"personal-data-{export.user_id}-{export.pk}.zip", ContentFile(content))
    export.status = PersonalDataExport.Status.READY
    export.finished_at = timezone.now()
    export.save(update_fields=["file", "status", "finished_at"])
    return export


def _export_delete(export: PersonalDataExport) -> None:
    if export.file:
        export.file.delete(save=False)
    export.delete()


# --- erasure ---


@transaction.atomic
def person_erase(*, erased_by: User, person: User) -> User:
    """Remove or pseudonymise everything that names this person (a site admin's decision).

    The account row stays as a nameless placeholder so that the registrations, posts and survey
    participations that other people's figures count still add up; the audit log keeps each
    action, without a name.
    """
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.erased_at:
        return person
    for eraser in erasers:
        eraser(user=person)
    from allauth.account.models import EmailAddress

    addresses = {person.email.lower()} | {
        address.lower()
        for address in EmailAddress.objects.filter(user=person).values_list("email", flat=True)
    }
    for export in PersonalDataExport.objects.filter(user=person):
        _export_delete(export)
    Invitation.objects.filter(email__in=addresses).delete()
    Invitation.objects.filter(accepted_by=person).update(email=erased_email(person), full_name="")
    EmailAddress.objects.filter(user=person).delete()
    person.socialaccount_set.all().delete()
    person.authenticator_set.all().delete()
    RoleAssignment.objects.filter(user=person).delete()
    # Entries the person made keep their action; entries about them lose the details.
    AuditLogEntry.objects.filter(user=person).update(user=None)
    AuditLogEntry.objects.filter(
        object_type=person._meta.label_lower, object_id=str(person.pk)
    ).update(data={})
    person.set_unusable_password()  # also ends every session: their auth hash no longer matches
    User.objects.filter(pk=person.pk).update(
        email=erased_email(person),
        full_name="",
        password=person.password,
        is_active=False,
        is_staff=False,
        is_superuser=False,  # an erased person holds no power
        erased_at=timezone.now(),
    )
    person.refresh_from_db()
    audit_log("portal.person.erased", user=erased_by, obj=person)
    return person


# --- retention (Celery beat, daily) ---


def personal_data_retention_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Delete what the privacy notice says is kept only for a while; returns counts per kind."""
    now = now or timezone.now()
    days = timedelta(days=1)
    invitations, _details = Invitation.objects.filter(
        accepted_at__isnull=True,
        expires_at__lt=now - settings.PORTAL_RETENTION_INVITATION_DAYS * days,
    ).delete()
    # Signed up (an address on record) but never confirmed it, never signed in, no role.
    unverified = User.objects.filter(
        last_login__isnull=True,
        erased_at__isnull=True,
        emailaddress__isnull=False,
        date_joined__lt=now - settings.PORTAL_RETENTION_UNVERIFIED_ACCOUNT_DAYS * days,
        roles__isnull=True,
    ).exclude(emailaddress__verified=True)
    unverified_count, _details = unverified.delete()
    audit = (
        AuditLogEntry.objects.filter(
            created_at__lt=now - settings.PORTAL_RETENTION_AUDIT_DETAIL_DAYS * days
        )
        .exclude(data={}, user=None)
        .update(data={}, user=None)
    )
    exports = 0
    for export in PersonalDataExport.objects.filter(
        created_at__lt=now - settings.PORTAL_RETENTION_EXPORT_DAYS * days
    ):
        _export_delete(export)
        exports += 1
    return {
        "invitations": invitations,
        "unverified_accounts": unverified_count,
        "audit_details": audit,
        "exports": exports,
    }
