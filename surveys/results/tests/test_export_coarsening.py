"""Quasi-identifiers in the raw export of an anonymous survey: every combination of county,
library and role in the file is shared by at least the minimum group size of rows, so a library's
only leader cannot be picked out by their row; the codebook says so."""

import csv
import io
from collections import Counter

import openpyxl
import pytest
from django.urls import reverse

from portal.tests.factories import LibraryFactory
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db


def export(client, survey, name):
    response = client.get(reverse("surveys:results_export", args=[survey.pk, name]))
    assert response.status_code == 200
    if name.endswith(".xlsx"):
        return b"".join(response.streaming_content)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas)
    tiny = LibraryFactory(name="Bitte lite bibliotek", county=world.county_b)
    for library, count, role in [
        (world.library_a, 8, "staff"),
        (world.library_a, 1, "library_leader"),  # the library's only leader
        (world.library_b, 6, "staff"),
        (world.library_b, 5, "library_leader"),
        (tiny, 2, "staff"),
    ]:
        add_responses(survey, count=count, library=library, role=role)
    return survey


def combinations(rows):
    header, *body = rows
    return Counter(tuple(row[1:4]) for row in body), header


@pytest.mark.parametrize("name", ["responses-wide.csv", "responses-long.csv"])
def test_every_combination_in_the_file_is_shared_by_enough_rows(client_for, world, survey, name):
    rows = export(client_for(world.project_leader), survey, name)
    if name == "responses-long.csv":  # one row per answer: count responses, not answers
        header, *body = rows
        rows = [header, *{row[0]: row for row in body}.values()]
    counts, header = combinations(rows)
    assert header[1:4] == ["county", "library", "role"]
    assert all(count >= 5 for count in counts.values()), counts
    # The lone leader's row shows their library without the role, like their colleagues' rows.
    assert counts[("Sør-Trøndelag", "Trondheim folkebibliotek", "")] == 9
    assert ("Sør-Trøndelag", "Trondheim folkebibliotek", "library_leader") not in counts
    # Where cells are large enough nothing is coarsened.
    assert counts[("Hedmark", "Hamar folkebibliotek", "staff")] == 6
    # The two of the tiny library: only their county, together with the county's smallest
    # group (Hamar's five leaders).
    assert not any(key[1] == "Bitte lite bibliotek" for key in counts)
    assert counts[("Hedmark", "", "")] == 7
    assert sum(counts.values()) == 22


def test_the_xlsx_is_coarsened_too_and_its_codebook_says_so(client_for, world, survey):
    workbook = openpyxl.load_workbook(
        io.BytesIO(export(client_for(world.project_leader), survey, "responses-wide.xlsx"))
    )
    rows = [
        ["" if value is None else str(value) for value in row]
        for row in workbook["responses"].iter_rows(values_only=True)
    ]
    counts, _header = combinations(rows)
    assert all(count >= 5 for count in counts.values()), counts
    codebook = {row[0]: row[2] for row in workbook["codebook"].iter_rows(values_only=True)}
    for column in ("county", "library", "role"):
        assert "fewer than 5 respondents" in codebook[column] or "færre enn 5" in codebook[column]


def test_a_confidential_survey_keeps_them(client_for, world):
    survey = full_survey(programme=world.programme, areas=world.areas, anonymity="confidential")
    add_responses(survey, count=1, library=world.library_a, role="library_leader")
    add_responses(survey, count=6, library=world.library_a, role="staff")
    rows = export(client_for(world.project_leader), survey, "responses-wide.csv")
    counts, _header = combinations(rows)
    assert counts[("Sør-Trøndelag", "Trondheim folkebibliotek", "library_leader")] == 1
