"""Secret link tokens (survey invitations, staff invitations, calendar feeds): only hashes kept.

A token in a URL is a password: the database keeps its SHA-256 (`token_hash`), so a copy of the
database opens nothing. Where the person must be able to see their link again (the survey link in
every reminder, the calendar address on the calendar page), the token is derived from SECRET_KEY
and a value stored with the object (`derived_token`), so it can be shown again without being stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings


def token_hash(token: str) -> str:
    """What is stored of a token, and what a token from a URL is looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


def derived_token(purpose: str, *parts: object) -> str:
    """A URL-safe token that only SECRET_KEY can make: HMAC of the purpose and the parts."""
    message = ":".join([purpose, *(str(part) for part in parts)])
    digest = hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
