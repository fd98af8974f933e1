"""The person's API tokens, on their profile page (create, shown once, and revoke), and the API's
documentation page, written from the OpenAPI description."""

from __future__ import annotations

from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from drf_spectacular.generators import SchemaGenerator

from portal import permissions
from portal.profile import profile_sections

from . import services
from .forms import ApiTokenForm
from .models import ApiToken


@login_required
@require_POST
@never_cache  # the page shows the token itself: no cache may keep it
def api_token_create(request):
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        request.api_token_form = form
        sections = profile_sections(request=request, user=request.user)
        return render(request, "portal/profile.html", {"sections": sections}, status=400)
    api_token, token = services.api_token_create(user=request.user, **form.cleaned_data)
    return render(
        request,
        "api/token_created.html",
        {
            "api_token": api_token,
            "token": token,
            "api_url": request.build_absolute_uri(reverse("api:programme-list")),
        },
    )


@login_required
@require_POST
def api_token_revoke(request, pk):
    api_token = permissions.get_visible_or_404(request, ApiToken, pk=pk)
    permissions.require(request, "revoke", api_token)
    services.api_token_revoke(token=api_token, revoked_by=request.user)
    messages.success(request, _("The token “%(name)s” was revoked.") % {"name": api_token.name})
    return redirect(reverse("profile") + "#api-tokens")


@lru_cache(maxsize=8)
def _schema(language: str) -> dict:
    """The OpenAPI description (its texts in `language`): generated once per language."""
    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema: dict) -> list[dict]:
    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            operations.append(
                {
                    "id": operation["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "where": p["in"],
                            "type": p.get("schema", {}).get("format")
                            or p.get("schema", {}).get("type", ""),
                            "choices": p.get("schema", {}).get("enum", []),
                            "description": p.get("description", ""),
                        }
                        for p in operation.get("parameters", [])
                    ],
                    "answers": sorted(operation.get("responses", {})),
                }
            )
    return operations


@login_required
@require_GET
def api_docs(request):
    return render(
        request,
        "api/docs.html",
        {
            "operations": _operations(_schema(get_language())),
            "api_url": request.build_absolute_uri(reverse("api:programme-list")),
        },
    )
