"""What the API app holds about a person (portal/privacy.py): their tokens (never the token
itself, which is not stored)."""

from portal.privacy import Section, register_erasure, register_export

from .models import ApiToken


@register_export
def api_tokens(*, user):
    yield Section(
        "api-tokens",
        [
            {
                "name": t.name,
                "created": t.created_at,
                "expires": t.expires_at,
                "last_used": t.last_used_at,
                "revoked": t.revoked_at,
            }
            for t in ApiToken.objects.filter(user=user)
        ],
    )


@register_erasure
def api_tokens_erase(*, user):
    ApiToken.objects.filter(user=user).delete()
