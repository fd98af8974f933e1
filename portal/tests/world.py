"""The portal's own objects in the shared test world (tests/world.py): an invitation waiting and an
expired one at each library, and a finished "export my data" file of a staff member per county."""

from datetime import timedelta

from django.utils import timezone

from portal import privacy
from portal.models import Invitation


def populate(world) -> None:
    now = timezone.now()
    for library, suffix in ((world.library_a, "a"), (world.library_b, "b")):
        Invitation.objects.create(
            email=f"venter.{suffix}@example.no",
            full_name=f"Venter {suffix.upper()}",
            library=library,
            token_hash=f"world-open-{suffix}",
            expires_at=now + timedelta(days=7),
        )
        Invitation.objects.create(
            email=f"utlopt.{suffix}@example.no",
            library=library,
            token_hash=f"world-expired-{suffix}",
            expires_at=now - timedelta(days=2),
        )
    for person in (world.staff_a, world.staff_b):
        privacy.personal_data_export_build(
            export=privacy.PersonalDataExport.objects.create(user=person)
        )
