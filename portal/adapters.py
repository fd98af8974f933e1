"""allauth adapters: sign-up by invitation only, for passwords and for single sign-on alike."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal.ratelimit import get_ip as ratelimit_address
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import services, sso
from .models import Invitation, User

SESSION_INVITATION = "portal_invitation_id"


def invitation_in_session(request) -> Invitation | None:
    invitation_id = request.session.get(SESSION_INVITATION)
    if not invitation_id:
        return None
    invitation = Invitation.objects.select_related("library").filter(pk=invitation_id).first()
    return invitation if invitation and invitation.is_open else None


def _open_invitation_for(emails: list[str]) -> Invitation | None:
    """The oldest open invitation to one of these (verified) addresses."""
    return (
        Invitation.objects.select_related("library")
        .filter(email__in=emails, accepted_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("created_at")
        .first()
    )


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up is by invitation only: the invitation link puts the invitation in the session."""

    def is_open_for_signup(self, request):
        return invitation_in_session(request) is not None

    def clean_email(self, email):
        email = super().clean_email(email)
        invitation = invitation_in_session(self.request) if self.request else None
        if invitation and invitation.email.lower() != email.lower():
            raise forms.ValidationError(
                _("Use the address the invitation was sent to: %(email)s.")
                % {"email": invitation.email}
            )
        return email

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        invitation = invitation_in_session(request)
        if commit and invitation:
            services.invitation_accept(invitation=invitation, user=user)
            request.session.pop(SESSION_INVITATION, None)
        return user

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts failed logins per "key" (its default: the account, from any address,
        # so anyone could lock anyone out) and per address. The key here is the account *at this
        # address*: one person's typos at a library's shared address lock out only themselves,
        # and a guesser elsewhere cannot lock out the account. The per-address limit
        # (ACCOUNT_RATE_LIMITS) stays, set for brute force rather than for typos.
        account = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{account}@{ratelimit_address(request)}"

    def post_login(self, request, user, **kwargs):
        # Remember whether the identity provider reported a second factor (the MFA rule).
        sociallogin = (kwargs.get("signal_kwargs") or {}).get("sociallogin")
        request.session[sso.SESSION_SECOND_FACTOR] = bool(
            sociallogin and sso.reports_second_factor(sociallogin)
        )
        return super().post_login(request, user, **kwargs)

    def send_mail(self, template_prefix, email, context):
        # allauth's e-mails (confirm address, reset password) in the recipient's own language,
        # not in the language of whoever asked for them.
        user = context.get("user") or services.user_by_email(email)
        language = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on links only to what the provider's verified address proves.

    An SSO login is linked to an existing account when a verified address from the provider
    matches a verified address of the account; it creates an account only when it matches an
    open invitation. Anyone else gets a page on how to be invited.
    """

    @staticmethod
    def _verified_emails(sociallogin) -> list[str]:
        return [a.email.lower() for a in sociallogin.email_addresses if a.verified]

    def authenticate_by_email(self, sociallogin):
        for email in self._verified_emails(sociallogin):
            address = (
                EmailAddress.objects.select_related("user")
                .filter(email__iexact=email, verified=True, user__is_active=True)
                .first()
            )
            if address:
                return address.user, address.email
        return None

    def is_open_for_signup(self, request, sociallogin):
        if _open_invitation_for(self._verified_emails(sociallogin)):
            return True
        raise ImmediateHttpResponse(
            render(
                request,
                "socialaccount/not_invited.html",
                {
                    "provider": sociallogin.provider,
                    "emails": [a.email for a in sociallogin.email_addresses],
                    "verified": bool(self._verified_emails(sociallogin)),
                },
                status=403,
            )
        )

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        invitation = _open_invitation_for(self._verified_emails(sociallogin))
        name = " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))
        user.full_name = (invitation.full_name if invitation else "") or data.get("name") or name
        if invitation:
            user.email = invitation.email
            user.preferred_language = invitation.language
        return user

    def save_user(self, request, sociallogin, form=None):
        user: User = super().save_user(request, sociallogin, form=form)
        invitation = _open_invitation_for(self._verified_emails(sociallogin))
        if invitation:
            services.invitation_accept(invitation=invitation, user=user)
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, **kwargs):
        sso.logger.warning(
            "sso failed provider=%s error=%s exception=%s",
            getattr(provider, "sub_id", provider),
            error,
            type(exception).__name__ if exception else "-",
        )
        return super().on_authentication_error(
            request, provider, error=error, exception=exception, **kwargs
        )
