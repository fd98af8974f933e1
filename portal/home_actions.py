from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions
from .home import HomeAction, register


@register
def portal_actions(*, user, programme, scope):
    actions = [
        HomeAction(_("About the programme"), reverse("programme_detail", args=[programme.pk]))
    ]
    if scope.is_site_admin or scope.is_manager or scope.member_library_ids:
        actions.append(
            HomeAction(
                _("Libraries and staff"),
                reverse("library_list"),
                _("See staff lists and invite new colleagues."),
            )
        )
    return actions


@register
def dashboard_action(*, user, programme, scope):
    if not permissions.can(user, "view_dashboard", programme):
        return []
    return [
        HomeAction(
            _("Programme dashboard"),
            reverse("programme_dashboard", args=[programme.pk]),
            _("Competence gaps, courses and attendance per county, before and after."),
        )
    ]
