"""The dashboard's budget: funding sources (the grant, each county's contribution) against what
gatherings and exchanges cost, per county and in total, with what is left — figures checked
against a small data set computed by hand; a coordinator sees their county only."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from courses.models import GatheringCost
from courses.tests.factories import CourseFactory, GatheringFactory
from hospitering.models import BudgetLine
from hospitering.tests.factories import OfferFactory, application_at
from portal.dashboard import dashboard_overview, dashboard_table
from portal.models import FundingSource

pytestmark = pytest.mark.django_db
Kind = GatheringCost.Kind


def build_budget(world) -> dict:
    """Funding: the grant 300 000, Sør-Trøndelag (A) 50 000, Hedmark (B) 40 000.

    Costs: in A a gathering (venue 8 000 on the grant, catering 2 000 on A's contribution) and
    a cancelled one (venue 1 000 on the grant: still paid); in B a gathering (speakers 5 000 on
    B's contribution); an exchange by A's staff (actual 3 000, planned 3 500, on the grant).

    So A: 50 000 − (11 000 + 3 000) = 36 000 left; B: 40 000 − 5 000 = 35 000 left;
    the grant: 300 000 − 0 (no county's costs are set against it) = 300 000;
    in all: 390 000 − 19 000 = 371 000 left. Per source: the grant 300 000 − 12 000 = 288 000,
    A 50 000 − 2 000 = 48 000, B 40 000 − 5 000 = 35 000.
    """
    grant = FundingSource.objects.create(
        programme=world.programme, name="Nasjonalbiblioteket", amount=Decimal("300000")
    )
    own_a = FundingSource.objects.create(
        programme=world.programme,
        name="Sør-Trøndelag fylkeskommune",
        amount=Decimal("50000"),
        county=world.county_a,
    )
    own_b = FundingSource.objects.create(
        programme=world.programme,
        name="Hedmark fylkeskommune",
        amount=Decimal("40000"),
        county=world.county_b,
    )
    course = CourseFactory(programme=world.programme, county=None)
    in_a = GatheringFactory(course=course, county=world.county_a)
    cancelled = GatheringFactory(course=course, county=world.county_a)
    cancelled.cancelled_at = cancelled.starts_at
    cancelled.save()
    in_b = GatheringFactory(course=course, county=world.county_b)
    for gathering, kind, amount, source in (
        (in_a, Kind.VENUE, "8000", grant),
        (in_a, Kind.CATERING, "2000", own_a),
        (cancelled, Kind.VENUE, "1000", grant),
        (in_b, Kind.SPEAKERS, "5000", own_b),
    ):
        GatheringCost.objects.create(
            gathering=gathering, kind=kind, amount=Decimal(amount), funding_source=source
        )
    offer = OfferFactory(programme=world.programme, host_library=world.library_b)
    application = application_at(world, "approved", offer, world.staff_a, world.library_a)
    BudgetLine.objects.create(
        placement=application.placement,
        kind=BudgetLine.Kind.TRAVEL,
        planned=Decimal("3500"),
        actual=Decimal("3000"),
        funding_source=grant,
    )
    return {"grant": grant, "own_a": own_a, "own_b": own_b, "gathering_a": in_a}


def _rows(table) -> dict:
    return {row[0]: [int(value) for value in row[1:]] for row in table.rows}


def test_budget_per_county_and_in_total_with_what_is_left(world):
    build_budget(world)
    overview = dashboard_overview(programme=world.programme, user=world.project_leader)
    counties = dashboard_table(overview, "budget-counties")
    assert counties.columns == [
        "County",
        "Funding",
        "Costs: gatherings",
        "Costs: job shadowing",
        "Costs in all",
        "Left",
    ]
    assert _rows(counties) == {
        "Sør-Trøndelag": [50000, 11000, 3000, 14000, 36000],
        "Hedmark": [40000, 5000, 0, 5000, 35000],
        "The whole programme (grant)": [300000, 0, 0, 0, 300000],
        "Total": [390000, 16000, 3000, 19000, 371000],
    }
    sources = dashboard_table(overview, "budget")
    assert _rows(sources) == {
        "Nasjonalbiblioteket": [300000, 9000, 3000, 12000, 288000],
        "Sør-Trøndelag fylkeskommune": [50000, 2000, 0, 2000, 48000],
        "Hedmark fylkeskommune": [40000, 5000, 0, 5000, 35000],
        "Total": [390000, 16000, 3000, 19000, 371000],
    }


def test_the_page_prints_each_share_beside_its_bar(client_for, world):
    build_budget(world)
    response = client_for(world.project_leader).get(
        reverse("programme_dashboard", args=[world.programme.pk])
    )
    html = response.content.decode()
    section = html[html.index('id="panel-budget"') :]
    # Sør-Trøndelag has used 14 000 of 50 000: 28 %, printed beside its bar.
    assert "28 %" in section and 'class="key-bar"' in section
    assert "36,000" in section or "36 000" in section or "36\xa0000" in section


def test_coordinator_sees_only_their_county_budget_on_the_page_and_in_exports(client_for, world):
    build_budget(world)
    overview = dashboard_overview(programme=world.programme, user=world.coordinator_a)
    assert _rows(dashboard_table(overview, "budget-counties")) == {
        "Sør-Trøndelag": [50000, 11000, 3000, 14000, 36000]
    }
    assert dashboard_table(overview, "budget") is None  # the whole programme's money
    client = client_for(world.coordinator_a)
    page = client.get(reverse("programme_dashboard", args=[world.programme.pk])).content.decode()
    budget = page[page.index('id="panel-budget"') :]
    assert "Sør-Trøndelag" in budget
    for hidden in ("Hedmark", "Nasjonalbiblioteket", "The whole programme (grant)"):
        assert hidden not in budget
    export = reverse("dashboard_export", args=[world.programme.pk, "csv"])
    rows = list(
        csv.reader(
            io.StringIO(client.get(export + "?tabell=budget-counties").content.decode("utf-8-sig"))
        )
    )
    assert [row[0] for row in rows] == ["County", "Sør-Trøndelag"]
    assert client.get(export + "?tabell=budget").status_code == 404
    workbook = load_workbook(
        io.BytesIO(
            client.get(reverse("dashboard_export", args=[world.programme.pk, "xlsx"])).content
        )
    )
    cells = {str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row}
    assert "Sør-Trøndelag" in cells and "Hedmark" not in cells


def test_the_budget_exports_as_csv_and_xlsx(client_for, world):
    build_budget(world)
    client = client_for(world.project_leader)
    url = reverse("dashboard_export", args=[world.programme.pk, "xlsx"]) + "?tabell=budget"
    workbook = load_workbook(io.BytesIO(client.get(url).content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "Funding source" and rows[-1][0] == "Total"
    assert [int(v) for v in rows[-1][1:]] == [390000, 16000, 3000, 19000, 371000]
    csv_url = reverse("dashboard_export", args=[world.programme.pk, "csv"])
    response = client.get(csv_url + "?tabell=budget-counties")
    assert response.status_code == 200
    assert "Sør-Trøndelag" in response.content.decode("utf-8-sig")
