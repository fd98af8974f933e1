from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from .permissions import get_scope
from .sso import provider_origins, session_has_provider_second_factor


class UserLanguageMiddleware:
    """A signed-in person's preferred language wins over the browser's, on every device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


class SSOFormActionMiddleware:
    """Let the sign-in buttons send the browser on to the configured SSO providers.

    The Content-Security-Policy allows forms to post only to ourselves, and browsers apply that to
    the redirect that follows a form too; the providers' origins are added (and nothing else).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        origins = provider_origins()
        if origins:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), *origins]
            response._csp_update = update
        return response


class RequireMFAMiddleware:
    """With PORTAL_REQUIRE_MFA_FOR_MANAGERS on, leaders and coordinators must set up TOTP first,
    unless they signed in through a provider that reported its own second factor (portal/sso.py).
    """

    exempt_prefixes = ("/accounts/", "/static/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.PORTAL_REQUIRE_MFA_FOR_MANAGERS
            and request.user.is_authenticated
            and not request.path.startswith(self.exempt_prefixes)
            and not session_has_provider_second_factor(request)
            and get_scope(request.user).is_manager
            and not request.user.authenticator_set.filter(type="totp").exists()
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


class ServiceRefusalMiddleware:
    """A service's "not now" that reaches a view unhandled (a ValidationError, e.g. "only a draft
    can be changed") is shown to the person as a message, never as a server error.

    The person is sent back where they came from (a safe address on this site, not the same
    page) with the reason; otherwise the page answers 409 in the portal's layout with a way back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ValidationError):
            return None
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
            back = ""
        if back and back != request.build_absolute_uri():
            for message in exception.messages:
                messages.error(request, message)
            return redirect(back)
        return render(
            request,
            "portal/refused.html",
            {"reasons": exception.messages, "back": back or reverse("home")},
            status=409,
        )


class MethodNotAllowedMiddleware:
    """A request with the wrong method (a GET on an address that only takes a form's POST, e.g.
    after pressing Enter in the address bar) gets a page in the portal's layout that explains
    and leads back, never a bare 405, for every view of the portal at once.

    Back is where the person came from (on this site), else the nearest address above this one
    that exists (…/pameldinger/5/godkjenning/ → …/pameldinger/), else the home page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not isinstance(response, HttpResponseNotAllowed):
            return response
        page = render(
            request,
            "405.html",
            {"back": self._back(request), "allowed": response.get("Allow", "")},
            status=405,
        )
        page["Allow"] = response.get("Allow", "")
        return page

    @staticmethod
    def _back(request) -> str:
        referer = request.headers.get("referer", "")
        if (
            referer
            and referer != request.build_absolute_uri()
            and url_has_allowed_host_and_scheme(referer, {request.get_host()}, request.is_secure())
        ):
            return referer
        parts = [part for part in request.path.split("/") if part]
        while parts:
            parts.pop()
            candidate = "/" + "".join(f"{part}/" for part in parts)
            try:
                resolve(candidate)
            except Resolver404:
                continue
            return candidate
        return reverse("home")
