"""The answer pages read a survey's structure from the cache, exactly: after every change of it
(each builder service, an import, the admin) the next read is the structure as stored now, and a
reader racing a change never stores the old structure under the new state."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from surveys import admin as surveys_admin
from surveys.answering import selectors
from surveys.answering.forms import AnswerPageForm
from surveys.answering.selectors import answer_structure, answer_structure_state
from surveys.builder import services as builder
from surveys.interchange.services import survey_import_structure, survey_structure
from surveys.models import Question, Survey, SurveyStructureVersion
from surveys.synthetic import full_survey

pytestmark = pytest.mark.django_db


def stored(survey) -> list:
    """Every column of every page, question, option and statement, read anew."""
    return shape(selectors._answer_structure_read(survey))


def shape(pages) -> list:
    def columns(obj) -> dict:
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    return [
        (
            columns(page),
            [
                (
                    columns(question),
                    [columns(option) for option in question.options.all()],
                    [columns(statement) for statement in question.statements.all()],
                )
                for question in page.ordered_questions
            ],
        )
        for page in pages
    ]


def read(survey):
    """The structure from the cache, and how many queries it cost (1: a hit)."""
    with CaptureQueriesContext(connection) as queries:
        pages = answer_structure(survey)
    return shape(pages), len(queries)


@pytest.fixture
def survey(world):
    survey = full_survey(programme=world.programme, areas=world.areas, status=Survey.Status.DRAFT)
    builder.page_create(survey=survey, user=None, title="Side 2")
    return survey


def test_a_second_read_comes_from_the_cache_and_equals_the_stored_structure(survey):
    first, cold = read(survey)
    second, warm = read(survey)
    assert first == second == stored(survey)
    assert (cold, warm) == (6, 1)  # the token, four reads and the token again; then the token


def _question(survey, code) -> Question:
    return Question.objects.get(survey=survey, code=code)


def _reversed(queryset) -> list[int]:
    return list(reversed(queryset.order_by("position", "id").values_list("id", flat=True)))


CHANGES = {
    "page_create": lambda s: builder.page_create(survey=s, user=None, title="Ny side"),
    "page_update": lambda s: builder.page_update(
        page=s.pages.first(), user=None, title="Endret", intro="Ny innledning"
    ),
    "page_delete": lambda s: builder.page_delete(page=s.pages.last(), user=None),
    "pages_reorder": lambda s: builder.pages_reorder(
        survey=s, user=None, page_ids=_reversed(s.pages.all())
    ),
    "page_move": lambda s: builder.page_move(page=s.pages.last(), user=None, direction=-1),
    "question_create": lambda s: builder.question_create(
        page=s.pages.first(), user=None, kind="short_text", code="ny", text="Ny"
    ),
    "question_update": lambda s: builder.question_update(
        question=_question(s, "likert"), user=None, text="Endret", required=True
    ),
    "question_delete": lambda s: builder.question_delete(question=_question(s, "long"), user=None),
    "questions_reorder": lambda s: builder.questions_reorder(
        page=s.pages.first(), user=None, question_ids=_reversed(s.pages.first().questions)
    ),
    "question_move": lambda s: builder.question_move(
        question=_question(s, "single"), user=None, direction=1
    ),
    "option_create": lambda s: builder.option_create(
        question=_question(s, "single"), user=None, label="Ny"
    ),
    "option_update": lambda s: builder.option_update(
        option=_question(s, "single").options.first(), user=None, label="Endret", value="a"
    ),
    "option_delete": lambda s: builder.option_delete(
        option=_question(s, "single").options.first(), user=None
    ),
    "options_reorder": lambda s: builder.options_reorder(
        question=_question(s, "single"),
        user=None,
        option_ids=_reversed(_question(s, "single").options),
    ),
    "options_set": lambda s: builder.options_set(
        question=_question(s, "single"), user=None, labels=[{"nb": "x"}, {"nb": "y"}]
    ),
    "statement_create": lambda s: builder.statement_create(
        question=_question(s, "matrix"), user=None, text="Ny"
    ),
    "statement_update": lambda s: builder.statement_update(
        statement=_question(s, "matrix").statements.first(), user=None, text="Endret", code="m1"
    ),
    "statement_delete": lambda s: builder.statement_delete(
        statement=_question(s, "matrix").statements.first(), user=None
    ),
    "statements_reorder": lambda s: builder.statements_reorder(
        question=_question(s, "matrix"),
        user=None,
        statement_ids=_reversed(_question(s, "matrix").statements),
    ),
    "statements_set": lambda s: builder.statements_set(
        question=_question(s, "matrix"), user=None, texts=[{"nb": "a"}]
    ),
    "page_texts_correct": lambda s: builder.page_texts_correct(
        page=s.pages.first(), user=None, title={"nb": "Rettet"}, intro={}
    ),
    "question_texts_correct": lambda s: builder.question_texts_correct(
        question=_question(s, "likert"), user=None, text={"nb": "Rettet"}, help_text={}
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_the_read_after_a_builder_change_sees_it(survey, change):
    before, _queries = read(survey)
    read(survey)  # from the cache
    CHANGES[change](survey)
    after, _queries = read(survey)
    assert after == stored(survey)
    assert after != before


def test_an_imported_survey_is_cached_from_the_start(world, survey):
    imported = survey_import_structure(
        programme=world.programme,
        county=None,
        created_by=None,
        structure=survey_structure(survey),
        draft=True,
    ).survey
    first, _queries = read(imported)
    second, queries = read(imported)
    assert first == second == stored(imported) and queries == 1


def test_changes_through_the_admin_renew_the_token(world, survey):
    class SavedForm:
        def __init__(self, instance, initial):
            self.instance, self.initial = instance, initial

        def save_m2m(self):
            pass

    request = RequestFactory().post("/")
    request.user = world.site_admin
    token = SurveyStructureVersion.objects.get(survey=survey).token
    survey_admin = surveys_admin.SurveyAdmin(Survey, admin.site)
    survey_admin.save_related(request, SavedForm(survey, {}), [], change=True)
    renewed = SurveyStructureVersion.objects.get(survey=survey).token
    assert renewed != token
    question_admin = surveys_admin.QuestionAdmin(Question, admin.site)
    question = _question(survey, "likert")
    question_admin.save_related(request, SavedForm(question, {}), [], change=True)
    assert SurveyStructureVersion.objects.get(survey=survey).token != renewed
    read(survey)
    question_admin.delete_model(request, question)
    assert read(survey)[0] == stored(survey)


def test_a_structure_read_while_it_changes_is_not_cached(survey, monkeypatch):
    """A change commits between the reader's read of the structure and its storing: the old
    structure is not stored, so the next read sees the change."""
    structure_read = selectors._answer_structure_read

    def read_then_a_change(survey):
        pages = structure_read(survey)
        CHANGES["page_update"](survey)
        return pages

    monkeypatch.setattr(selectors, "_answer_structure_read", read_then_a_change)
    during, _queries = read(survey)
    monkeypatch.undo()
    after, queries = read(survey)
    assert during != after == stored(survey)
    assert queries == 6  # nothing was stored under the new token


def test_a_survey_without_a_token_is_read_every_time(survey):
    SurveyStructureVersion.objects.filter(survey=survey).delete()
    assert read(survey)[1] == 5 and read(survey)[1] == 5
    builder.survey_structure_changed(survey_id=survey.pk)
    assert read(survey)[1] == 6 and read(survey)[1] == 1


def page_fields(survey, *, page_language="nb", remembered=True) -> dict:
    """The answer form's fields of every page as its validation sees them: built once per state
    of the structure (`remembered`), or for this form alone."""
    state, pages = answer_structure_state(survey)
    fields = {}
    with translation.override(page_language):
        for page in pages:
            form = AnswerPageForm(
                questions=page.ordered_questions,
                language="nb",
                structure_key=state if remembered else None,
            )
            fields.update(form.fields)
    return fields


def field_shape(fields: dict) -> dict:
    return {
        name: (
            type(field),
            field.required,
            list(getattr(field, "choices", [])),
            getattr(field, "min_value", None),
            getattr(field, "max_value", None),
            getattr(field, "max_length", None),
            dict(field.error_messages),
        )
        for name, field in fields.items()
    }


@pytest.mark.parametrize("change", CHANGES)
def test_the_answer_form_after_a_builder_change_validates_the_change(survey, change):
    """The fields are built once per state of the structure: after a change, the next form's
    fields are those built anew."""
    page_fields(survey)
    CHANGES[change](survey)
    assert field_shape(page_fields(survey)) == field_shape(page_fields(survey, remembered=False))


def test_the_answer_form_shares_its_fields_within_a_state_and_page_language(survey):
    first = page_fields(survey)
    assert all(a is b for a, b in zip(first.values(), page_fields(survey).values(), strict=True))
    english = page_fields(survey, page_language="en")
    assert not any(a is b for a, b in zip(first.values(), english.values(), strict=True))
    messages = {field.error_messages["required"] for field in english.values()}
    assert "Please answer this question." in messages
    assert messages == {
        field.error_messages["required"]
        for field in page_fields(survey, page_language="en", remembered=False).values()
    }
