"""Personal API tokens in the `Authorization: Bearer <token>` header (and the signed-in session,
for the browsable documentation)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from portal.tokens import token_hash

from . import services
from .models import ApiToken

KEYWORDS = (b"bearer", b"token")


class PersonalTokenAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Give the token after “Bearer ”, with no spaces in it."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            token = ""
        api_token = (
            ApiToken.objects.select_related("user").filter(token_hash=token_hash(token)).first()
            if token
            else None
        )
        if api_token is None or not api_token.is_usable() or not api_token.user.is_active:
            raise AuthenticationFailed(
                _("The token is not valid: it may have expired or been revoked.")
            )
        services.api_token_touch(token=api_token)
        user = api_token.user
        if user.preferred_language:
            # The person's own language wins, as on the pages (portal.middleware).
            translation.activate(user.preferred_language)
            request._request.LANGUAGE_CODE = translation.get_language()
        return user, api_token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = PersonalTokenAuthentication
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token, created on your profile page.",
        }
