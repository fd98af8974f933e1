"""The portal's own sections of the profile page (see portal/profile.py)."""

from allauth.account.models import EmailAddress
from django.utils.translation import gettext_lazy as _

from . import selectors
from .forms import ProfileForm
from .models import PersonalDataExport
from .profile import ProfileSection, register


@register(order=10)
def name_and_language(*, request, user):
    form = getattr(request, "profile_form", None) or ProfileForm(instance=user)
    return ProfileSection(
        "name", _("Name and language"), "portal/profile/name.html", {"form": form}
    )


@register(order=20)
def email_addresses(*, request, user):
    return ProfileSection(
        "email",
        _("E-mail addresses"),
        "portal/profile/email.html",
        {"addresses": EmailAddress.objects.filter(user=user).order_by("-primary", "email")},
    )


@register(order=30)
def sign_in(*, request, user):
    return ProfileSection(
        "sign-in",
        _("Password and two-factor authentication"),
        "portal/profile/sign_in.html",
        {
            "has_password": user.has_usable_password(),
            "authenticators": {a.type for a in user.authenticator_set.all()},
        },
    )


@register(order=40)
def sso_accounts(*, request, user):
    from allauth.socialaccount.adapter import get_adapter

    return ProfileSection(
        "sso",
        _("Single sign-on"),
        "portal/profile/sso.html",
        {
            "accounts": user.socialaccount_set.all(),
            "providers_exist": bool(get_adapter(request).list_apps(request)),
        },
    )


@register(order=50)
def roles(*, request, user):
    programmes, library_roles = selectors.roles_by_programme(user=user)
    return ProfileSection(
        "roles",
        _("Roles"),
        "portal/profile/roles.html",
        {"programmes": programmes, "library_roles": library_roles},
    )


@register(order=90)
def personal_data(*, request, user):
    return ProfileSection(
        "data",
        _("Your data"),
        "portal/profile/data.html",
        {"exports": PersonalDataExport.objects.filter(user=user)[:5]},
    )
