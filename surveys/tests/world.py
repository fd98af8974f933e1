"""The surveys of the shared test world: one of each kind of owner, audience and state in both
counties (used by the generic policy test and the crawl, see tests/world.py)."""

from surveys.builder.services import survey_invite_users
from surveys.models import Survey

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
    for survey in Survey.objects.all():
        QuestionFactory(page__survey=survey)
    survey_invite_users(survey=wide_open, users=[world.staff_a, world.library_leader_b])
    survey_invite_users(survey=wide_draft, users=[world.staff_b])
