"""The overview, a model library's page and a report's page cost as many queries with many model
libraries, goals, indicators, reports and values as with few: the same pinned number at both
sizes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from modelbibliotek import services
from portal.tests.factories import LibraryFactory

from .factories import model_library, periods, report_at

pytestmark = pytest.mark.django_db

# A model library's page: its plan computed (the first read after a write), and kept.
COMPUTED, KEPT = 22, 6
# The overview of the model libraries, computed and kept (the same for each person).
OVERVIEW_COMPUTED_KEPT = (14, 5)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _grow_libraries(world, report_periods, n, start):
    for i in range(start, start + n):
        county = world.county_a if i % 2 else world.county_b
        project = model_library(world, LibraryFactory(county=county, name=f"Bibliotek {i}"))
        report_at(project, report_periods[0], "approved")
        report_at(project, report_periods[1], "submitted")


def _grow_project(project, report_periods, coordinator, start):
    """Another goal with its indicators and milestone, and the next period's report."""
    goal = services.goal_save(model_library=project, saved_by=coordinator, title=f"Mål x{start}")
    for unit in ("number", "percent", "text"):
        services.indicator_save(goal=goal, saved_by=coordinator, name=f"{unit} {start}", unit=unit)
    services.milestone_save(
        model_library=project,
        saved_by=coordinator,
        title=f"Milepæl {start}",
        due_on=project.programme.start_date,
    )
    report_at(project, report_periods[start], "approved" if start < 3 else "draft")


@pytest.mark.parametrize("person", ["project_leader", "coordinator_a", "staff_a"])
def test_the_overview_does_not_grow(world, client_for, person):
    """Pinned twice at each size: computed (the first read after a write) and kept (its rows'
    HTML while their tables are unchanged)."""
    report_periods = periods(world.programme, 2)
    client = client_for(getattr(world, person))
    url = reverse("modelbibliotek:model_library_list") + f"?programme={world.programme.pk}"
    client.get(url)
    _grow_libraries(world, report_periods, 1, 0)
    model_library(world)  # library A's own, for its staff
    small = (_count(client, url), _count(client, url))
    assert small == OVERVIEW_COMPUTED_KEPT
    _grow_libraries(world, report_periods, 5, 1)
    assert (_count(client, url), _count(client, url)) == small


@pytest.mark.parametrize(
    ("page", "person", "queries"),
    [
        ("report_detail", "staff_a", 20),
        ("report_edit", "staff_a", 7),
    ],
)
def test_a_model_library_and_its_reports_do_not_grow(world, client_for, page, person, queries):
    report_periods = periods(world.programme, 5)
    project = model_library(world)
    report = report_at(project, report_periods[0], "draft")
    url = reverse(f"modelbibliotek:{page}", args=[report.pk])
    client = client_for(getattr(world, person))
    _grow_project(project, report_periods, world.coordinator_a, 1)
    client.get(url)
    assert _count(client, url) == queries
    for start in (2, 3, 4):
        _grow_project(project, report_periods, world.coordinator_a, start)
    assert _count(client, url) == queries


@pytest.mark.parametrize("person", ["staff_a", "coordinator_a"])
def test_a_model_library_page_does_not_grow(world, client_for, person):
    """Pinned twice at each size: the first read after a write computes the project's plan
    (its HTML is kept only while its tables are unchanged), the next reads it kept."""
    report_periods = periods(world.programme, 5)
    project = model_library(world)
    report_at(project, report_periods[0], "draft")
    url = reverse("modelbibliotek:model_library_detail", args=[project.pk])
    client = client_for(getattr(world, person))
    client.get(url)
    for starts in ([1], [2, 3, 4]):
        for start in starts:
            _grow_project(project, report_periods, world.coordinator_a, start)
        assert (_count(client, url), _count(client, url)) == (COMPUTED, KEPT)
