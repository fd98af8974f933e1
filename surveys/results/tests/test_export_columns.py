"""The raw exports read back: unique column names that match the codebook for every question kind
(CSV and XLSX), anonymous responses in random order with dates only, the semicolon CSV, and the
survey's own managers (a county survey's coordinator) exporting under the same rules."""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import reverse

from surveys.models import Question
from surveys.synthetic import add_question, add_responses, full_survey

pytestmark = pytest.mark.django_db
Kind = Question.Kind

VALUES = {
    "likert": 4,
    "single": ("other", "Annen stilling"),
    "multi": ["x", "z"],
    "matrix": 3,
    "pair": (5, 1),
    "number": 7,
    "short": "kort",
    "long": "lang tekst",
    "kurs": ["a", ("other", "Eget kurs")],
    "kurs_a": "samme navn",
    "matrix_m1": 12,
}
PAIR = (("importance", "5"), ("competence", "1"))
# Every column and what each response holds in it.
EXPECTED = {
    "likert": "4",
    "single": "other",
    "single_other_text": "Annen stilling",
    "multi_x": "1",
    "multi_y": "0",
    "multi_z": "1",
    "matrix_m1": "3",
    "matrix_m2": "3",
    **{f"pair_p{i}_{dimension}": value for i in range(3) for dimension, value in PAIR},
    "number": "7",
    "short": "kort",
    "long": "lang tekst",
    # Multiple choice with "other": the option chosen (1/0) and its text, two names.
    "kurs_a": "1",
    "kurs_b": "0",
    "kurs_other": "1",
    "kurs_other_text": "Eget kurs",
    # Question codes that spell another question's column get a suffix, in file and codebook.
    "kurs_a_2": "samme navn",
    "matrix_m1_2": "12",
}


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    page = survey.pages.get()
    add_question(survey, page, code="kurs", kind=Kind.MULTIPLE_CHOICE, options=["a", "b"])
    survey.questions.filter(code="kurs").update(allow_other=True)
    add_question(survey, page, code="kurs_a", kind=Kind.SHORT_TEXT)
    add_question(survey, page, code="matrix_m1", kind=Kind.NUMBER)
    add_responses(survey, count=6, library=world.library_a, values=VALUES)
    return survey


def export(client, survey, name, **query):
    from urllib.parse import urlencode

    url = reverse("surveys:results_export", args=[survey.pk, name])
    response = client.get(url + ("?" + urlencode(query) if query else ""))
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)


def read_csv(data: bytes, delimiter=","):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))


def test_wide_csv_and_xlsx_read_back_with_unique_names_matching_the_codebook(
    client_for, world, survey
):
    client = client_for(world.project_leader)
    header, *rows = read_csv(export(client, survey, "responses-wide.csv"))
    assert len({name.lower() for name in header}) == len(header)  # unique, as SPSS counts
    assert header[5:] == list(EXPECTED)
    codebook = read_csv(export(client, survey, "codebook.csv"))
    assert [row[0] for row in codebook[1:]] == header
    kinds = {row[0]: row[3] for row in codebook[1:]}
    assert set(kinds.values()) >= set(Kind.values)  # every question kind is in the file
    assert len(rows) == 6
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        assert {name: cells[name] for name in EXPECTED} == EXPECTED

    workbook = openpyxl.load_workbook(io.BytesIO(export(client, survey, "responses-wide.xlsx")))
    sheet = list(workbook["responses"].iter_rows(values_only=True))
    assert list(sheet[0]) == header
    assert [row[0] for row in list(workbook["codebook"].iter_rows(values_only=True))[1:]] == header
    for row in sheet[1:]:
        cells = dict(zip(header, row, strict=True))
        assert {name: str(cells[name]) for name in EXPECTED} == EXPECTED


def test_anonymous_responses_in_random_order_with_dates_only(client_for, world, survey):
    for number in range(30):
        add_responses(survey, count=1, library=world.library_b, values={"number": 100 + number})
    client = client_for(world.project_leader)
    orders = []
    for _export in range(2):
        header, *rows = read_csv(export(client, survey, "responses-wide.csv"))
        cells = [dict(zip(header, row, strict=True)) for row in rows]
        assert [c["response"] for c in cells] == [str(n) for n in range(1, 37)]
        assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", c["submitted"]) for c in cells)
        orders.append([int(c["number"]) for c in cells if int(c["number"]) >= 100])
    created = list(range(100, 130))
    assert sorted(orders[0]) == created
    assert orders[0] != created and orders[1] != created and orders[0] != orders[1]
    long_header, *long_rows = read_csv(export(client, survey, "responses-long.csv"))
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", row[4]) for row in long_rows)


def test_semicolon_csv_for_norwegian_excel(client_for, world, survey):
    client = client_for(world.project_leader)
    header = read_csv(export(client, survey, "responses-wide.csv", sep="semicolon"), ";")[0]
    assert header[:5] == ["response", "county", "library", "role", "submitted"]
    rows = read_csv(export(client, survey, "results.csv", sep="semicolon"), ";")
    area = next(row for row in rows if row[:2] == ["areas", "Samarbeid"])
    assert area[3:6] == ["5,0", "1,0", "4,0"]  # importance, competence, gap: decimal commas
    page = client.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert "responses-wide.csv?sep=semicolon" in page and "results.csv?sep=semicolon" in page


def test_a_county_surveys_coordinator_exports_its_raw_responses(client_for, world):
    survey = full_survey(programme=world.programme, areas=world.areas, county=world.county_a)
    add_responses(survey, count=5, library=world.library_a)
    coordinator = client_for(world.coordinator_a)
    page = coordinator.get(reverse("surveys:results", args=[survey.pk])).content.decode()
    assert "responses-wide.csv" in page
    header, *rows = read_csv(export(coordinator, survey, "responses-wide.csv"))
    assert len(rows) == 5 and "respondent" not in header
    other = client_for(world.coordinator_b)
    url = reverse("surveys:results_export", args=[survey.pk, "responses-wide.csv"])
    assert other.get(url).status_code == 404


def test_coordinator_sees_their_county_beside_the_programme(client_for, world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=6, library=world.library_a, values={"pair": (5, 2)})
    add_responses(survey, count=3, library=world.library_b, values={"pair": (5, 5)})
    client = client_for(world.coordinator_a)
    url = reverse("surveys:results", args=[survey.pk])
    page = client.get(url).content.decode()
    # The programme (shown to the project leader) minus Sør-Trøndelag would be Hedmark's three:
    # Sør-Trøndelag is hidden with its small neighbour, and the page says why.
    assert "Gap in the whole programme" not in page
    assert "hidden together with" in page
    add_responses(survey, count=2, library=world.library_b, values={"pair": (5, 5)})
    page = client.get(url).content.decode()
    row = page[page.index('<th scope="row">Samarbeid</th>') :].split("</tr>")[0]
    assert "3.00" in row and "1.64" in row  # (6 × 3 + 5 × 0) / 11
