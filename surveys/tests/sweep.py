"""The surveys' pages for the accessibility sweep (tests/sweep.py)."""

from surveys.builder.services import participation_token
from surveys.models import Participation, Survey
from tests.sweep import Page

from .factories import QuestionFactory

POST_ONLY = "a form's POST only"
NOT_PAGES = {
    "surveys:survey_delete": POST_ONLY,
    "surveys:survey_open": POST_ONLY,
    "surveys:survey_extend": POST_ONLY,
    "surveys:survey_close": POST_ONLY,
    "surveys:survey_reminders": POST_ONLY,
    "surveys:survey_archive": POST_ONLY,
    "surveys:survey_copy": POST_ONLY,
    "surveys:survey_invite": POST_ONLY,
    "surveys:page_delete": POST_ONLY,
    "surveys:page_move": POST_ONLY,
    "surveys:question_delete": POST_ONLY,
    "surveys:question_move": POST_ONLY,
    "surveys:export_structure": "a JSON file",
    "surveys:results_export": "a CSV or Excel file",
}


def pages(world) -> list[Page]:
    Status = Survey.Status
    manager, staff = world.project_leader, world.staff_a
    draft = Survey.objects.filter(county=world.county_a, status=Status.DRAFT).first()
    closed = Survey.objects.filter(county=world.county_a, status=Status.CLOSED).first()
    wide_open = Survey.objects.filter(
        county=None, status=Status.OPEN, audience=Survey.Audience.PROGRAMME
    ).first()
    wide_open.open_link_enabled, wide_open.open_link_token = True, "apen-lenke-for-sveipet"
    wide_open.save(update_fields=["open_link_enabled", "open_link_token"])
    token = participation_token(
        participation=Participation.objects.get(survey=wide_open, user=staff)
    )
    QuestionFactory(page__survey=draft)  # a second page: the preview shows them all
    page = draft.pages.first()
    question = page.questions.first()
    return [
        Page("surveys:survey_list", manager),
        Page("surveys:survey_create", manager),
        Page("surveys:survey_detail", manager, {"pk": draft.pk}),
        Page("surveys:survey_detail", manager, {"pk": wide_open.pk}),
        Page("surveys:survey_links", manager, {"pk": wide_open.pk}),
        Page("surveys:survey_update", manager, {"pk": draft.pk}),
        Page("surveys:survey_preview", manager, {"pk": draft.pk}),
        Page("surveys:page_create", manager, {"pk": draft.pk}),
        Page("surveys:page_update", manager, {"pk": draft.pk, "page_pk": page.pk}),
        Page("surveys:question_create", manager, {"pk": draft.pk, "page_pk": page.pk}),
        Page("surveys:question_update", manager, {"pk": draft.pk, "question_pk": question.pk}),
        Page("surveys:import", manager),
        Page("surveys:import_report", manager, {"pk": draft.pk}),
        Page("surveys:results_list", manager),
        Page("surveys:results", manager, {"pk": closed.pk}),
        Page(
            "surveys:results_question",
            manager,
            {"pk": closed.pk, "question_pk": QuestionFactory(page__survey=closed).pk},
        ),
        Page("surveys:my_answers", staff, {"pk": wide_open.pk}),
        Page("surveys:answer_mine", staff, {"pk": wide_open.pk}, phone=True),
        Page("surveys:answer_token", None, {"token": token}, phone=True),
        Page("surveys:answer_open", None, {"token": wide_open.open_link_token}, phone=True),
    ]
