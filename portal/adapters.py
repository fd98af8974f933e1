from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.utils.translation import gettext as _

from . import services
from .models import Invitation

SESSION_INVITATION = "portal_invitation_id"


def invitation_in_session(request) -> Invitation | None:
    invitation_id = request.session.get(SESSION_INVITATION)
    if not invitation_id:
        return None
    invitation = Invitation.objects.select_related("library").filter(pk=invitation_id).first()
    return invitation if invitation and invitation.is_open else None


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
