"""One validator of a survey's structure: the builder, the imports and the copy keep the same rules
(scale size, where a condition may point, what a condition on a choice or scale may hold)."""

import copy
import json

import pytest
from django.core.exceptions import ValidationError

from surveys.builder import services
from surveys.interchange import (
    StructureError,
    survey_export_structure,
    survey_import_file,
    survey_structure,
)
from surveys.structure import validate_structure
from surveys.tests.factories import build_survey

pytestmark = pytest.mark.django_db


def import_json(world, document):
    return survey_import_file(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        filename="structure.json",
        data=json.dumps(document).encode(),
    )


def question(document, code):
    return next(q for p in document["pages"] for q in p["questions"] if q["code"] == code)


@pytest.mark.parametrize(
    ("change", "builder_field", "import_message"),
    [
        # A scale of twelve points.
        (
            lambda q, doc: q.update(scale={"min": 1, "max": 12, "labels": {}}),
            "scale_max",
            "at most 11 points",
        ),
        # A condition on a matrix question.
        (
            lambda q, doc: q.update(condition={"question": "m1", "value": "1"}),
            "condition_question",
            "cannot refer to a matrix",
        ),
        # A condition on a choice with a value it does not have.
        (
            lambda q, doc: q.update(condition={"question": "role1", "value": "9"}),
            "condition_value",
            "Use one of the stored values",
        ),
    ],
)
def test_the_builder_and_the_import_refuse_the_same(world, change, builder_field, import_message):
    survey = build_survey(world, county=world.county_a)
    document = copy.deepcopy(survey_export_structure(survey))
    change(question(document, "t1" if builder_field != "scale_max" else "l1"), document)
    with pytest.raises(StructureError, match=import_message):
        import_json(world, document)

    target = survey.questions.get(code="t1" if builder_field != "scale_max" else "l1")
    changed = question(document, target.code)
    fields = {}
    if builder_field == "scale_max":
        fields = {"scale_min": 1, "scale_max": 12}
    else:
        code = changed["condition"]["question"]
        fields = {
            "condition_question": survey.questions.get(code=code),
            "condition_value": changed["condition"]["value"],
        }
    with pytest.raises(ValidationError) as refused:
        services.question_update(question=target, user=None, **fields)
    assert builder_field in refused.value.message_dict


def test_a_copy_is_an_import_of_the_export(world):
    survey = build_survey(world, county=world.county_a, anonymity="confidential")
    copied = services.survey_copy(survey=survey, user=world.coordinator_a)
    before, after = survey_export_structure(survey), survey_export_structure(copied)
    assert after["pages"] == before["pages"]
    assert {k: v for k, v in after["survey"].items() if k != "title"} == {
        k: v for k, v in before["survey"].items() if k != "title"
    }
    validate_structure(survey_structure(copied))
    assert copied.county == survey.county and copied.anonymity == "confidential"


def test_a_page_move_that_breaks_a_condition_is_refused(world):
    survey = build_survey(world)
    conditional = survey.pages.get(condition_question__isnull=False)  # page 3, on role1 (page 1)
    first = survey.pages.order_by("position").first()
    services.page_move(page=conditional, user=None, direction=-1)  # to page 2: still after 1
    with pytest.raises(ValidationError):
        services.page_move(page=conditional, user=None, direction=-1)  # before role1's page
    first.refresh_from_db()
    assert first.position == 1
