"""Exports: raw responses (project leader only) in wide and long form with a codebook, XLSX,
aggregated tables for coordinators, and values that a spreadsheet would run are neutralised."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from portal.spreadsheets import neutralise
from surveys.models import Answer
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db

VALUES = {
    "likert": 4,
    "single": ("other", "=cmd|' /C calc'!A0"),
    "multi": ["x", "z"],
    "matrix": 3,
    "pair": {"p0": (5, 1), "p1": (4, 3), "p2": (3, 3)},
    "number": -12,
    "short": "@SUM(1+1)",
    "long": "+47 tekst",
}


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    add_responses(survey, count=5, library=world.library_a, values=VALUES)
    add_responses(
        survey, count=5, library=world.library_b, values={**VALUES, "likert": "dont_know"}
    )
    return survey


def export_url(survey, name, **query):
    from urllib.parse import urlencode

    path = reverse("surveys:results_export", args=[survey.pk, name])
    return path + ("?" + urlencode(query) if query else "")


def read_csv(response):
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+47", "'+47"),
        ("-x", "'-x"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Samarbeid", "Samarbeid"),
        (-12, -12),
        (None, None),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_wide_csv_one_row_per_response_with_neutralised_text(client_for, world, survey):
    response = client_for(world.project_leader).get(export_url(survey, "responses-wide.csv"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    header, *rows = read_csv(response)
    assert header[:5] == ["response", "county", "library", "role", "submitted"]
    assert "respondent" not in header
    expected_columns = [
        "likert",
        "single",
        "single_other_text",
        "multi_x",
        "multi_y",
        "multi_z",
        "matrix_m1",
        "matrix_m2",
        "pair_p0_importance",
        "pair_p0_competence",
        "pair_p1_importance",
        "pair_p1_competence",
        "pair_p2_importance",
        "pair_p2_competence",
        "number",
        "short",
        "long",
    ]
    assert header[5:] == expected_columns
    assert len(rows) == 10
    # Anonymous: rows in random order, so they are found by what they hold.
    by_library = [dict(zip(header, row, strict=True)) for row in rows]
    first = next(r for r in by_library if r["library"] == "Trondheim folkebibliotek")
    assert first["county"] == "Sør-Trøndelag"
    assert first["likert"] == "4"
    assert first["single"] == "other"
    assert first["single_other_text"] == "'=cmd|' /C calc'!A0"
    assert (first["multi_x"], first["multi_y"], first["multi_z"]) == ("1", "0", "1")
    assert (first["pair_p0_importance"], first["pair_p0_competence"]) == ("5", "1")
    assert first["number"] == "-12"  # numbers are numbers, not formulas
    assert first["short"] == "'@SUM(1+1)"
    assert first["long"] == "'+47 tekst"
    last = next(r for r in by_library if r["library"] == "Hamar folkebibliotek")
    assert last["likert"] == "DK" and last["county"] == "Hedmark"


def test_codebook_describes_every_column(client_for, world, survey):
    client = client_for(world.project_leader)
    header, *_rows = read_csv(client.get(export_url(survey, "responses-wide.csv")))
    codebook_header, *codebook = read_csv(client.get(export_url(survey, "codebook.csv")))
    assert codebook_header[0] == "column"
    assert [row[0] for row in codebook] == header
    likert = next(row for row in codebook if row[0] == "likert")
    assert "1=Svært lite" in likert[-1] and "DK=" in likert[-1]


def test_long_csv_one_row_per_answer(client_for, world, survey):
    response = client_for(world.project_leader).get(export_url(survey, "responses-long.csv"))
    header, *rows = read_csv(response)
    assert header == [
        "response",
        "county",
        "library",
        "role",
        "submitted",
        "question",
        "item",
        "dimension",
        "value",
        "dont_know",
        "text",
    ]
    assert len(rows) == Answer.objects.filter(response__survey=survey).count()
    pair = next(r for r in rows if r[5] == "pair" and r[6] == "p0" and r[7] == "competence")
    assert pair[8] == "1"
    other = next(r for r in rows if r[5] == "single")
    assert other[8] == "other" and other[10] == "'=cmd|' /C calc'!A0"


def test_xlsx_wide_has_codebook_sheet_and_neutralised_cells(client_for, world, survey):
    response = client_for(world.project_leader).get(export_url(survey, "responses-wide.xlsx"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["responses", "codebook"]
    rows = list(workbook["responses"].iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 11
    first = next(
        dict(zip(header, row, strict=True)) for row in rows[1:] if row[2].startswith("Trondheim")
    )
    assert first["short"] == "'@SUM(1+1)"
    assert first["number"] == -12
    assert first["likert"] == 4
    # No cell is a formula.
    for row in workbook["responses"].iter_rows():
        assert all(cell.data_type != "f" for cell in row)


def test_xlsx_long(client_for, world, survey):
    response = client_for(world.project_leader).get(export_url(survey, "responses-long.xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["answers"]
    assert workbook["answers"].max_row == 1 + Answer.objects.filter(response__survey=survey).count()


@pytest.mark.parametrize(
    "name", ["responses-wide.csv", "responses-long.csv", "responses-wide.xlsx", "codebook.csv"]
)
def test_coordinator_cannot_export_raw_responses(client_for, world, survey, name):
    assert client_for(world.coordinator_a).get(export_url(survey, name)).status_code == 403


def test_outsider_gets_404_and_unknown_export_404(client_for, world, survey):
    assert client_for(world.outsider).get(export_url(survey, "results.csv")).status_code == 404
    leader = client_for(world.project_leader)
    assert leader.get(export_url(survey, "passwords.csv")).status_code == 404


def test_coordinator_aggregates_cover_only_their_county(client_for, world, survey):
    response = client_for(world.coordinator_b).get(export_url(survey, "results.csv"))
    assert response.status_code == 200
    rows = read_csv(response)
    text = "\n".join(",".join(row) for row in rows)
    assert "Trondheim" not in text and "Sør-Trøndelag" not in text
    likert = [r for r in rows if r[:2] == ["questions", "likert"]]
    assert likert and all(r[4] == "5" for r in likert)  # n: Hedmark's five responses
    assert any(r[:1] == ["areas"] for r in rows)


def test_aggregate_export_respects_min_group_size(client_for, world, survey):
    client = client_for(world.coordinator_a)
    rows = read_csv(client.get(export_url(survey, "results.csv", role="library_leader")))
    assert ["questions", "", "", "", "too few answers", "", "", "", "", "", ""] in rows
    assert not any(r[:2] == ["questions", "likert"] for r in rows)


def test_aggregate_xlsx(client_for, world, survey):
    response = client_for(world.project_leader).get(export_url(survey, "results.xlsx"))
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["questions", "areas", "response_rate", "gap_heatmap"]
    areas = list(workbook["areas"].iter_rows(values_only=True))
    assert areas[1][0] == "Samarbeid" and areas[1][4] == 4.0


def test_raw_exports_stream_with_a_fixed_number_of_queries(client_for, world, survey):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from surveys.results import exports

    client = client_for(world.project_leader)
    counts = []
    for extra in (0, 50):
        add_responses(survey, count=extra, library=world.library_a, seed=extra)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(export_url(survey, "responses-wide.csv"))
            assert response.streaming  # rows are produced while the file is sent
            rows = sum(1 for _chunk in response.streaming_content)
        counts.append(len(queries))
        assert rows == 1 + 1 + 10 + extra  # byte-order mark, header, one line per response
    assert counts[0] == counts[1]
    assert exports.CHUNK_SIZE <= 5000  # answers are read from the cursor in chunks


def test_raw_rows_are_read_through_a_chunked_iterator(world, survey):
    from unittest import mock

    from django.db.models import QuerySet

    from surveys.results import exports

    original = QuerySet.iterator
    with mock.patch.object(QuerySet, "iterator", autospec=True, side_effect=original) as spy:
        assert len(list(exports.long_rows(survey))) == 1 + Answer.objects.count()
        assert len(list(exports.wide_rows(survey))) == 11
    assert spy.call_count == 2
    assert all(call.kwargs == {"chunk_size": exports.CHUNK_SIZE} for call in spy.call_args_list)
