"""The portal's own objects in the shared test world (tests/world.py): an invitation waiting and an
expired one at each library, a finished "export my data" file of a staff member per county, and a
generated report to the funder."""

from datetime import timedelta

from django.utils import timezone, translation

from portal import privacy, services
from portal.models import (
    FunderReport,
    Invitation,
    Library,
    PersonalDataExport,
    Programme,
    RoleAssignment,
)
from tests.world import pages


def populate(world) -> None:
    now = timezone.now()
    for library, suffix in ((world.library_a, "a"), (world.library_b, "b")):
        Invitation.objects.create(
            email=f"venter.{library.pk}@example.no",
            full_name=f"Venter {suffix.upper()}",
            library=library,
            token_hash=f"world-open-{library.pk}",
            expires_at=now + timedelta(days=7),
        )
        Invitation.objects.create(
            email=f"utlopt.{library.pk}@example.no",
            library=library,
            token_hash=f"world-expired-{library.pk}",
            expires_at=now - timedelta(days=2),
        )
    for person in (world.staff_a, world.staff_b):
        privacy.personal_data_export_build(
            export=privacy.PersonalDataExport.objects.create(user=person)
        )
    # A generated report to the funder (made here and now: no commit, so no task, in the world).
    report = services.funder_report_request(
        programme=world.programme,
        user=world.project_leader,
        year=world.programme.start_date.year,
        language="en",
        foreword="Foreword of the world's report.",
    )
    with translation.override("en"):
        services.funder_report_generate(report=report)


def _personal_data_owner(person, export) -> bool:
    return person.pk == export.user_id


PAGES = [
    pages(Programme, "programme_detail", "programme_dashboard"),
    pages(
        Programme,
        "dashboard_export",
        kwargs=lambda programme: {"pk": programme.pk, "fmt": "xlsx"},
    ),
    pages(
        Programme,
        "funder_report",
        kwargs=lambda programme: {"pk": programme.pk, "year": programme.start_date.year},
    ),
    pages(
        Programme,
        "funder_report_generate",
        kwargs=lambda programme: {"pk": programme.pk, "year": programme.start_date.year},
    ),
    pages(
        FunderReport,
        "funder_report_status",
        kwargs=lambda report: {"pk": report.programme_id, "report_pk": report.pk},
    ),
    pages(
        FunderReport,
        "funder_report_download",
        kwargs=lambda report: [
            {"pk": report.programme_id, "report_pk": report.pk, "fmt": fmt}
            for fmt in ("pdf", "docx")
        ],
    ),
    pages(
        Programme,
        "funder_report_export",
        kwargs=lambda programme: {
            "pk": programme.pk,
            "year": programme.start_date.year,
            "fmt": "xlsx",
        },
    ),
    pages(Library, "library_detail", "invitation_create", "staff_list_import"),
    pages(
        RoleAssignment,
        "role_remove",
        # Roles at a library (a programme's roles have no page of their own).
        kwargs=lambda role: (
            [{"pk": role.library_id, "role_pk": role.pk}] if role.library_id else []
        ),
        owner=lambda role: role.library,
    ),
    pages(
        Invitation,
        "invitation_withdraw",
        "invitation_resend",
        kwargs=lambda invitation: {"pk": invitation.library_id, "invitation_pk": invitation.pk},
        owner=lambda invitation: invitation.library,
    ),
    pages(PersonalDataExport, "profile_data_download", visible_to=_personal_data_owner),
]
TOKENS = ("invitation_accept",)
