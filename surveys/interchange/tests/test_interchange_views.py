"""The import form, the import report and the JSON download, walked by each role."""

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.models import AuditLogEntry, User
from surveys.interchange import survey_import_file
from surveys.models import Question, Survey

from .shared_fixtures import SHARED_LSS

FIXTURES = Path(__file__).parent / "fixtures"
DUAL = SHARED_LSS / "LimeSurvey_survey-dual-scale-question-api-test.lss"
URL = reverse("surveys:import")


@pytest.fixture(autouse=True)
def english(db, world):
    """Everyone reads English, so the messages can be asserted as written."""
    User.objects.filter(pk__in=[u.pk for u in world.people().values()]).update(
        preferred_language="en"
    )
    for person in world.people().values():
        person.preferred_language = "en"


def upload(name: str, data: bytes | None = None):
    if data is None:
        data = (FIXTURES / name).read_bytes() if (FIXTURES / name).exists() else DUAL.read_bytes()
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post(client, world, *, county, name="dual.lss", data=None):
    return client.post(
        URL,
        {
            "programme": world.programme.pk,
            "county": county.pk if county else "",
            "file": upload(name, data),
        },
    )


@pytest.mark.django_db
def test_coordinator_imports_for_their_county_and_sees_the_report(world, client_for):
    client = client_for(world.coordinator_a)
    page = client.get(URL)
    assert page.status_code == 200
    assert list(page.context["form"].fields["county"].queryset) == [world.county_a]
    response = post(client, world, county=world.county_a, name="inline_many_types.lss")
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:import_report", args=[survey.pk])
    assert (survey.county, survey.created_by, survey.status) == (
        world.county_a,
        world.coordinator_a,
        Survey.Status.DRAFT,
    )
    report = client.get(response["Location"])
    assert report.status_code == 200
    html = report.content.decode()
    assert "Ranking" in html and "Q4" in html  # not imported, with the reason
    assert "Q9" in html and "Split into 2 number questions" in html  # imported differently
    assert "Jobber du i folkebibliotek?" in html or "Do you work in a public library?" in html
    assert "<script>alert" not in html


@pytest.mark.django_db
def test_coordinator_of_another_county_is_refused(world, client_for):
    client = client_for(world.coordinator_b)
    response = post(client, world, county=world.county_a)
    assert response.status_code == 200
    assert "county" in response.context["form"].errors
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_coordinator_cannot_import_programme_wide(world, client_for):
    response = post(client_for(world.coordinator_a), world, county=None)
    assert response.context["form"].errors["county"]
    assert not Survey.objects.exists()


@pytest.mark.django_db
def test_project_leader_imports_programme_wide_json(world, client_for):
    source = survey_import_file(
        programme=world.programme,
        county=world.county_b,
        created_by=world.coordinator_b,
        filename="dual.lss",
        data=DUAL.read_bytes(),
    ).survey
    client = client_for(world.project_leader)
    exported = client.get(reverse("surveys:export_structure", args=[source.pk]))
    assert exported.status_code == 200
    assert exported["Content-Disposition"].startswith("attachment;")
    response = post(client, world, county=None, name="structure.json", data=exported.content)
    assert response.status_code == 302
    copy = Survey.objects.exclude(pk=source.pk).get()
    assert copy.county is None
    assert Question.objects.get(survey=copy).kind == "competence_pair"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.lss", b"", "The submitted file is empty."),
        ("not_a_survey.lss", None, "This is not a LimeSurvey survey export"),
        ("truncated.lss", None, "damaged or cut short"),
        ("binary.lss", None, "not a text file"),
        ("billion_laughs.lss", None, "refused for safety"),
    ],
)
@pytest.mark.django_db
def test_bad_files_come_back_with_a_message_and_create_nothing(
    world, client_for, name, data, message
):
    response = post(
        client_for(world.coordinator_a), world, county=world.county_a, name=name, data=data
    )
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert message in " ".join(response.context["form"].errors["file"])
    assert message in response.content.decode()
    assert not Survey.objects.exists()
    assert not AuditLogEntry.objects.filter(action="surveys.survey.imported").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("person", ["staff_a", "library_leader_a", "outsider"])
def test_people_who_build_no_surveys_cannot_import(world, client_for, person):
    client = client_for(getattr(world, person))
    assert client.get(URL).status_code == 403
    assert post(client, world, county=world.county_a).status_code == 403
    assert not Survey.objects.exists()


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.django_db
def test_structure_download_follows_the_policy(world, client_for):
    survey = survey_import_file(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        filename="dual.lss",
        data=DUAL.read_bytes(),
    ).survey
    url = reverse("surveys:export_structure", args=[survey.pk])
    response = client_for(world.coordinator_a).get(url)
    assert response.status_code == 200
    assert json.loads(response.content)["format"] == "kompetanseportalen.survey"
    # A draft of county A: not visible to county B's coordinator or to staff → 404.
    for person in (world.coordinator_b, world.staff_a, world.outsider):
        assert client_for(person).get(url).status_code == 404
    assert (
        client_for(world.coordinator_a)
        .get(reverse("surveys:import_report", args=[survey.pk]))
        .status_code
        == 200
    )
    assert (
        client_for(world.coordinator_b)
        .get(reverse("surveys:import_report", args=[survey.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(world.coordinator_a).get("/undersokelser/999999/struktur.json").status_code
        == 404
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["dual.lss", "inline_many_types.lss"])
def test_download_and_report_query_counts_do_not_grow(
    world, client_for, django_assert_num_queries, name
):
    data = DUAL.read_bytes() if name == "dual.lss" else (FIXTURES / name).read_bytes()
    survey = survey_import_file(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        filename=name,
        data=data,
    ).survey
    client = client_for(world.coordinator_a)
    client.get("/")  # session and scope warmed up
    # 1 vs 10 questions, 1 vs 2 pages: the same number of queries.
    with django_assert_num_queries(7):
        assert client.get(reverse("surveys:export_structure", args=[survey.pk])).status_code == 200
    with django_assert_num_queries(7):
        assert client.get(reverse("surveys:import_report", args=[survey.pk])).status_code == 200


@pytest.mark.django_db
def test_the_report_says_everything_was_imported_only_when_it_is_so(world, client_for):
    from .test_interchange_limesurvey import CHOICE, group, lss, question, table

    client = client_for(world.coordinator_a)
    clean = lss(table("groups", group(1)), table("questions", question(1, 1, "Q1")), CHOICE)
    post(client, world, county=world.county_a, name="clean.lss", data=clean)
    report = client.get(reverse("surveys:import_report", args=[Survey.objects.get().pk]))
    assert "Everything in the file was imported, unchanged." in report.content.decode()
    changed = lss(
        table("groups", group(1)),
        table("questions", question(1, 1, "Q 1", text="<b>Hei</b>")),
        CHOICE,
    )
    post(client, world, county=world.county_a, name="changed.lss", data=changed)
    survey = Survey.objects.order_by("-pk").first()
    page = client.get(reverse("surveys:import_report", args=[survey.pk])).content.decode()
    assert "Everything in the file was imported" not in page
    assert "Nothing was left out, but some parts were imported differently" in page
    assert "The code Q 1 became Q1" in page


@pytest.mark.django_db
def test_a_refusal_names_the_project_leader(world, client_for):
    response = post(client_for(world.coordinator_a), world, county=None)
    assert response.status_code == 200
    assert "Only Per Prosjektleder (leder@example.no) can import a survey for the whole" in (
        response.content.decode()
    )
    assert not Survey.objects.exists()
