"""Random and hostile input for the importers and the builder's forms (hypothesis).

Whatever comes in, the answer is a refusal with a reason or a draft that satisfies the structure's
rules: never a server error, and nothing stored from a refused file or form.
"""

import json

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.models import AuditLogEntry
from surveys.interchange import (
    StructureError,
    parse_limesurvey,
    parse_portal_json,
    structure_from_dict,
    survey_import_structure,
)
from surveys.models import Option, Page, Question, Statement, Survey
from surveys.structure import validate_structure
from surveys.tests.factories import build_survey

pytestmark = pytest.mark.django_db
FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a hostile file or form would hold: markup, script, entities, expressions, control
# characters, right-to-left marks, very long runs.
HOSTILE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "&lt;img src=x onerror=alert(1)&gt;",
            "{TOKEN:EMAIL}",
            "=cmd|' /C calc'!A0",
            "\x00\x01\x1f",
            "\u202eevil",
            'Q1.NAOK == "A1"',
            "",
            " ",
            "x" * 5000,
        ]
    ),
)
CELLS = st.sampled_from(
    [
        "gid",
        "qid",
        "parent_qid",
        "type",
        "title",
        "question",
        "help",
        "group_name",
        "description",
        "language",
        "code",
        "answer",
        "scale_id",
        "sortorder",
        "question_order",
        "group_order",
        "mandatory",
        "relevance",
        "grelevance",
        "other",
        "attribute",
        "value",
        "cqid",
        "method",
    ]
)
CELL_VALUES = st.one_of(
    HOSTILE,
    st.integers(-5, 30).map(str),
    st.sampled_from(["L", "M", "F", "1", "5", "S", "T", "N", "K", ":", "R", "X", "Y", "nb", "en"]),
)
SECTIONS = st.sampled_from(
    [
        "groups",
        "questions",
        "subquestions",
        "answers",
        "question_attributes",
        "conditions",
        "surveys",
        "surveys_languagesettings",
        "quota",
    ]
)


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@st.composite
def lss_documents(draw) -> bytes:
    sections = []
    for section in draw(st.lists(SECTIONS, max_size=6)):
        rows = draw(
            st.lists(st.dictionaries(CELLS, CELL_VALUES, max_size=8), min_size=1, max_size=6)
        )
        body = "".join(
            "<row>" + "".join(f"<{k}>{_cdata(v)}</{k}>" for k, v in row.items()) + "</row>"
            for row in rows
        )
        sections.append(f"<{section}><rows>{body}</rows></{section}>")
    languages = "".join(
        f"<language>{code}</language>"
        for code in draw(st.lists(st.sampled_from(["nb", "nn", "en", "et", "no"]), max_size=3))
    )
    head = draw(st.sampled_from(["", '<?xml version="1.0" encoding="UTF-8"?>', "\n  "]))
    text = (
        f"{head}<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>359</DBVersion>"
        f"<languages>{languages}</languages>{''.join(sections)}</document>"
    )
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-16"]))
    return text.encode(encoding, errors="replace")


@st.composite
def hostile_surveys(draw) -> bytes:
    """A file shaped like a survey (a group, questions, answers, subquestions) full of hostile
    values, so that the import itself, not only the parser, meets them."""
    kinds = st.sampled_from(["L", "M", "F", "1", "5", "S", "T", "N", "K", ":", "Y", "G", "R"])

    def rows(name, fields):
        body = "".join(
            "<row>" + "".join(f"<{k}>{_cdata(str(v))}</{k}>" for k, v in row.items()) + "</row>"
            for row in fields
        )
        return f"<{name}><rows>{body}</rows></{name}>"

    questions = [
        {
            "qid": qid,
            "parent_qid": 0,
            "gid": 1,
            "type": draw(kinds),
            "title": draw(HOSTILE),
            "question": draw(HOSTILE),
            "relevance": draw(st.sampled_from(["1", f'Q{qid - 1}.NAOK == "A1"', "", "x =="])),
            "question_order": qid,
            "language": "nb",
        }
        for qid in range(1, draw(st.integers(1, 4)) + 1)
    ]
    subquestions = [
        {
            "qid": 100 + i,
            "parent_qid": q["qid"],
            "gid": 1,
            "title": draw(HOSTILE),
            "language": "nb",
            "question": draw(HOSTILE),
            "scale_id": draw(st.sampled_from([0, 1])),
        }
        for i, q in enumerate(questions)
    ]
    answers = [
        {
            "qid": q["qid"],
            "code": draw(HOSTILE),
            "answer": draw(HOSTILE),
            "language": "nb",
            "scale_id": draw(st.sampled_from([0, 1])),
            "sortorder": n,
        }
        for q in questions
        for n in range(draw(st.integers(0, 3)))
    ]
    group = [
        {"gid": 1, "group_name": draw(HOSTILE), "description": draw(HOSTILE), "language": "nb"}
    ]
    return (
        "<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>359</DBVersion>"
        "<languages><language>nb</language></languages>"
        + rows("groups", group)
        + rows("questions", questions)
        + rows("subquestions", subquestions)
        + rows("answers", answers)
        + "</document>"
    ).encode()


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), HOSTILE),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "format",
                    "version",
                    "survey",
                    "pages",
                    "questions",
                    "code",
                    "kind",
                    "text",
                    "nb",
                    "en",
                    "scale",
                    "min",
                    "max",
                    "labels",
                    "options",
                    "statements",
                    "value",
                    "label",
                    "condition",
                    "question",
                    "languages",
                ]
            ),
            children,
            max_size=6,
        )
    ),
    max_leaves=30,
)


def _stored() -> tuple[int, ...]:
    return (
        Survey.objects.count(),
        Page.objects.count(),
        Question.objects.count(),
        Option.objects.count(),
        Statement.objects.count(),
        AuditLogEntry.objects.count(),
    )


def _import(world, structure):
    return survey_import_structure(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        structure=structure,
    )


def _refused_or_valid(world, parse) -> None:
    """Parse and import; a refusal stores nothing, an import is a draft that passes the rules."""
    before = _stored()
    try:
        result = _import(world, parse())
    except StructureError as refusal:
        assert str(refusal)
        assert _stored() == before
        return
    assert result.survey.status == Survey.Status.DRAFT
    from surveys.interchange import survey_structure

    validate_structure(survey_structure(result.survey))  # what was stored keeps the rules


@FAST
@given(data=st.binary(max_size=300))
def test_random_bytes_are_refused_with_a_reason(world, data):
    _refused_or_valid(world, lambda: parse_limesurvey(data))


@FAST
@given(document=lss_documents())
def test_random_limesurvey_documents(world, document):
    _refused_or_valid(world, lambda: parse_limesurvey(document))


@FAST
@given(document=hostile_surveys())
def test_survey_shaped_files_with_hostile_values(world, document):
    _refused_or_valid(world, lambda: parse_limesurvey(document))


@FAST
@given(document=JSON_VALUES)
def test_random_json_documents(world, document):
    data = json.dumps(document, allow_nan=True).encode()
    _refused_or_valid(world, lambda: parse_portal_json(data))


@FAST
@given(
    pages=st.lists(
        st.fixed_dictionaries(
            {
                "title": st.fixed_dictionaries({"nb": HOSTILE}),
                "questions": st.lists(
                    st.fixed_dictionaries(
                        {
                            "code": HOSTILE,
                            "kind": st.sampled_from([*Question.Kind.values, "ranking"]),
                            "text": st.fixed_dictionaries({"nb": HOSTILE}),
                            "scale": st.fixed_dictionaries(
                                {"min": st.integers(-200, 200), "max": st.integers(-200, 200)}
                            ),
                            "options": st.lists(
                                st.fixed_dictionaries({"value": HOSTILE}), max_size=3
                            ),
                            "statements": st.lists(
                                st.fixed_dictionaries({"code": HOSTILE}), max_size=3
                            ),
                            "condition": st.none()
                            | st.fixed_dictionaries({"question": HOSTILE, "value": HOSTILE}),
                        }
                    ),
                    max_size=4,
                ),
            }
        ),
        max_size=3,
    )
)
def test_well_formed_but_hostile_structures(world, pages):
    document = {"format": "kompetanseportalen.survey", "version": 1, "pages": pages}
    _refused_or_valid(world, lambda: structure_from_dict(document))


# --- the builder's forms ----------------------------------------------------------------------

FORM_VALUES = st.one_of(HOSTILE, st.integers(-(10**12), 10**12).map(str), st.just("on"))
QUESTION_FIELDS = st.sampled_from(
    [
        "kind",
        "code",
        "text_nb",
        "text_nn",
        "help_text_nb",
        "required",
        "competence_area",
        "scale_min",
        "scale_max",
        "scale_labels_nb",
        "scale_labels_en",
        "options_nb",
        "options_nn",
        "statements_nb",
        "allow_other",
        "allow_dont_know",
        "number_min",
        "number_max",
        "condition_question",
        "condition_value",
    ]
)


@pytest.fixture
def builder(world, client_for):
    survey = build_survey(world, county=world.county_a)
    return survey, client_for(world.coordinator_a)


def _post_refused_or_stored(client, url, data) -> None:
    before = _stored()
    response = client.post(url, data)
    assert response.status_code in (200, 302, 400), response.status_code
    if response.status_code != 302:
        assert _stored() == before  # a refused form stores nothing


@FAST
@given(data=st.dictionaries(QUESTION_FIELDS, FORM_VALUES, max_size=12))
def test_question_form_with_hostile_input(builder, data):
    survey, client = builder
    page = survey.pages.first()
    data.setdefault("kind", "likert")
    _post_refused_or_stored(
        client, reverse("surveys:question_create", args=[survey.pk, page.pk]), data
    )
    question = survey.questions.get(code="cp1")
    _post_refused_or_stored(
        client, reverse("surveys:question_update", args=[survey.pk, question.pk]), data
    )


@FAST
@given(
    data=st.dictionaries(
        st.sampled_from(
            ["title_nb", "title_en", "intro_nb", "condition_question", "condition_value"]
        ),
        FORM_VALUES,
        max_size=5,
    )
)
def test_page_form_with_hostile_input(builder, data):
    survey, client = builder
    _post_refused_or_stored(client, reverse("surveys:page_create", args=[survey.pk]), data)


@FAST
@given(
    data=st.dictionaries(
        st.sampled_from(
            [
                "title_nb",
                "intro_nb",
                "programme",
                "county",
                "anonymity",
                "min_group_size",
                "retention_days",
                "audience",
                "audience_counties",
                "opens_at",
                "closes_at",
                "reminder_interval_days",
                "max_reminders",
                "languages",
            ]
        ),
        FORM_VALUES,
        max_size=10,
    )
)
def test_survey_form_with_hostile_input(world, client_for, data):
    _post_refused_or_stored(client_for(world.coordinator_a), reverse("surveys:survey_create"), data)
