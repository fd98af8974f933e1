from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions
from .home import HomeAction, register
from .models import Invitation, Library


@register
def portal_actions(*, user, programme):
    actions = [
        HomeAction(_("About the programme"), reverse("programme_detail", args=[programme.pk]))
    ]
    libraries = permissions.visible(user, Library).filter(county__programmes=programme)
    if (
        permissions.for_action(user, Library, "manage_staff")
        .filter(county__programmes=programme)
        .exists()
    ):
        actions.append(
            HomeAction(
                _("Libraries and staff"),
                reverse("library_list"),
                _("See staff lists and invite new colleagues."),
            )
        )
        invitations = Invitation.objects.filter(
            library__in=permissions.for_action(user, Library, "manage_staff").filter(
                county__programmes=programme
            ),
            accepted_at__isnull=True,
        ).aggregate(count=Count("id"), library_id=Min("library_id"))
        if invitations["count"]:
            actions.append(
                HomeAction(
                    _("Invitations not yet accepted"),
                    reverse("library_detail", args=[invitations["library_id"]]),
                    _("Send them again or withdraw them; expired ones too."),
                    count=invitations["count"],
                )
            )
    elif libraries.exists():
        actions.append(
            HomeAction(
                _("Libraries and staff"),
                reverse("library_list"),
                _("See who works at your library."),
            )
        )
    return actions


@register
def dashboard_action(*, user, programme):
    if not permissions.can(user, "view_dashboard", programme):
        return []
    return [
        HomeAction(
            _("Programme dashboard"),
            reverse("programme_dashboard", args=[programme.pk]),
            _("Competence gaps, courses and attendance per county, before and after."),
        )
    ]
