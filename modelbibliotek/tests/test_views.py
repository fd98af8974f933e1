"""The pages as people use them: who sees what, bad input kept with a message, a submitted report
refused for editing, attachments served through the policy."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from modelbibliotek import services
from modelbibliotek.models import IndicatorValue, ProgressReport, ReportAttachment

from .factories import model_library, periods, report_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    return model_library(world)


@pytest.fixture
def draft(world, project):
    return report_at(project, periods(world.programme, 2)[0], "draft")


def _url(name, *args):
    return reverse(f"modelbibliotek:{name}", args=args)


def test_other_counties_never_see_drafts_but_see_submitted_reports(world, client_for, draft):
    url = _url("report_detail", draft.pk)
    assert client_for(world.coordinator_b).get(url).status_code == 404
    assert client_for(world.staff_b).get(url).status_code == 404
    assert client_for(world.outsider).get(url).status_code == 404
    assert client_for(world.project_leader).get(url).status_code == 200
    services.report_submit(report=draft, submitted_by=world.staff_a)
    page = client_for(world.coordinator_b).get(url)
    assert page.status_code == 200
    assert "Approve the report" not in page.content.decode()
    assert client_for(world.staff_b).get(url).status_code == 404


def test_only_the_county_coordinator_decides(world, client_for, draft):
    services.report_submit(report=draft, submitted_by=world.staff_a)
    url = _url("report_decide", draft.pk)
    for person in (world.staff_a, world.library_leader_a, world.project_leader):
        response = client_for(person).post(url, {"decision": "approve"})
        assert response.status_code == 403
    assert client_for(world.coordinator_b).post(url, {"decision": "approve"}).status_code == 403
    draft.refresh_from_db()
    assert draft.status == ProgressReport.Status.SUBMITTED
    page = client_for(world.coordinator_a).get(_url("report_detail", draft.pk)).content.decode()
    assert "Approve the report" in page


def test_the_project_leader_reads_and_comments(world, client_for, draft):
    client = client_for(world.project_leader)
    response = client.post(_url("report_comment", draft.pk), {"text": "Godt arbeid!"}, follow=True)
    assert "Godt arbeid!" in response.content.decode()
    assert client.get(_url("report_edit", draft.pk)).status_code == 403


def test_a_submitted_report_cannot_be_edited(world, client_for, draft):
    services.report_submit(report=draft, submitted_by=world.staff_a)
    client = client_for(world.staff_a)
    response = client.get(_url("report_edit", draft.pk), follow=True)
    assert "can no longer be changed" in response.content.decode()
    percent = draft.indicator_values.get(unit="percent")
    response = client.post(
        _url("report_edit", draft.pk),
        {"activities": "Endret", f"value_{percent.indicator_id}": "99"},
        follow=True,
    )
    draft.refresh_from_db()
    assert draft.activities == "Vi holdt tre samlinger."
    assert IndicatorValue.objects.get(pk=percent.pk).number == 40


def test_a_wrong_value_keeps_the_input_and_says_why(world, client_for, draft):
    percent = draft.indicator_values.get(unit="percent")
    data = {"activities": "Nytt avsnitt om samlingene", f"value_{percent.indicator_id}": "120"}
    for milestone in draft.model_library.milestones.all():
        data[f"milestone_{milestone.pk}"] = milestone.status
    response = client_for(world.staff_a).post(_url("report_edit", draft.pk), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "A percent must be between 0 and 100." in html
    assert "Nytt avsnitt om samlingene" in html and 'value="120"' in html
    draft.refresh_from_db()
    assert draft.activities == "Vi holdt tre samlinger."


def test_a_due_date_outside_the_programme_keeps_the_input(world, client_for):
    url = _url("period_add") + f"?programme={world.programme.pk}"
    data = {
        "title": "Etter slutt",
        "starts_on": "2012-10-01",
        "ends_on": "2012-12-31",
        "due_on": "2013-02-01",
    }
    response = client_for(world.project_leader).post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "inside the programme" in html and "Etter slutt" in html
    assert not world.programme.model_library_report_periods.exists()


def test_attachments_are_checked_and_served_through_the_policy(world, client_for, draft):
    client = client_for(world.staff_a)
    fake = SimpleUploadedFile("plan.png", b"%PDF-1.4 not a png", "image/png")
    response = client.post(_url("attachment_add", draft.pk), {"file": fake})
    assert response.status_code == 400
    assert "content is not one" in response.content.decode()
    assert not ReportAttachment.objects.exists()
    real = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 ok", "application/pdf")
    client.post(_url("attachment_add", draft.pk), {"file": real})
    attachment = ReportAttachment.objects.get()
    download = client.get(_url("attachment_download", attachment.pk))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"%PDF-1.4 ok"
    assert (
        client_for(world.coordinator_b).get(_url("attachment_download", attachment.pk)).status_code
        == 404
    )


def test_overview_shows_chart_with_table_late_milestones_and_overdue_reports(
    world, client_for, project
):
    report_periods = periods(world.programme, 2)
    report_at(project, report_periods[0], "approved", value="35")
    html = client_for(world.staff_a).get(_url("model_library_detail", project.pk)).content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "35 %" in html and "80 %" in html  # the value and the target, in the table
    assert "Late" in html  # the milestones were due in 2011
    assert "Overdue" in html  # the second period's report was never written


def test_the_chart_draws_its_points_in_norwegian_too(world, client_for, project):
    """Coordinates are SVG numbers: a decimal comma ("138,0") would leave the dots undrawn."""
    report_at(project, periods(world.programme, 1)[0], "approved", value="35")
    world.staff_a.preferred_language = "nb"
    world.staff_a.save(update_fields=["preferred_language"])
    html = client_for(world.staff_a).get(_url("model_library_detail", project.pk))
    assert 'lang="nb"' in html.content.decode()
    svg = re.search(r"<svg.*?</svg>", html.content.decode(), re.S).group()
    coordinates = re.findall(r' (?:cx|cy|x|y|x1|x2|y1|y2)="([^"]*)"', svg)
    assert coordinates and all(re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", c) for c in coordinates)
    assert "<circle" in svg


def test_the_plan_is_written_by_the_library_and_its_coordinator_only(world, client_for, project):
    url = _url("goal_add", project.pk)
    data = {"title": "Nytt mål", "competence_areas": [world.areas[0].pk]}
    assert client_for(world.staff_a).post(url, data).status_code == 302
    assert client_for(world.coordinator_a).post(url, data).status_code == 302
    assert client_for(world.project_leader).post(url, data).status_code == 403
    assert client_for(world.coordinator_b).post(url, data).status_code == 403
    assert client_for(world.staff_b).post(url, data).status_code == 404
    assert project.goals.filter(title="Nytt mål").count() == 2


def _without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_kept_plan_shows_every_write_and_each_persons_links(world, client_for, project):
    """The project, its goals, milestones and plans are kept as HTML between reads
    (`portal.table_versions.kept_html`): what a read keeps is what it computed, a write shows
    at the next read, and each person sees the links they may follow."""
    url = _url("model_library_detail", project.pk)
    computed = _without_csrf(client_for(world.staff_a).get(url).content.decode())
    assert _without_csrf(client_for(world.staff_a).get(url).content.decode()) == computed
    assert "Change the goal" in computed
    assert "Change the goal" not in client_for(world.project_leader).get(url).content.decode()

    goal = project.goals.get()
    services.goal_save(
        model_library=project, saved_by=world.coordinator_a, title="Et nytt mål", goal=goal
    )
    services.milestone_save(
        model_library=project,
        saved_by=world.coordinator_a,
        title="Seminar om planene",
        due_on=world.programme.end_date,
    )
    html = client_for(world.project_leader).get(url).content.decode()
    assert "Et nytt mål" in html and "Seminar om planene" in html
    assert "Change the goal" not in html
    world.areas[0].name_en = "Partnerships, renamed"
    world.areas[0].save()
    assert "Partnerships, renamed" in client_for(world.staff_a).get(url).content.decode()


def test_a_kept_plan_turns_a_milestone_late_the_day_after_it_was_due(world, client_for, project):
    due = world.programme.end_date - timedelta(days=10)
    services.milestone_save(
        model_library=project, saved_by=world.coordinator_a, title="Snart", due_on=due
    )
    late = project.milestones.filter(due_on__lt=due).count()
    url = _url("model_library_detail", project.pk)
    client = client_for(world.staff_a)
    for today, expected in ((due, late), (due, late), (due + timedelta(days=1), late + 1)):
        with mock.patch("django.utils.timezone.localdate", return_value=today):
            html = client.get(url).content.decode()
        shown = re.search(r"(\d+) milestones? (?:is|are) late", html)
        assert int(shown.group(1)) == expected  # computed, kept, the next day
