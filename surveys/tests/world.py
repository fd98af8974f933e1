"""The surveys of the shared test world: one of each kind of owner, audience and state in both
counties (used by the generic policy test and the crawl, see tests/world.py)."""

from portal.permissions import path_value
from surveys.builder.services import survey_invite_users
from surveys.models import Page, Question, Survey
from surveys.results.views import AGGREGATE_EXPORTS, RAW_EXPORTS
from tests.world import pages

from .factories import QuestionFactory, SurveyFactory


def populate(world) -> None:
    Audience, Status = Survey.Audience, Survey.Status
    wide_draft = SurveyFactory(programme=world.programme, county=None)
    wide_open = SurveyFactory(programme=world.programme, county=None, status=Status.OPEN)
    for county, library in ((world.county_a, world.library_a), (world.county_b, world.library_b)):
        SurveyFactory(programme=world.programme, county=county)  # draft
        SurveyFactory(programme=world.programme, county=county, status=Status.CLOSED)
        chosen = SurveyFactory(
            programme=world.programme,
            county=county,
            status=Status.OPEN,
            audience=Audience.LIBRARIES,
        )
        chosen.audience_libraries.set([library])
    to_b = SurveyFactory(
        programme=world.programme, county=None, status=Status.OPEN, audience=Audience.COUNTIES
    )
    to_b.audience_counties.set([world.county_b])
    for survey in Survey.objects.filter(programme=world.programme):
        QuestionFactory(page__survey=survey)
    survey_invite_users(survey=wide_open, users=[world.staff_a, world.library_leader_b])
    survey_invite_users(survey=wide_draft, users=[world.staff_b])


def _survey_pages(owner_field: str, id_name: str):
    return dict(
        kwargs=lambda obj: {"pk": path_value(obj, owner_field), id_name: obj.pk},
        owner=lambda obj: obj.survey if owner_field == "survey" else obj.page.survey,
    )


PAGES = [
    pages(
        Survey,
        "surveys:survey_detail",
        "surveys:survey_update",
        "surveys:survey_delete",
        "surveys:survey_preview",
        "surveys:survey_open",
        "surveys:survey_extend",
        "surveys:survey_close",
        "surveys:survey_reminders",
        "surveys:survey_archive",
        "surveys:survey_copy",
        "surveys:survey_invite",
        "surveys:survey_links",
        "surveys:page_create",
        "surveys:answer_mine",
        "surveys:import_report",
        "surveys:export_structure",
        "surveys:results",
        "surveys:my_answers",
    ),
    pages(
        Survey,
        "surveys:results_export",
        kwargs=lambda survey: [
            {"pk": survey.pk, "name": name} for name in (*AGGREGATE_EXPORTS, *RAW_EXPORTS)
        ],
    ),
    pages(
        Page,
        "surveys:page_update",
        "surveys:page_delete",
        "surveys:page_move",
        "surveys:question_create",
        **_survey_pages("survey", "page_pk"),
    ),
    pages(
        Question,
        "surveys:question_update",
        "surveys:question_delete",
        "surveys:question_move",
        "surveys:results_question",
        **_survey_pages("page__survey", "question_pk"),
    ),
]
TOKENS = ("surveys:answer_token", "surveys:answer_open")
