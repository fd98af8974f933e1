from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from . import permissions
from .home import HomeAction, register
from .models import Library


@register
def portal_actions(*, user, programme):
    actions = [
        HomeAction(_("About the programme"), reverse("programme_detail", args=[programme.pk]))
    ]
    libraries = permissions.visible(user, Library).filter(county__programmes=programme)
    # Whether the person manages any library's staff, and the invitations waiting at those
    # libraries, in one query.
    pending = Q(invitations__accepted_at__isnull=True)
    managed = (
        permissions.for_action(user, Library, "manage_staff")
        .filter(county__programmes=programme)
        .aggregate(
            libraries=Count("id", distinct=True),
            invitations_waiting=Count("invitations", filter=pending),
            library_id=Min("pk", filter=pending),  # a library where one waits
        )
    )
    if managed["libraries"]:
        actions.append(
            HomeAction(
                _("Libraries and staff"),
                reverse("library_list"),
                _("See staff lists and invite new colleagues."),
            )
        )
        if managed["invitations_waiting"]:
            actions.append(
                HomeAction(
                    _("Invitations not yet accepted"),
                    reverse("library_detail", args=[managed["library_id"]]),
                    _("Send them again or withdraw them; expired ones too."),
                    count=managed["invitations_waiting"],
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
