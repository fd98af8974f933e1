"""Pages, filters and rate limits of the list endpoints: stable pages, filters that do what they
say, and every bad value answered 400 with a message that names the parameter (never a 500, never
silently everything)."""

import logging

import pytest

from courses.tests.factories import CourseFactory, GatheringFactory, oslo

pytestmark = pytest.mark.django_db


def test_pages_come_in_a_stable_order_with_links_to_the_next(world, api_client):
    client = api_client(world.project_leader)
    first = client.get("/api/v1/libraries/", {"page_size": 3}).json()
    assert first["count"] == 4 and len(first["results"]) == 3 and first["previous"] is None
    second = client.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == sorted(ids) and len(ids) == 4 and second["next"] is None


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("page=0", "page", "Give a whole number of 1 or more."),
        ("page=abc", "page", "Give a whole number of 1 or more."),
        ("page_size=0", "page_size", "Give a whole number from 1 to 1000."),
        ("page_size=5000", "page_size", "Give a whole number from 1 to 1000."),
        ("county=abc", "county", "Enter a whole number."),
        ("county=1.5", "county", "Enter a whole number."),
        ("county=16.0", "county", "Enter a whole number."),
        ("county=-3", "county", "Ensure this value is greater than or equal to 1."),
        ("county=123456789012345678901234567890", "county", "less than or equal to"),
        ("kind=palace", "kind", "Select a valid choice."),
        ("contry=16", "contry", "Unknown parameter. This list takes: county, kind, page,"),
    ],
)
def test_bad_parameters_answer_400_naming_the_parameter(
    world, api_client, query, parameter, message
):
    response = api_client(world.project_leader).get(f"/api/v1/libraries/?{query}")
    assert response.status_code == 400
    assert message in response.json()[parameter][0]


def test_a_page_past_the_last_is_not_found_and_says_so(world, api_client):
    response = api_client(world.project_leader).get("/api/v1/libraries/?page=9")
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no page 9: the last page is 1."


def test_bad_dates_and_statuses_answer_400(world, api_client):
    client = api_client(world.project_leader)
    for url in (
        "/api/v1/gatherings/?starts_from=2026-13-01",
        "/api/v1/gatherings/?starts_until=yesterday",
        "/api/v1/surveys/?status=sleeping",
        "/api/v1/registrations/?status=%00",
        "/api/v1/exchange/placements/?starts_from=99999-01-01",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        assert response["Content-Type"] == "application/json"


def test_filters_by_county_programme_course_and_date(world, api_client):
    client = api_client(world.project_leader)
    libraries = client.get("/api/v1/libraries/", {"county": world.county_b.pk}).json()["results"]
    assert {lib["id"] for lib in libraries} == {world.library_b.pk, world.county_library_b.pk}
    counties = client.get("/api/v1/counties/", {"programme": world.programme.pk}).json()
    assert counties["count"] == 2
    course = CourseFactory(programme=world.programme, county=world.county_b)
    autumn = GatheringFactory(course=course, starts_at=oslo(2031, 9, 14, 9, 0))
    GatheringFactory(course=course, starts_at=oslo(2032, 3, 1, 9, 0))
    other = CourseFactory(programme=world.programme)
    GatheringFactory(course=other, starts_at=oslo(2031, 9, 20, 9, 0))
    answer = client.get(
        "/api/v1/gatherings/",
        {"course": course.pk, "starts_from": "2031-09-01", "starts_until": "2031-12-31"},
    ).json()
    assert [g["id"] for g in answer["results"]] == [autumn.pk]
    assert answer["results"][0]["seats_taken"] == 0
    by_county = client.get("/api/v1/courses/", {"county": world.county_b.pk}).json()
    assert [c["id"] for c in by_county["results"]] == [course.pk]
    # An id outside what the person sees matches nothing; it is not an error (nor a hint).
    outsider = api_client(world.staff_b)
    assert outsider.get("/api/v1/courses/", {"county": 999999}).json()["count"] == 0


def test_requests_over_the_rate_limit_answer_429_per_token_and_are_logged(
    world, api_client, client, settings, caplog
):
    settings.PORTAL_API_RATE = "3/minute"
    caplog.set_level(logging.WARNING, logger="portal.access")
    limited = api_client(world.staff_a)
    for _ in range(3):
        assert limited.get("/api/v1/counties/").status_code == 200
    refused = limited.get("/api/v1/counties/")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert any("status=429" in r.getMessage() for r in caplog.records)
    # Another token has its own count.
    assert api_client(world.staff_b).get("/api/v1/counties/").status_code == 200


def test_the_session_works_for_the_documentation_and_the_schema(world, client_for, client):
    signed_in = client_for(world.staff_a)
    assert signed_in.get("/api/v1/counties/").status_code == 200
    docs = signed_in.get("/api/v1/docs/")
    assert docs.status_code == 200
    page = docs.content.decode()
    # Every address, with its parameters, on a page of the portal itself.
    for path in ("/api/v1/gatherings/", "/api/v1/surveys/{id}/results/", "starts_from"):
        assert path in page
    schema = signed_in.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    signed_in.logout()
    assert client.get("/api/v1/docs/").status_code == 302  # to the login page
