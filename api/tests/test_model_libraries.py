"""Model libraries through the API: projects, indicators with their values over time (from the
reports the person may see that were submitted or approved, in period order) and report status."""

import pytest

from modelbibliotek.tests.factories import model_library, periods, report_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    first, second, third = periods(world.programme, count=3)
    project = model_library(world, world.library_b)
    report_at(project, first, "approved", value="40")
    report_at(project, second, "submitted", value="55")
    report_at(project, third, "draft", value="70")
    return project


def _percent_values(client, project) -> list[tuple[str, str]]:
    indicators = client.get(
        "/api/v1/model-libraries/indicators/", {"model_library": project.pk}
    ).json()["results"]
    percent = next(i for i in indicators if i["unit"] == "percent")
    return [(v["period_title"], v["number"]) for v in percent["values"]]


def test_indicator_values_over_time_from_the_reports_told(world, api_client, project):
    told = [("Periode 1", "40.00"), ("Periode 2", "55.00")]
    for person in (world.project_leader, world.coordinator_b, world.library_leader_b):
        assert _percent_values(api_client(person), project) == told  # never the draft's 70


def test_report_status_as_each_party_may_see_it(world, api_client, project):
    def statuses(person):
        reports = api_client(person).get(
            "/api/v1/model-libraries/reports/", {"model_library": project.pk}
        )
        return sorted(r["status"] for r in reports.json()["results"])

    assert statuses(world.coordinator_b) == ["approved", "draft", "submitted"]
    assert statuses(world.staff_b) == ["approved", "draft", "submitted"]
    # Another county's coordinator sees the submitted and approved reports, never a draft.
    assert statuses(world.coordinator_a) == ["approved", "submitted"]
    assert _percent_values(api_client(world.coordinator_a), project)[-1] == ("Periode 2", "55.00")


def test_a_project_outside_ones_scope_is_not_found(world, api_client, project):
    client = api_client(world.staff_a)
    assert client.get(f"/api/v1/model-libraries/projects/{project.pk}/").status_code == 404
    assert client.get("/api/v1/model-libraries/projects/").json()["count"] == 0
    leader = api_client(world.project_leader).get(
        "/api/v1/model-libraries/projects/", {"county": world.county_b.pk}
    )
    assert [p["id"] for p in leader.json()["results"]] == [project.pk]
    assert leader.json()["results"][0]["county"] == world.county_b.pk
