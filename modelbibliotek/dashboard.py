"""The model libraries' panel of the programme dashboard: each model library of the counties the
reader sees, with its four traffic lights (reports on time, milestones, indicators on track, plan
anchoring; see modelbibliotek.overview). A fixed number of queries, whatever their number."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from portal.dashboard import DashboardPanel, register

from .models import ModelLibrary, ProgressReport
from .overview import side_by_side


@register
def model_library_panel(*, programme, county_ids, user) -> DashboardPanel | None:
    model_libraries = ModelLibrary.objects.filter(programme=programme)
    if county_ids is not None:
        model_libraries = model_libraries.filter(library__county_id__in=county_ids)
    rows = side_by_side(
        model_libraries=model_libraries,
        reports=ProgressReport.objects.filter(model_library__programme=programme),
        today=timezone.localdate(),
    )
    if not rows:
        return None
    return DashboardPanel(
        key="model-libraries",
        title=gettext_lazy("Model libraries"),
        template="modelbibliotek/dashboard_panel.html",
        context={
            "rows": rows,
            "url": reverse("modelbibliotek:model_library_list") + f"?programme={programme.pk}",
        },
        order=50,
    )
