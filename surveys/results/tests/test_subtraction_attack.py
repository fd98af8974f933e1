"""The subtraction attack, on the real pages and exports.

A survey where the old check let a coordinator or the project leader recover small groups: a
county with libraries of 10, 10 and 2 respondents, a second county with a library of 3, and a
small third county. For every filter each role can choose, the results page is read; every
figure it shows (the number of responses, each area's gap, each heatmap cell, the programme's
gap beside a county's, the free texts) is taken as the set of responses it is about, and every
difference of shown figures of the same kind, across all the pages one person can request, is
tried: none may be about 1 to 4 people. The CSV and XLSX exports and the dashboard show exactly
what the page shows.
"""

from __future__ import annotations

import csv
import io
from itertools import product

import pytest
from django.urls import reverse

from portal.tests.factories import CountyFactory, LibraryFactory
from surveys.models import Response
from surveys.results.selectors import ROLE_CHOICES, ResultFilters, survey_results
from surveys.results.tests.test_disclosure import differences
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db

TOO_FEW = "too few answers"
VALUES = {"pair": (5, 2), "short": "Et ønske", "likert": 3}


@pytest.fixture
def setting(world):
    county_c = CountyFactory(number="99", name="Småfylke")
    world.programme.counties.add(county_c)
    small_a = LibraryFactory(name="Lite bibliotek", county=world.county_a)
    small_b = LibraryFactory(name="Grendebibliotek", county=world.county_b)
    small_c = LibraryFactory(name="Øybibliotek", county=county_c)
    survey = full_survey(programme=world.programme, areas=world.areas)
    for library, count, role in [
        (world.library_a, 10, "staff"),
        (world.library_a, 1, "library_leader"),
        (world.county_library_a, 10, "staff"),
        (small_a, 2, "staff"),
        (world.library_b, 12, "staff"),
        (small_b, 3, "staff"),
        (small_c, 3, "staff"),
    ]:
        add_responses(survey, count=count, library=library, role=role, values=VALUES)
    return survey


def filter_choices(results):
    counties = [None, *(c.id for c in results.counties)]
    libraries = [None, *(lib.id for lib in results.libraries)]
    roles = [None, *(code for code, _label in ROLE_CHOICES)]
    for county, library, role in product(counties, libraries, roles):
        yield ResultFilters(county_id=county, library_id=library, role=role)


def response_ids(survey, filters: ResultFilters, scope_counties=None) -> frozenset:
    responses = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    if scope_counties is not None:
        responses = responses.filter(county_id__in=scope_counties)
    for name, value in [
        ("county_id", filters.county_id),
        ("library_id", filters.library_id),
        ("role", filters.role),
    ]:
        if value is not None:
            responses = responses.filter(**{name: value})
    return frozenset(responses.values_list("id", flat=True))


def shown_figures(survey, user, scope_counties=None) -> dict[str, set[frozenset]]:
    """Every figure this person can get on the results page, by kind, as the set of responses
    it is about."""
    shown: dict[str, set[frozenset]] = {}
    first = survey_results(survey=survey, user=user)
    for filters in filter_choices(first):
        results = survey_results(survey=survey, user=user, filters=filters)
        if results.filters != filters:
            continue  # a filter outside the person's scope is dropped, shown as unfiltered
        group = response_ids(survey, filters, scope_counties)
        if results.n is not None:
            shown.setdefault("responses", set()).add(group)
        for area in results.areas:
            if not area.suppressed and area.gap is not None:
                shown.setdefault(f"area {area.area.code}", set()).add(group)
            if area.programme_gap is not None:
                whole = response_ids(survey, ResultFilters())
                shown.setdefault(f"area {area.area.code}", set()).add(whole)
        for row, county in zip(results.heatmap, results.counties, strict=False):
            for area, cell in zip(results.heatmap_areas, row.cells, strict=True):
                if not cell.suppressed and cell.gap is not None:
                    cells = response_ids(survey, ResultFilters(county_id=county.id))
                    shown.setdefault(f"area {area.code}", set()).add(group & cells)
        for question in results.questions:
            if question.texts:
                shown.setdefault(f"texts {question.question.code}", set()).add(group)
    return shown


def assert_no_difference_reveals_a_few(shown: dict[str, set[frozenset]]):
    for kind, groups in shown.items():
        for total in groups:
            assert len(total) >= 5, f"{kind}: a figure about {len(total)}"
            for rest in differences(total, groups):
                assert len(rest) == 0 or len(rest) >= 5, (
                    f"{kind}: {len(total)} minus shown parts leaves {len(rest)} responses"
                )


def test_the_project_leader_cannot_subtract_their_way_to_a_small_group(world, setting):
    shown = shown_figures(setting, world.project_leader)
    assert shown["responses"]  # the page still shows figures
    assert_no_difference_reveals_a_few(shown)


def test_a_coordinator_cannot_either(world, setting):
    shown = shown_figures(setting, world.coordinator_a, scope_counties={world.county_a.id})
    assert shown["responses"]
    assert_no_difference_reveals_a_few(shown)


def test_a_small_county_is_hidden_with_a_neighbour_in_the_heatmap(world, setting):
    results = survey_results(survey=setting, user=world.project_leader)
    hidden = {row.label for row in results.heatmap if all(cell.suppressed for cell in row.cells)}
    assert "Småfylke" in hidden and len(hidden) >= 2
    assert any(not cell.suppressed for row in results.heatmap for cell in row.cells)


def test_free_texts_of_a_small_library_are_never_shown(world, setting):
    small = world.county_a.libraries.get(name="Lite bibliotek")
    results = survey_results(
        survey=setting, user=world.project_leader, filters=ResultFilters(library_id=small.id)
    )
    assert results.suppressed
    short = next(q for q in results.questions if q.question.code == "short")
    assert short.texts == [] and short.texts_hidden


def export_tables(client, survey, query="") -> dict[str, list[list[str]]]:
    url = reverse("surveys:results_export", args=[survey.pk, "results.csv"])
    body = b"".join(client.get(f"{url}?{query}").streaming_content).decode("utf-8-sig")
    tables: dict[str, list[list[str]]] = {}
    for row in csv.reader(io.StringIO(body)):
        if row and row[0] != "table":
            tables.setdefault(row[0], []).append(row[1:])
    return tables


def test_the_exports_show_what_the_page_shows(client_for, world, setting):
    client = client_for(world.project_leader)
    for query, filters in [
        ("", ResultFilters()),
        (f"county={world.county_a.id}", ResultFilters(county_id=world.county_a.id)),
        (f"library={world.library_a.id}", ResultFilters(library_id=world.library_a.id)),
    ]:
        results = survey_results(survey=setting, user=world.project_leader, filters=filters)
        tables = export_tables(client, setting, query)
        page_areas = {
            a.area.localized_name: (TOO_FEW if a.suppressed else str(a.n)) for a in results.areas
        }
        assert {row[0]: row[1] for row in tables["areas"]} == page_areas
        page_heatmap = [
            [
                row.label,
                *(
                    TOO_FEW if c.suppressed else "" if c.gap is None else str(c.gap)
                    for c in row.cells
                ),
            ]
            for row in results.heatmap
        ]
        assert tables.get("gap_heatmap", []) == page_heatmap


def test_the_dashboard_shows_what_the_page_shows(world, setting):
    from surveys.dashboard import gap_panel

    panel = gap_panel(programme=world.programme, county_ids=None, user=world.project_leader)
    results = survey_results(survey=setting, user=world.project_leader)
    page_hidden = {
        row.label for row in results.heatmap if all(cell.suppressed for cell in row.cells)
    }
    dashboard_hidden = {
        group.label
        for group in panel.context["groups"]
        if group.suppressed or all(row.baseline.suppressed for row in group.rows)
    }
    assert page_hidden == dashboard_hidden - {"Whole programme", "Hele programmet"}


def test_after_the_retention_purge_the_same_figures_are_shown(world, setting):
    from surveys.models import Survey
    from surveys.results.services import survey_purge_raw_answers

    libraries = [None, *Response.objects.filter(survey=setting).values_list("library", flat=True)]
    choices = [ResultFilters(library_id=library) for library in dict.fromkeys(libraries)]
    choices += [ResultFilters(county_id=c.id) for c in world.programme.counties.all()]

    def seen():
        survey = Survey.objects.get(pk=setting.pk)
        return [
            (r.n, [(a.area.code, a.gap) for a in r.areas])
            for r in (
                survey_results(survey=survey, user=world.project_leader, filters=filters)
                for filters in choices
            )
        ]

    before = seen()
    assert survey_purge_raw_answers(survey=setting)
    assert seen() == before
