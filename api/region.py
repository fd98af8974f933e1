"""The API's part of the load test: its heaviest reads (a survey's aggregated results and the
dashboard's key figures), called with a personal token beside the pages that show the same
figures, so that the figures compare the two ways in (see portal.loadtest)."""

from __future__ import annotations

from django.urls import reverse

from portal.region import PageVisit, region_people, register_pages
from surveys.models import Survey

from . import services


def _bearer(user) -> dict[str, str]:
    _api_token, token = services.api_token_create(user=user, name="Load test")
    return {"Authorization": f"Bearer {token}"}


@register_pages
def api_pages(programme) -> list[PageVisit]:
    people = region_people(programme)
    leader = _bearer(people["leader"])
    coordinators = {county_id: _bearer(user) for county_id, user in people["coordinators"].items()}
    key_figures = reverse("api:programme-key-figures", args=[programme.pk])
    pages = [PageVisit("API: key figures", key_figures, "leader", headers=leader)]
    pages += [
        PageVisit("API: key figures", key_figures, "coordinator", county_id, headers=headers)
        for county_id, headers in coordinators.items()
    ]
    # The survey whose results page the load test reads (surveys.region).
    survey = (
        Survey.objects.filter(programme=programme, status=Survey.Status.OPEN).order_by("pk").first()
    )
    if survey is not None:
        results = reverse("api:survey-results", args=[survey.pk])
        pages.append(PageVisit("API: survey results", results, "leader", headers=leader))
        pages += [
            PageVisit("API: survey results", results, "coordinator", county_id, headers=headers)
            for county_id, headers in coordinators.items()
        ]
    return pages
