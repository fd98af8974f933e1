"""CSV for Excel and Power BI: the same rows as the JSON list, one per object, nested fields
flattened, formulas defused; an unknown format answers 400."""

import csv
import io

import pytest

from courses.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


def _rows(response) -> list[dict]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_a_list_as_csv_has_the_rows_of_the_json(world, api_client):
    client = api_client(world.project_leader)
    response = client.get("/api/v1/libraries/", {"format": "csv", "county": world.county_a.pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    json_rows = client.get("/api/v1/libraries/", {"county": world.county_a.pk}).json()["results"]
    assert [int(r["id"]) for r in rows] == [r["id"] for r in json_rows]
    assert {r["name"] for r in rows} == {world.library_a.name, world.county_library_a.name}
    programmes = _rows(client.get("/api/v1/programmes/", HTTP_ACCEPT="text/csv"))
    assert set(programmes[0]["counties"].split(";")) == {
        str(world.county_a.pk),
        str(world.county_b.pk),
    }


def test_csv_cells_never_run_as_formulas(world, api_client):
    CourseFactory(programme=world.programme, title='=HYPERLINK("http://evil")')
    rows = _rows(api_client(world.project_leader).get("/api/v1/courses/?format=csv"))
    assert rows[0]["title"].startswith("'=")


def test_an_empty_list_still_has_its_header(world, api_client):
    rows = api_client(world.outsider).get("/api/v1/courses/?format=csv").content.decode()
    assert rows.lstrip("\ufeff").startswith("id,programme,county,title")


def test_an_unknown_format_answers_400(world, api_client):
    response = api_client(world.project_leader).get("/api/v1/courses/?format=xml")
    assert response.status_code == 400
    assert response.json()["format"] == ["Unknown format. Choose one of: json, csv."]
