"""LimeSurvey import: every real export in the shared fixtures, and files that must be refused."""

import codecs
from pathlib import Path

import pytest
from django.utils import translation

from portal.models import AuditLogEntry
from surveys.interchange import (
    StructureError,
    clean_text,
    parse_limesurvey,
    survey_import_file,
    survey_import_structure,
)
from surveys.models import Option, Page, Question, Statement, Survey

from .shared_fixtures import SHARED_LSS

OWN = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def english():
    """The messages are asserted in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def read(name: str) -> bytes:
    path = OWN / name if (OWN / name).exists() else SHARED_LSS / name
    return path.read_bytes()


def import_file(world, name: str, county=None):
    return survey_import_file(
        programme=world.programme,
        county=county or world.county_a,
        created_by=world.coordinator_a,
        filename=name,
        data=read(name),
    )


def subjects(items):
    return [item.subject for item in items]


def test_every_shared_fixture_is_covered():
    names = sorted(p.name for p in SHARED_LSS.glob("*.lss"))
    assert names == [
        "LimeSurvey_limesurvey_survey_376789_quotas.lss",
        "LimeSurvey_limesurvey_survey_ArrayNumberCheckbox.lss",
        "LimeSurvey_survey-dual-scale-question-api-test.lss",
        "TonisOrmisson_survey-one-question-two-languages.lss",
    ], "a new fixture needs its own test below"


@pytest.mark.django_db
def test_quotas_file_l10ns_layout(world):
    result = import_file(world, "LimeSurvey_limesurvey_survey_376789_quotas.lss")
    survey = result.survey
    assert survey.status == Survey.Status.DRAFT
    assert survey.county == world.county_a and survey.programme == world.programme
    assert survey.title == {"en": "QuotasTestSurvey"}
    assert survey.languages == ["en"]
    pages = list(survey.pages.order_by("position"))
    assert [p.title["en"] for p in pages] == [
        "Group with Quota question",
        "Next Group",
        "Programming-languages",
    ]
    assert pages[0].intro["en"].startswith("You can only see the next question group")
    kinds = [
        (q.page.position, q.code, q.kind, q.required)
        for q in Question.objects.filter(survey=survey).select_related("page")
    ]
    assert kinds == [
        (1, "Q00", "long_text", False),
        (1, "G01Q02", "single_choice", True),
        (2, "G02Q03", "single_choice", True),
        (3, "G03Q04", "single_choice", True),
    ]
    world_question = Question.objects.get(survey=survey, code="G02Q03")
    assert [(o.value, o.label) for o in world_question.options.order_by("position")][:2] == [
        ("AO01", {"en": "Afrika"}),
        ("AO02", {"en": "North amerika"}),
    ]
    assert Question.objects.get(survey=survey, code="Q00").help_text == {
        "en": "This is a question help text."
    }
    quotas = [i for i in result.report.not_imported if i.subject == "Quotas"]
    assert len(quotas) == 1
    assert "Gender selection" in quotas[0].reason and "3" in quotas[0].reason
    entry = AuditLogEntry.objects.get(action="surveys.survey.imported")
    assert entry.object_id == str(survey.pk) and entry.county == world.county_a
    assert entry.data["source"] == "limesurvey" and entry.data["questions"] == 4


@pytest.mark.django_db
def test_dual_scale_becomes_competence_pair(world):
    result = import_file(world, "LimeSurvey_survey-dual-scale-question-api-test.lss")
    question = Question.objects.get(survey=result.survey)
    assert question.kind == Question.Kind.COMPETENCE_PAIR
    assert question.text == {"en": "A first example question. Please answer this question:"}
    assert (question.scale_min, question.scale_max) == (1, 2)
    # Scale 0 (importance) labels the shared scale; scale 1's labels are reported.
    assert question.scale_labels == {"en": ["Good", "Important"]}
    assert [(s.code, s.text) for s in question.statements.all()] == [
        ("SQ001", {"en": "Question one"})
    ]
    note = next(i for i in result.report.notes if i.subject == "Q00")
    assert "importance" in note.reason and "Bad, Not important" in note.reason
    assert result.report.not_imported == []


@pytest.mark.django_db
def test_array_numbers_file_inline_layout(world):
    result = import_file(world, "LimeSurvey_limesurvey_survey_ArrayNumberCheckbox.lss")
    survey = result.survey
    assert [p.title for p in survey.pages.order_by("position")] == [
        {"en": "G1"},
        {"en": "To move previous"},
    ]
    assert list(Question.objects.filter(survey=survey).values_list("code", "kind", "required")) == [
        ("QHiddenJS", "short_text", True),
        ("Prev", "long_text", False),
        ("QHiddenPHP", "short_text", True),
    ]
    # The markup (a <div> with an id) is gone; the LimeSurvey expression stays as text.
    prev = Question.objects.get(survey=survey, code="Prev")
    assert "<div" not in prev.text["en"] and prev.text["en"].startswith("Move previous")
    skipped = {i.subject: i.reason for i in result.report.not_imported}
    assert "check boxes" in skipped["question"]  # the ':' array with a checkbox layout
    assert skipped["QHiddenJS"].startswith("Condition not imported: !is_empty(")
    assert "QHiddenPHP" in skipped
    assert Question.objects.get(survey=survey, code="QHiddenJS").condition_question is None


@pytest.mark.django_db
def test_two_languages_keeps_english_and_reports_estonian(world):
    result = import_file(world, "TonisOrmisson_survey-one-question-two-languages.lss")
    survey = result.survey
    assert survey.title == {"en": "test-survey-1"}
    assert survey.languages == ["en"]
    question = Question.objects.get(survey=survey)
    assert question.kind == "long_text"
    assert question.text == {"en": "Q1"}  # no text in the file: the code stands in
    assert subjects(result.report.not_imported) == ["Language et"]
    assert "Q1" in subjects(result.report.notes)


@pytest.mark.django_db
def test_only_foreign_language_is_imported_as_bokmaal_and_reported(world):
    result = import_file(world, "estonian_only.lss")
    assert result.survey.title == {"nb": "Test"}
    assert result.survey.languages == ["nb"]
    assert Statement.objects.get(question__survey=result.survey).text == {"nb": "Question one"}
    assert "Language et" in subjects(result.report.notes)


@pytest.mark.django_db
def test_inline_layout_with_many_types_conditions_and_script(world):
    result = import_file(world, "inline_many_types.lss")
    survey = result.survey
    assert survey.title == {"nb": "Kompetansekartlegging", "en": "Competence mapping"}
    assert survey.languages == ["nb", "en"]
    questions = {q.code: q for q in Question.objects.filter(survey=survey)}
    assert {code: q.kind for code, q in questions.items()} == {
        "Q1": "single_choice",
        "Q2": "multiple_choice",
        "Q3": "number",
        "Q6": "matrix",
        "Q7": "likert",
        "Q8": "single_choice",
        "Q9_H1": "number",
        "Q9_H2": "number",
        "Q10": "short_text",
        "Q11": "matrix",
    }
    q1 = questions["Q1"]
    assert q1.required
    assert q1.text == {
        "nb": "Jobber du i folkebibliotek?\nSvar ærlig.",
        "en": "Do you work in a public library?",
    }
    assert q1.help_text == {"nb": "Hjelp"}  # <img onerror=...> gone
    assert questions["Q2"].allow_other
    assert [o.value for o in questions["Q2"].options.all()] == ["SQ1", "SQ2"]
    # Simple relevance → conditions, on questions and on the page.
    assert (questions["Q2"].condition_question, questions["Q2"].condition_value) == (q1, "A1")
    assert (questions["Q3"].condition_question, questions["Q3"].condition_value) == (q1, "A2")
    page2 = Page.objects.get(survey=survey, position=2)
    assert (page2.condition_question, page2.condition_value) == (q1, "A1")
    assert (questions["Q3"].number_min, questions["Q3"].number_max) == (0, 500)
    matrix = questions["Q6"]
    assert (matrix.scale_min, matrix.scale_max) == (1, 3)
    assert matrix.scale_labels == {
        "nb": ["Uenig", "Nøytral", "Enig"],
        "en": ["Disagree", "Neutral", "Agree"],
    }
    assert [s.text["nb"] for s in matrix.statements.all()] == [
        "Jeg samarbeider godt",
        "Jeg kjenner lovverket",
    ]
    assert (questions["Q7"].scale_min, questions["Q7"].scale_max) == (1, 5)
    assert [o.label["en"] for o in questions["Q8"].options.all()] == ["Yes", "No"]
    assert questions["Q9_H2"].text["nb"] == "Timer per uke – Formidling"
    assert (questions["Q11"].scale_min, questions["Q11"].scale_max) == (1, 5)
    assert [s.code for s in questions["Q11"].statements.all()] == ["R1", "R2"]
    skipped = {i.subject: i.reason for i in result.report.not_imported}
    assert "Ranking" in skipped["Q4"]
    assert "Text display" in skipped["Q5"]
    assert skipped["Q10"].startswith("Condition not imported: count(Q2) > 1")
    assert "Assessments" in skipped
    assert questions["Q10"].condition_question is None


def test_script_and_markup_are_removed_from_texts():
    structure = parse_limesurvey(read("inline_many_types.lss"))
    texts = []
    for question in structure.questions():
        texts += list(question.text.values()) + list(question.help_text.values())
        texts += [t for s in question.statements for t in s.text.values()]
    texts += list(structure.title.values())
    assert texts and not any(
        marker in text for text in texts for marker in ("<", "alert", "bad()", "x()")
    )
    assert clean_text('<p onclick="x()">A &amp; B</p><style>p{}</style>') == "A & B"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"   \n", "The file is empty."),
        (read("not_a_survey.lss"), "This is not a LimeSurvey survey export"),
        (read("truncated.lss"), "not readable XML"),
        (read("binary.lss"), "not a text file"),
        (read("billion_laughs.lss"), "refused for safety"),
        (b"Hello, this is plain text", "not readable XML"),
        (
            b"<document><LimeSurveyDocType>Group</LimeSurveyDocType><DBVersion>400</DBVersion>"
            b"</document>",
            "export of a Group",
        ),
        (b"<document><LimeSurveyDocType>Survey</LimeSurveyDocType></document>", "not a LimeSurvey"),
        (
            b"<document><LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>359</DBVersion>"
            b"</document>",
            "no pages",
        ),
    ],
)
@pytest.mark.django_db
def test_refused_files_create_nothing(world, data, message):
    with pytest.raises(StructureError, match=message):
        survey_import_file(
            programme=world.programme,
            county=world.county_a,
            created_by=world.coordinator_a,
            filename="upload.lss",
            data=data,
        )
    assert not Survey.objects.exists()
    assert not AuditLogEntry.objects.filter(action="surveys.survey.imported").exists()


def test_too_big_file_is_refused_before_parsing():
    with pytest.raises(StructureError, match="larger than 10 MB"):
        parse_limesurvey(b"<" + b"a" * (10 * 1024 * 1024))


@pytest.mark.django_db
def test_failure_midway_leaves_nothing(world, monkeypatch):
    structure = parse_limesurvey(read("inline_many_types.lss"))

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Statement.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        survey_import_structure(
            programme=world.programme,
            county=world.county_a,
            created_by=world.coordinator_a,
            structure=structure,
        )
    assert not Survey.objects.exists()
    assert not Page.objects.exists() and not Question.objects.exists()
    assert not Option.objects.exists()


# --- small files written here: what the report and the refusals say ---------------------------


def lss(*sections: bytes, languages=(b"nb",)) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<document>'
        b"<LimeSurveyDocType>Survey</LimeSurveyDocType><DBVersion>359</DBVersion><languages>"
        + b"".join(b"<language>%s</language>" % code for code in languages)
        + b"</languages>"
        + b"".join(sections)
        + b"</document>"
    )


def table(name: str, *rows: dict) -> bytes:
    cells = [
        "<row>" + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in row.items()) + "</row>"
        for row in rows
    ]
    return f"<{name}><rows>{''.join(cells)}</rows></{name}>".encode()


def group(gid, name="Side", description=""):
    return {"gid": gid, "group_name": name, "description": description, "language": "nb"}


def question(qid, gid, title, kind="L", text="Spørsmål", **extra):
    row = {"qid": qid, "parent_qid": 0, "gid": gid, "type": kind, "title": title}
    return {**row, "question": text, "language": "nb", "question_order": qid, **extra}


def answer(qid, code, text):
    return {"qid": qid, "code": code, "answer": text, "sortorder": 1, "language": "nb"}


CHOICE = table("answers", answer(1, "F", "Folkebibliotek"), answer(1, "K", "Fylkesbibliotek"))


def test_utf16_and_leading_whitespace_are_read():
    document = lss(table("groups", group(1)), table("questions", question(1, 1, "Q1")), CHOICE)
    for data in (
        b"\n\n   " + document,
        document.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"),
        document.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16-le"),
    ):
        structure = parse_limesurvey(data)
        assert [q.code for q in structure.questions()] == ["Q1"]
    with pytest.raises(StructureError, match="UTF-16"):
        parse_limesurvey(codecs.BOM_UTF16_LE + b"\x00\xd8<\x00")  # a lone surrogate


def test_nothing_importable_names_the_types():
    data = lss(
        table("groups", group(1)),
        table(
            "questions",
            question(1, 1, "R1", kind="R"),
            question(2, 1, "R2", kind="R"),
            question(3, 1, "U1", kind="|"),
        ),
    )
    with pytest.raises(StructureError) as refused:
        parse_limesurvey(data)
    assert "Ranking (R) ×2" in str(refused.value) and "File upload (|)" in str(refused.value)


def test_conditions_by_internal_id_and_from_the_conditions_table():
    data = lss(
        table("groups", group(1), group(2, "Andre")),
        table(
            "questions",
            question(481, 1, "Arbeidssted", question_order=1),
            question(2, 1, "Q2", kind="S", relevance='Q481.NAOK == "F"'),
            question(3, 2, "Q3", kind="S", relevance="1"),
            question(4, 2, "Q4", kind="S", relevance='(123456X1X481.NAOK == "K")'),
        ),
        table("answers", answer(481, "F", "Folkebibliotek"), answer(481, "K", "Fylkesbibliotek")),
        table("conditions", {"qid": 3, "cqid": 481, "method": "==", "value": "K"}),
    )
    structure = parse_limesurvey(data)
    conditions = {q.code: (q.condition_question, q.condition_value) for q in structure.questions()}
    assert conditions == {
        "Arbeidssted": ("", ""),
        "Q2": ("Arbeidssted", "F"),
        "Q3": ("Arbeidssted", "K"),
        "Q4": ("Arbeidssted", "K"),
    }
    assert structure.report.not_imported == [] and structure.report.notes == []


def test_the_report_lists_everything_that_changed_and_each_condition_once():
    data = lss(
        table(
            "groups",
            {**group(1, "Side {TOKEN:FIRSTNAME}", "<b>Velkommen</b>"), "randomization_group": "g"},
        ),
        table(
            "questions",
            question(1, 1, "Q 1", text="<p>Hvor jobber du?</p><script>bad()</script>"),
            question(2, 1, "Q2", kind="S", relevance="count(Q1) > 1"),
            question(3, 1, "Q3", kind="S", text="Hei {Q1.shown}"),
        ),
        table("answers", answer(1, "F", "Folk"), answer(1, "F", "Igjen")),
        table(
            "question_attributes",
            {"qid": 1, "attribute": "random_order", "value": "1"},
            {"qid": 1, "attribute": "em_validation_q_tip", "value": "Velg ett"},
            {"qid": 1, "attribute": "cssclass", "value": "stor"},
            {"qid": 1, "attribute": "question_template", "value": "bootstrap_buttons"},
            {"qid": 1, "attribute": "hide_tip", "value": "0"},
        ),
        table("conditions", {"qid": 2, "cqid": 1, "method": ">", "value": "1"}),
    )
    report = parse_limesurvey(data).report
    notes = [(item.subject, item.reason) for item in report.notes]
    reasons = " | ".join(reason for _subject, reason in notes)
    assert (
        "Page Side {TOKEN:FIRSTNAME}",
        "The random order of the pages was dropped: pages keep the file's order.",
    ) in notes
    page_notes = [reason for subject, reason in notes if subject.startswith("Page")]
    assert any("expressions" in reason for reason in page_notes)
    assert any("markup or script was removed" in reason for reason in page_notes)
    q1 = [reason for subject, reason in notes if subject == "Q 1"]
    assert any("The code Q 1 became Q1" in reason for reason in q1)
    assert any("markup or script was removed" in reason for reason in q1)
    assert any("Random order was dropped" in reason for reason in q1)
    assert any("The option F is in the file twice" in reason for reason in q1)
    settings = next(reason for reason in q1 if reason.startswith("Settings not imported"))
    assert "validation tip" in settings and "CSS class" in settings
    assert "question template" in settings and "hidden tip" not in settings
    assert any("expressions" in reason for subject, reason in notes if subject == "Q3")
    # The condition of Q2 is in the file twice (equation and conditions table): reported once.
    assert [item.subject for item in report.not_imported].count("Q2") == 1
    assert "Conditions" not in reasons


@pytest.mark.django_db
def test_entity_encoded_markup_is_plain_text_and_never_html(world, client_for):
    data = lss(
        table("groups", group(1)),
        table(
            "questions",
            question(
                1,
                1,
                "Q1",
                kind="S",
                text="Skriv &lt;script&gt;alert(1)&lt;/script&gt; og &lt;b&gt;fet&lt;/b&gt;",
            ),
        ),
    )
    result = survey_import_structure(
        programme=world.programme,
        county=world.county_a,
        created_by=world.coordinator_a,
        structure=parse_limesurvey(data),
    )
    stored = Question.objects.get(survey=result.survey).text["nb"]
    assert stored == "Skriv <script>alert(1)</script> og <b>fet</b>"
    client = client_for(world.coordinator_a)
    from django.urls import reverse

    for url in (
        reverse("surveys:survey_detail", args=[result.survey.pk]),
        reverse("surveys:survey_preview", args=[result.survey.pk]),
        reverse("surveys:import_report", args=[result.survey.pk]),
    ):
        page = client.get(url).content.decode()
        assert "<script>alert(1)" not in page and "<b>fet" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
