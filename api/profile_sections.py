"""The API tokens section of the profile page (see portal/profile.py)."""

from django.utils.translation import gettext_lazy as _

from portal import permissions
from portal.profile import ProfileSection, register

from .forms import ApiTokenForm
from .models import ApiToken


@register(order=60)
def api_tokens(*, request, user):
    return ProfileSection(
        "api-tokens",
        _("API tokens"),
        "api/profile_tokens.html",
        {
            "tokens": permissions.visible(user, ApiToken).order_by("-created_at", "-id"),
            "form": getattr(request, "api_token_form", None) or ApiTokenForm(),
        },
    )
