"""Writes of the API app: personal tokens are created and revoked here."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time

from django.db import transaction
from django.utils import timezone

from portal.audit import audit_log
from portal.tokens import token_hash

from .models import TOKEN_PREFIX, ApiToken


@transaction.atomic
def api_token_create(*, user, name: str, expires_on: date | None = None) -> tuple[ApiToken, str]:
    """A new read-only token for this person; returns it and the token itself, which is shown
    once and never stored (only its hash is)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = None
    if expires_on is not None:
        # Valid through the whole of the chosen day, in the portal's time zone.
        expires_at = timezone.make_aware(datetime.combine(expires_on, time.max))
    api_token = ApiToken.objects.create(
        user=user,
        name=name,
        token_hash=token_hash(token),
        hint=token[: len(TOKEN_PREFIX) + 4],
        expires_at=expires_at,
    )
    audit_log("api.token.created", user=user, obj=api_token, data={"name": name})
    return api_token, token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, revoked_by) -> ApiToken:
    """Revoke a token: it stops working at once. Revoking twice changes nothing."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_log("api.token.revoked", user=revoked_by, obj=token, data={"name": token.name})
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Record that a token was used, at most once a minute (not a write on every request)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
