"""The model libraries' part of the generated regional programme."""

import pytest

from modelbibliotek.models import ModelLibrary, ProgressReport
from portal.region import region_generate, region_parts

from ..region import model_libraries

pytestmark = pytest.mark.django_db


def test_the_region_has_model_libraries_with_reports_in_every_state():
    assert model_libraries in region_parts
    programme = region_generate(seed=3, scale=0.01).programme
    projects = ModelLibrary.objects.filter(programme=programme)
    assert projects.count() == 5  # one a county at this scale
    reports = ProgressReport.objects.filter(model_library__programme=programme)
    assert set(reports.values_list("status", flat=True)) == set(ProgressReport.Status.values)
    approved = reports.filter(status="approved")
    assert approved.exists() and all(r.frozen["goals"] for r in approved)
