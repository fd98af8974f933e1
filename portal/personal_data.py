"""What the portal app holds about a person, for export and erasure (portal/privacy.py)."""

from allauth.account.models import EmailAddress

from .models import AuditLogEntry, Invitation
from .privacy import Section, register_erasure, register_export


@register_export
def _profile(*, user):
    yield Section(
        "profile",
        [
            {
                "email": user.email,
                "full_name": user.full_name,
                "preferred_language": user.preferred_language,
                "joined": user.date_joined,
                "last_login": user.last_login,
            }
        ],
    )
    yield Section(
        "email-addresses",
        [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user)
        ],
    )
    yield Section(
        "sso-accounts",
        [
            {
                "provider": a.provider,
                "uid": a.uid,
                "linked": a.date_joined,
                "last_login": a.last_login,
            }
            for a in user.socialaccount_set.all()
        ],
    )
    yield Section(
        "two-factor",
        [{"type": a.type, "created": a.created_at} for a in user.authenticator_set.all()],
    )
    yield Section(
        "roles",
        [
            {
                "role": a.get_role_display(),
                "programme": a.programme and str(a.programme),
                "county": a.county and str(a.county),
                "library": a.library and str(a.library),
                "since": a.created_at,
            }
            for a in user.roles.select_related("programme", "county", "library")
        ],
    )
    yield Section(
        "invitations-sent",
        [
            {
                "email": i.email,
                "full_name": i.full_name,
                "library": str(i.library),
                "role": i.get_role_display(),
                "created": i.created_at,
                "accepted": i.accepted_at,
            }
            for i in Invitation.objects.filter(invited_by=user).select_related("library")
        ],
    )
    yield Section(
        "audit-log",
        [
            {"time": e.created_at, "action": e.action, "object": f"{e.object_type}:{e.object_id}"}
            for e in AuditLogEntry.objects.filter(user=user)
        ],
    )


@register_erasure
def _invitations_sent(*, user):
    # Who invited whom is the inviter's record; pending ones by the erased person stay valid.
    Invitation.objects.filter(invited_by=user).update(invited_by=None)
