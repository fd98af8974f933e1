"""The API's part of the test world: a personal token for two people (see tests/world.py)."""

from __future__ import annotations

from api import services
from api.models import ApiToken
from courses.models import Course, Gathering, Registration
from hospitering.models import Offer, Placement
from modelbibliotek.models import Indicator, ModelLibrary, ProgressReport
from portal.models import County, Library, Programme
from surveys.models import Survey
from tests.world import pages


def populate(world) -> dict:
    return {
        name: services.api_token_create(user=getattr(world, name), name=f"Rapport {name}")[0]
        for name in ("staff_a", "coordinator_b")
    }


PAGES = [
    pages(ApiToken, "api_token_revoke"),
    pages(Programme, "api:programme-detail", "api:programme-key-figures"),
    pages(County, "api:county-detail"),
    pages(Library, "api:library-detail"),
    pages(Survey, "api:survey-detail", "api:survey-results"),
    pages(
        Course,
        "api:course-detail",
        "api:course-completion-detail",
        "api:course-completion-participants",
    ),
    pages(Gathering, "api:gathering-detail"),
    pages(Registration, "api:registration-detail"),
    pages(Offer, "api:offer-detail"),
    pages(Placement, "api:placement-detail"),
    pages(ModelLibrary, "api:model-library-detail"),
    pages(Indicator, "api:indicator-detail"),
    pages(ProgressReport, "api:report-detail"),
]
