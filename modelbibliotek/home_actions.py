"""What the model libraries offer on the home page: the overview, the reports waiting for the
coordinator's decision, and the library's own report being written (overdue said so)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions
from portal.home import HomeAction, register, register_demo

from .demo import model_library_demo_load
from .models import ModelLibrary, ProgressReport

register_demo(model_library_demo_load)
Status = ProgressReport.Status


@register
def model_library_actions(*, user, programme, **kwargs) -> list[HomeAction]:
    actions = []
    if not permissions.visible(user, ModelLibrary).filter(programme=programme).exists():
        return actions  # one query for everyone the model libraries do not concern
    actions.append(
        HomeAction(
            _("Model libraries"),
            reverse("modelbibliotek:model_library_list") + f"?programme={programme.pk}",
            _("Goals, indicators, plan anchoring and reports of the model libraries."),
        )
    )
    to_decide = (
        permissions.for_action(user, ProgressReport, "decide")
        .filter(model_library__programme=programme, status=Status.SUBMITTED)
        .count()
    )
    if to_decide:
        actions.append(
            HomeAction(
                _("Model library reports to approve (%(count)s)") % {"count": to_decide},
                reverse("modelbibliotek:model_library_list") + f"?programme={programme.pk}",
                _("Approve them or return them with a comment."),
            )
        )
    today = timezone.localdate()
    for report in (
        permissions.for_action(user, ProgressReport, "edit")
        .filter(model_library__programme=programme, status__in=ProgressReport.EDITABLE_STATUSES)
        .filter(model_library__in=permissions.for_action(user, ModelLibrary, "member"))
        .select_related("period", "model_library__library")
    ):
        label = _("Report for %(period)s: %(status)s") % {
            "period": report.period,
            "status": _("overdue") if report.is_overdue(today) else report.get_status_display(),
        }
        actions.append(
            HomeAction(
                label,
                reverse("modelbibliotek:report_detail", args=[report.pk]),
                _("Due %(due)s.") % {"due": report.period.due_on.strftime("%d.%m.%Y")},
            )
        )
    return actions
