"""The audit log: services record changes that matter to a county with a dotted action name."""

from .models import AuditLogEntry


def audit_log(action: str, *, user, obj, county=None, data: dict | None = None) -> AuditLogEntry:
    return AuditLogEntry.objects.create(
        action=action,
        user=user if user is not None and user.is_authenticated else None,
        county=county,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )
