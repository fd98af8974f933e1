"""The model libraries' panel of the programme dashboard: each model library of the counties the
reader sees, with its four traffic lights (reports on time, milestones, indicators on track, plan
anchoring; see modelbibliotek.overview). A fixed number of queries, whatever their number."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboard import DashboardPanel, DashboardTable, KeyFigure, register

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
    panel = DashboardPanel(
        key="model-libraries",
        title=gettext_lazy("Model libraries"),
        template="modelbibliotek/dashboard_panel.html",
        context={
            "rows": rows,
            "url": reverse("modelbibliotek:model_library_list") + f"?programme={programme.pk}",
        },
        order=50,
    )
    # Each county's card and the exports (and so the funder report): every light with its word.
    for row in rows:
        panel.key_figures.setdefault(row.model_library.library.county_id, []).append(
            KeyFigure(
                _("Model library: %(library)s") % {"library": row.model_library.library},
                items=[KeyFigure(light.label, _light_text(light)) for light in row.lights],
                order=50,
                key=f"model-library-{row.model_library.pk}",
            )
        )
    panel.tables.append(
        DashboardTable(
            key="model-libraries",
            title=_("Model libraries per county"),
            columns=[_("Model library"), _("County"), *(light.label for light in rows[0].lights)],
            rows=[
                [
                    str(row.model_library.library),
                    row.model_library.library.county.name,
                    *(_light_text(light) for light in row.lights),
                ]
                for row in rows
            ],
        )
    )
    return panel


def _light_text(light) -> str:
    return f"{light.word} ({light.detail})" if light.detail else light.word
