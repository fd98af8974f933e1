from django.urls import reverse
from django.utils.translation import gettext as _

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
