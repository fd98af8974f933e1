"""The portal's own JSON structure format: export, import, round trip, refusals."""

import copy
import json
from pathlib import Path

import pytest
from django.utils import translation

from surveys.interchange import (
    FORMAT,
    StructureError,
    parse_portal_json,
    structure_from_dict,
    survey_export_structure,
    survey_import_file,
    survey_import_structure,
)
from surveys.models import Question, Statement, Survey

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def imported_survey(world):
    """A survey with every importable kind, conditions and competence areas."""
    survey = survey_import_file(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        filename="inline_many_types.lss",
        data=(FIXTURES / "inline_many_types.lss").read_bytes(),
    ).survey
    Question.objects.filter(survey=survey, code="Q6").update(competence_area=world.areas[0])
    Statement.objects.filter(question__survey=survey, code="S2").update(
        competence_area=world.areas[1]
    )
    Question.objects.filter(survey=survey, code="Q7").update(allow_dont_know=True)
    return survey


def reimport(world, data: dict, county=None) -> Survey:
    structure = structure_from_dict(json.loads(json.dumps(data)))
    return survey_import_structure(
        programme=world.programme,
        county=county,
        created_by=world.project_leader,
        structure=structure,
    ).survey


@pytest.mark.django_db
def test_export_format(world):
    data = survey_export_structure(imported_survey(world))
    assert data["format"] == FORMAT == "kompetanseportalen.survey"
    assert data["version"] == 1
    assert data["survey"]["title"] == {"nb": "Kompetansekartlegging", "en": "Competence mapping"}
    first = data["pages"][0]["questions"][0]
    assert first["code"] == "Q1" and first["kind"] == "single_choice"
    assert data["pages"][1]["condition"] == {"question": "Q1", "value": "A1"}
    matrix = next(q for q in data["pages"][1]["questions"] if q["code"] == "Q6")
    assert matrix["competence_area"] == "samarbeid"  # by code, not by id
    assert matrix["statements"][1]["competence_area"] == "partnerskap"
    assert not {"id", "pk"} & all_keys(data)  # no database ids


def all_keys(value) -> set:
    if isinstance(value, dict):
        return set(value).union(*(all_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(all_keys(v) for v in value))
    return set()


@pytest.mark.django_db
def test_round_trip_is_equal(world):
    original = imported_survey(world)
    exported = survey_export_structure(original)
    copy_ = reimport(world, exported, county=world.county_b)
    assert copy_.pk != original.pk and copy_.status == Survey.Status.DRAFT
    assert survey_export_structure(copy_) == exported
    q6 = Question.objects.get(survey=copy_, code="Q6")
    assert q6.competence_area == world.areas[0]


@pytest.mark.django_db
def test_round_trip_of_a_survey_built_in_the_portal(world):
    from surveys.tests.factories import build_survey

    survey = build_survey(world, county=world.county_a)
    exported = survey_export_structure(survey)
    assert survey_export_structure(reimport(world, exported)) == exported


@pytest.mark.django_db
def test_unknown_competence_area_is_reported_and_left_empty(world):
    data = survey_export_structure(imported_survey(world))
    data["pages"][1]["questions"][0]["competence_area"] = "no-such-area"
    result = survey_import_structure(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        structure=structure_from_dict(data),
    )
    assert Question.objects.get(survey=result.survey, code="Q6").competence_area is None
    reasons = {i.subject: i.reason for i in result.report.not_imported}
    assert "no-such-area" in reasons["Q6"]


@pytest.mark.django_db
def test_json_file_upload_path_and_script_cleaning(world):
    data = survey_export_structure(imported_survey(world))
    data["pages"][0]["questions"][0]["text"]["nb"] = "<script>alert(1)</script>Hei <b>du</b>"
    result = survey_import_file(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        filename="structure.json",
        data=json.dumps(data).encode(),
    )
    assert Question.objects.get(survey=result.survey, code="Q1").text["nb"] == "Hei du"
    assert result.structure.source == "json"


def broken(path_and_value):
    def apply(data):
        target = data
        *path, last = path_and_value[0]
        for key in path:
            target = target[key]
        if path_and_value[1] is KeyError:
            del target[last]
        else:
            target[last] = path_and_value[1]
        return data

    return apply


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (broken((["format"], "something.else")), "not a survey structure exported"),
        (broken((["version"], 99)), "format version 99"),
        (broken((["pages"], "x")), "pages: expected a list"),
        (broken((["pages", 0, "questions", 0, "kind"], "essay")), "unknown type essay"),
        (broken((["pages", 0, "questions", 0, "code"], "bad code!")), "not valid"),
        (broken((["pages", 0, "questions", 1, "code"], "Q1")), "used twice"),
        (broken((["pages", 0, "questions", 0, "text"], {"de": "Hallo"})), "unknown language de"),
        (broken((["pages", 0, "questions", 0, "required"], "yes")), "expected true or false"),
        (broken((["pages", 0, "questions", 0, "options"], [])), "has no options"),
        (
            broken((["pages", 0, "questions", 1, "condition"], {"question": "Q9", "value": "1"})),
            "not an earlier question",
        ),
        (broken((["pages", 1, "questions", 0, "scale"], {"min": 5, "max": 1})), "scale"),
        (
            broken((["pages", 0, "questions", 2, "number"], {"min": "abc"})),
            "pages[0].questions[2].number.min: expected a number",
        ),
        (broken((["survey", "anonymity"], "public")), "anonymous or confidential"),
        (broken((["pages"], [])), "no pages"),
    ],
)
@pytest.mark.django_db
def test_invalid_json_is_refused_with_a_clear_message(world, change, message):
    data = change(copy.deepcopy(survey_export_structure(imported_survey(world))))
    count = Survey.objects.count()
    with pytest.raises(StructureError, match=message.replace("[", r"\[").replace("]", r"\]")):
        survey_import_file(
            programme=world.programme,
            county=world.county_a,
            created_by=world.coordinator_a,
            filename="structure.json",
            data=json.dumps(data).encode(),
        )
    assert Survey.objects.count() == count


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b'{"format": "kompetanseportalen.survey", "version": 1, "pages": [', "not readable JSON"),
        (b"[1, 2, 3]", "not a survey structure"),
        (b"\xff\xfe\x00garbage", "not readable JSON"),
    ],
)
def test_unreadable_json_is_refused(data, message):
    with pytest.raises(StructureError, match=message):
        parse_portal_json(data)
