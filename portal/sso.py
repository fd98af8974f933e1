"""Single sign-on (OpenID Connect through allauth) and the MFA rule for managers.

The rule (README, "Single sign-on"): with PORTAL_REQUIRE_MFA_FOR_MANAGERS on, a project leader or
county coordinator must use a second factor. After a password login that is the portal's own
TOTP (allauth asks for it at every sign-in once it is set up). After an SSO login the provider's
own second factor counts when the provider reports it in the ID token:
- `amr` (RFC 8176) names "mfa", or two or more methods (e.g. ["pwd", "otp"]); or
- `acr` is one of the values configured for that provider in PORTAL_SSO_<NAME>_MFA_ACR
  (for ID-porten: idporten-loa-substantial, idporten-loa-high).
A provider that reports neither does not count, and the manager is asked to set up TOTP.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger("portal.sso")

SESSION_SECOND_FACTOR = "portal_sso_second_factor"


def claims_report_second_factor(claims: dict, *, accepted_acr: list[str]) -> bool:
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = amr.split()
    if "mfa" in amr or len(set(amr)) >= 2:
        return True
    return bool(claims.get("acr")) and claims["acr"] in accepted_acr


def reports_second_factor(sociallogin) -> bool:
    extra = sociallogin.account.extra_data or {}
    claims = extra.get("id_token") or {}
    provider = sociallogin.provider or sociallogin.account.get_provider()
    app = getattr(provider, "app", None)
    accepted = (app.settings or {}).get("mfa_acr_values", []) if app else []
    return claims_report_second_factor(claims, accepted_acr=accepted)


def session_has_provider_second_factor(request) -> bool:
    return bool(request.session.get(SESSION_SECOND_FACTOR))


def provider_origins() -> list[str]:
    """Where the browser is sent to sign in: each provider's issuer origin and any extra origin
    configured for it (ID-porten signs in on login.idporten.no, not on its issuer's host)."""
    apps = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
    origins = []
    for app in apps:
        app_settings = app.get("settings", {})
        for url in [app_settings.get("server_url", ""), *app_settings.get("form_action", [])]:
            parts = urlsplit(url)
            if parts.scheme and parts.netloc:
                origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))
