"""Home-page actions, the dashboard panel, the demo model libraries, the admin, and the overview
with its export."""

import csv
import io
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from modelbibliotek import services
from modelbibliotek.home_actions import model_library_actions
from modelbibliotek.models import ModelLibrary, PlanAnchoring, ProgressReport
from portal.demo import CURRENT_PROGRAMME
from portal.models import Programme

from .factories import model_library, periods, report_at

pytestmark = pytest.mark.django_db


def _actions(user, programme):
    return {a.label: a.url for a in model_library_actions(user=user, programme=programme)}


def test_home_actions_show_what_waits(world):
    project = model_library(world)
    report_periods = periods(world.programme, 2)
    report_at(project, report_periods[0], "submitted")
    report_at(project, report_periods[1], "draft")
    assert "Model library reports to approve (1)" in _actions(world.coordinator_a, world.programme)
    staff = _actions(world.staff_a, world.programme)
    assert "Report for Periode 2: overdue" in staff
    assert not any("to approve" in label for label in staff)
    assert not any(
        "Report for" in label for label in _actions(world.coordinator_a, world.programme)
    )
    assert _actions(world.outsider, world.programme) == {}


def test_demo_has_a_model_library_in_every_county_with_reports_in_every_state():
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - idempotent
    current = Programme.objects.get(name=CURRENT_PROGRAMME)
    projects = ModelLibrary.objects.filter(programme=current).select_related("library__county")
    assert {p.library.county.number for p in projects} == {"16", "04", "15", "17", "05"}
    assert projects.count() == 5
    assert all(p.goals.count() == 2 and p.milestones.count() == 3 for p in projects)
    reports = ProgressReport.objects.filter(model_library__programme=current)
    assert set(reports.values_list("status", flat=True)) == set(ProgressReport.Status.values)
    assert reports.filter(status="submitted", comments__kind="returned").exists()
    assert all(r.frozen for r in reports.filter(status="approved"))
    assert set(
        PlanAnchoring.objects.filter(model_library__programme=current).values_list(
            "status", flat=True
        )
    ) == set(PlanAnchoring.Status.values)
    # The 2011–2012 programme is over: every report of every half-year approved.
    historical = ProgressReport.objects.exclude(model_library__programme=current)
    assert historical.count() == 5 * 4
    assert set(historical.values_list("status", flat=True)) == {"approved"}


def test_admin_uses_the_policy(world, client_for):
    project = model_library(world)
    admin = client_for(world.site_admin)
    for model in ("modellibrary", "progressreport", "indicator", "reportperiod"):
        assert admin.get(reverse(f"admin:modelbibliotek_{model}_changelist")).status_code == 200
    # An approved report is read-only in the admin too.
    report = report_at(project, periods(world.programme, 1)[0], "approved")
    url = reverse("admin:modelbibliotek_progressreport_change", args=[report.pk])
    assert admin.get(url).status_code == 200
    admin.post(url, {"activities": "Endret i admin"})
    report.refresh_from_db()
    assert report.activities == "Vi holdt tre samlinger."
    response = client_for(world.coordinator_a).get(
        reverse("admin:modelbibliotek_modellibrary_changelist")
    )
    assert response.status_code in (302, 403)


def test_overview_side_by_side_with_lights_and_exports(world, client_for):
    a, b = model_library(world), model_library(world, world.library_b)
    report_periods = periods(world.programme, 2)
    report_at(a, report_periods[0], "approved", value="12")  # behind the straight line
    report_at(b, report_periods[0], "draft")
    client = client_for(world.project_leader)
    query = f"?programme={world.programme.pk}"
    html = client.get(reverse("modelbibliotek:model_library_list") + query).content.decode()
    assert "Trondheim folkebibliotek" in html and "Hamar folkebibliotek" in html
    assert "Needs action" in html and "mb-light-red" in html
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("modelbibliotek:overview_csv") + query).content.decode(
                    "utf-8-sig"
                )
            ),
            delimiter=";",
        )
    )
    assert rows[0][:3] == ["County", "Library", "Project"]
    by_library = {row[1]: row for row in rows[1:]}
    # A report overdue for both (period 2 never written); Hamar's draft leaves period 1 too.
    assert by_library["Hamar folkebibliotek"][3] == "2 overdue"
    assert by_library["Trondheim folkebibliotek"][3] == "1 overdue"
    assert by_library["Trondheim folkebibliotek"][7] == "1 of 2 on track"
    response = client.get(reverse("modelbibliotek:overview_xlsx") + query)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 3 and sheet["B1"].value == "Library"
    # A coordinator of another county sees the other county's draft as not yet submitted.
    html = (
        client_for(world.coordinator_b)
        .get(reverse("modelbibliotek:model_library_list") + query)
        .content.decode()
    )
    assert "Trondheim folkebibliotek" in html


def test_dashboard_panel_for_the_project_leader(world, client_for):
    model_library(world)
    url = reverse("programme_dashboard", args=[world.programme.pk])
    html = client_for(world.project_leader).get(url).content.decode()
    assert "Model libraries per county" in html and "Trondheim folkebibliotek" in html
    html = client_for(world.coordinator_b).get(url).content.decode()
    assert "Trondheim folkebibliotek" not in html


def test_the_kept_overview_is_each_persons_and_shows_every_write(world, client_for):
    """The overview's rows are kept as HTML once for everyone who sees the same model
    libraries and reports (`permissions.scope_key`): each person reads what a computation for
    them alone shows, and a report submitted shows at the next read."""
    a, b = model_library(world), model_library(world, world.library_b)
    report_periods = periods(world.programme, 2)
    report_at(a, report_periods[0], "draft")
    report_at(b, report_periods[0], "draft")
    url = reverse("modelbibliotek:model_library_list") + f"?programme={world.programme.pk}"
    people = (world.project_leader, world.coordinator_a, world.coordinator_b, world.staff_a)

    def page(person):
        html = client_for(person).get(url).content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)

    def pages():
        return {person.pk: page(person) for person in people}

    alone = {}
    for person in people:  # each computed with nothing kept from anyone else
        cache.clear()
        alone[person.pk] = page(person)
    cache.clear()
    assert pages() == alone and pages() == alone  # computed once per scope, then kept
    tables = {
        re.search(r'<table class="table align-middle">.*?</table>', html, re.S).group()
        for html in alone.values()
    }
    assert len(tables) > 1  # the people see different model libraries or reports

    services.report_submit(report=a.reports.get(), submitted_by=world.staff_a)
    assert pages() != alone
