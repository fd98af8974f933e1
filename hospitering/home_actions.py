"""What the exchange offers on the home page (with the count of what waits for a decision)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from portal import permissions
from portal.home import HomeAction, register, register_demo

from .demo import exchange_demo_load
from .selectors import applications_to_decide_count, feedback_to_give, reports_to_write

register_demo(exchange_demo_load)


@register
def exchange_actions(*, user, programme, **kwargs) -> list[HomeAction]:
    actions = []
    offers = reverse("hospitering:offer_list") + f"?programme={programme.pk}"
    if permissions.can(user, "view", _offer_probe(programme)):
        actions.append(
            HomeAction(
                _("Job shadowing"),
                offers,
                _("Visit a library in another county; offers on your competence gaps first."),
            )
        )
    to_decide = applications_to_decide_count(user=user, programme=programme)
    if to_decide:
        actions.append(
            HomeAction(
                _("Job shadowing applications to decide"),
                reverse("hospitering:decide_list"),
                _("Approve, reject or ask for changes."),
                count=to_decide,
            )
        )
    reports = reports_to_write(user=user, programme=programme)
    if reports:
        actions.append(
            HomeAction(
                _("Job shadowing reports to write"),
                reverse("hospitering:report_write", args=[reports[0]]),
                _("What you learnt and what will change at home, after your visit."),
                count=len(reports),
            )
        )
    feedback = feedback_to_give(user=user, programme=programme)
    if feedback:
        actions.append(
            HomeAction(
                _("Feedback to give as host"),
                reverse("hospitering:feedback_write", args=[feedback[0]]),
                _("A few words on how the visit went, for the visitor's home library."),
                count=len(feedback),
            )
        )
    return actions


def _offer_probe(programme):
    """An unsaved offer of the programme: whoever may see the programme's offers may see it."""
    from .models import Offer

    return Offer(programme=programme)
