"""The dashboard's county cards and loop matrix, its exports, and the report to the funder per
year: figures checked against hand-computed values on the small data set of `build_loop`
(see portal/tests/test_dashboard.py), and a coordinator's view holding only their county."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from courses.models import Registration
from courses.tests.factories import GatheringFactory
from portal.tests.test_dashboard import _grow, _pairs, _register, build_loop
from surveys.builder.services import survey_invite_users
from surveys.models import Participation
from surveys.synthetic import add_responses

pytestmark = pytest.mark.django_db
Status = Registration.Status


def _overview(client, world):
    response = client.get(reverse("programme_dashboard", args=[world.programme.pk]))
    assert response.status_code == 200
    return response.context["overview"]


def _card(overview, county) -> dict:
    card = next(c for c in overview.cards if c.county == county)
    return {
        f.label: [(i.label, i.value) for i in f.items] if f.items else f.value for f in card.figures
    }


def _cell(overview, county, area) -> dict:
    row = next(r for r in overview.loop if r.county == county)
    return {f.label: f.value for f in row.cells[overview.areas.index(area)]}


def test_county_cards_show_hand_computed_figures(client_for, world):
    loop = build_loop(world)
    survey_invite_users(survey=loop.follow_up, users=[world.staff_a, world.staff_b])
    Participation.objects.filter(user=world.staff_a).update(completed_at=timezone.now())
    card_a = _card(_overview(client_for(world.project_leader), world), world.county_a)
    card_b = _card(_overview(client_for(world.project_leader), world), world.county_b)

    assert card_a["Response rate: Follow-up 2012"] == "100 % (1 of 1)"
    assert card_b["Response rate: Follow-up 2012"] == "0 % (0 of 1)"
    # County B's follow-up has 3 answers (too few), and the disclosure rule hides the follow-up
    # as a whole, so both cards show the baseline's gaps: Samarbeid 5-1 and 5-2.
    assert card_a["Largest competence gaps"][0] == ("Samarbeid", "4.00")
    assert card_b["Largest competence gaps"][0] == ("Samarbeid", "3.00")
    # Attendance by the participants' county: A 3 attended (library A), B 2 + 1 (the
    # programme-wide course); one of each county's two libraries reached.
    assert card_a["Attendance rate"] == "100 % (3 of 3)"
    assert card_b["Attendance rate"] == "100 % (3 of 3)"
    assert card_a["Libraries with a participant"] == "50 % (1 of 2)"
    assert card_a["Course registrations"] == "4"  # 3 attended and 1 confirmed
    # County A's course and the programme-wide one meet in county A (the lead county).
    assert card_a["Gatherings held / planned"] == "0 / 2"
    assert card_a["Job shadowing: applied / approved / with a report"] == "0 / 0 / 0"


def test_the_loop_matrix_follows_each_county_and_area(client_for, world):
    loop = build_loop(world)
    overview = _overview(client_for(world.project_leader), world)
    samarbeid, partnerskap, politikk = world.areas
    # Hedmark's follow-up has three answers: no follow-up figure anywhere (the disclosure rule).
    assert _cell(overview, world.county_a, samarbeid) == {
        "Gap before": "4.00",
        "Attended courses": "3",
        "Exchange reports": "0",
        "Gap after": "too few answers",
    }
    assert _cell(overview, world.county_b, samarbeid)["Gap after"] == "too few answers"
    # Two more answers from Hamar (5 and 5): now both counties' change shows.
    add_responses(loop.follow_up, count=2, library=world.library_b, values=_pairs((5, 5)))
    overview = _overview(client_for(world.project_leader), world)
    assert _cell(overview, world.county_a, samarbeid)["Gap after"] == "2.00 (-2.00)"
    assert _cell(overview, world.county_b, partnerskap)["Attended courses"] == "2"
    assert _cell(overview, world.county_b, politikk)["Attended courses"] == "1"


def test_a_coordinator_sees_one_county_on_the_page_in_the_exports_and_the_report(client_for, world):
    build_loop(world)
    world.programme.end_date = timezone.localdate() + timedelta(days=400)
    world.programme.save()
    client = client_for(world.coordinator_a)
    overview = _overview(client, world)
    assert [card.county for card in overview.cards] == [world.county_a]
    assert [row.county for row in overview.loop] == [world.county_a]
    workbook = load_workbook(
        io.BytesIO(
            client.get(reverse("dashboard_export", args=[world.programme.pk, "xlsx"])).content
        )
    )
    cells = [str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row]
    assert "Sør-Trøndelag" in cells
    assert not {"Hedmark", "Whole programme", "All counties"} & set(cells)
    # The whole programme's money per funding source is not theirs; their county's budget is.
    assert not any(name.startswith("Budget each") for name in workbook.sheetnames)
    assert any(name.startswith("Budget per county") for name in workbook.sheetnames)
    year = timezone.localdate().year
    report = client.get(reverse("funder_report", args=[world.programme.pk, year]))
    assert report.status_code == 200
    text = report.content.decode()
    assert "Sør-Trøndelag" in text and "Hamar" not in text
    assert text.count("Hedmark") == 1  # named among the participating counties, no figures
    # People without the dashboard see no report, and no exports.
    staff = client_for(world.staff_a)
    assert staff.get(reverse("funder_report", args=[world.programme.pk, year])).status_code in (
        403,
        404,
    )
    export = reverse("dashboard_export", args=[world.programme.pk, "xlsx"])
    assert staff.get(export).status_code in (403, 404)


def test_the_funder_report_counts_the_activities_of_its_year(client_for, world):
    loop = build_loop(world)
    today = timezone.localdate()
    world.programme.start_date = date(today.year - 1, 1, 1)
    world.programme.end_date = date(today.year + 1, 12, 31)
    world.programme.save()
    # A gathering held last year in county A with two attended.
    held = GatheringFactory(
        course=loop.course_a, starts_at=timezone.now().replace(year=today.year - 1, month=6, day=1)
    )
    _register(held, world.library_a, Status.ATTENDED, 2)
    client = client_for(world.project_leader)

    def card_a(year):
        response = client.get(reverse("funder_report", args=[world.programme.pk, year]))
        assert response.status_code == 200
        return _card(response.context["overview"], world.county_a), response.content.decode()

    last_year, page = card_a(today.year - 1)
    assert last_year["Gatherings held / planned"] == "1 / 0"
    assert last_year["Attendance rate"] == "100 % (2 of 2)"
    assert world.programme.name in page and "Report to the funder" in page
    this_year, _page = card_a(today.year)
    assert this_year["Gatherings held / planned"] == "0 / 2"
    assert this_year["Attendance rate"] == "100 % (3 of 3)"
    # Only the programme's years have a report.
    outside = reverse("funder_report", args=[world.programme.pk, today.year + 5])
    assert client.get(outside).status_code == 404


def test_exports_download_as_xlsx_and_csv(client_for, world):
    build_loop(world)
    client = client_for(world.project_leader)
    pk = world.programme.pk
    response = client.get(reverse("funder_report_export", args=[pk, 2011, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('-2011.xlsx"')
    workbook = load_workbook(io.BytesIO(response.content))
    assert "Key figures per county" in workbook.sheetnames
    budget_sheet = next(name for name in workbook.sheetnames if name.startswith("Budget each"))
    budget = list(workbook[budget_sheet].iter_rows(values_only=True))
    assert budget[0][0] == "Funding source" and budget[-1][0] == "Total"
    response = client.get(reverse("dashboard_export", args=[pk, "csv"]) + "?tabell=loop")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["County", "Competence area", "Figure", "Value"]
    assert ["Sør-Trøndelag", "Samarbeid", "Gap before", "4.00"] in rows
    assert client.get(reverse("dashboard_export", args=[pk, "csv"])).status_code == 404
    unknown = reverse("dashboard_export", args=[pk, "xlsx"]) + "?tabell=nothing"
    assert client.get(unknown).status_code == 404


@pytest.mark.parametrize("person", ["project_leader", "coordinator_a"])
def test_funder_report_queries_do_not_grow_with_the_data(client, world, person):
    loop = build_loop(world)
    client.force_login(getattr(world, person))
    report = reverse("funder_report", args=[world.programme.pk, 2011])
    client.get(report)
    counts = []
    for grow in (False, True):  # cold (nothing cached) and warm, at both sizes
        if grow:
            _grow(world, loop)
        cache.clear()
        for _state in ("cold", "warm"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(report).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:]
    assert counts[0] <= 70 and counts[1] <= 12


def test_model_libraries_are_in_the_cards_and_the_report_exports(client_for, world):
    """The model-library app's panel comes in through the dashboard registry; its lights are on
    its county's card and in the report's spreadsheet, for its county only."""
    from modelbibliotek.tests.factories import model_library, periods

    periods(world.programme)
    project = model_library(world, world.library_a)
    card = _card(_overview(client_for(world.project_leader), world), world.county_a)
    label = f"Model library: {project.library}"
    assert [name for name, _value in card[label]] == [
        "Reports",
        "Milestones",
        "Indicators",
        "Plan anchoring",
    ]
    assert label not in _card(_overview(client_for(world.project_leader), world), world.county_b)
    response = client_for(world.project_leader).get(
        reverse("funder_report_export", args=[world.programme.pk, 2011, "xlsx"])
        + "?tabell=model-libraries"
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][:2] == (str(project.library), "Sør-Trøndelag")
    assert (
        client_for(world.coordinator_b)
        .get(
            reverse("dashboard_export", args=[world.programme.pk, "xlsx"])
            + "?tabell=model-libraries"
        )
        .status_code
        == 404
    )  # none in their county: no such table for them


def test_a_coordinator_drills_down_to_the_libraries_reached(client_for, world):
    build_loop(world)
    response = client_for(world.coordinator_a).get(
        reverse("dashboard_export", args=[world.programme.pk, "csv"]) + "?tabell=libraries"
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # Not reached first: the county library (two people with a role, nobody at a gathering);
    # Trondheim's three attended the county's course. Only county A's libraries.
    assert rows == [
        ["Library", "County", "People with a role", "Participants"],
        ["Sør-Trøndelag fylkesbibliotek", "Sør-Trøndelag", "2", "0"],
        ["Trondheim folkebibliotek", "Sør-Trøndelag", "2", "3"],
    ]
    page = client_for(world.coordinator_a).get(
        reverse("programme_dashboard", args=[world.programme.pk])
    )
    assert "Not yet" in page.content.decode()
    # The project leader's dashboard has no such list (every library of every county).
    leader = client_for(world.project_leader).get(
        reverse("dashboard_export", args=[world.programme.pk, "csv"]) + "?tabell=libraries"
    )
    assert leader.status_code == 404
