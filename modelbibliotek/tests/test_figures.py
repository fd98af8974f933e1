"""The portal's own figures beside an indicator: the share of the library's staff who attended a
gathering, answered a survey or completed the learning arena; the survey's share withheld below
the surveys' minimum group size."""

import pytest
from django.utils import timezone

from courses.models import Registration
from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from modelbibliotek.figures import portal_figures
from modelbibliotek.models import Indicator
from modelbibliotek.selectors import report_shown
from portal.models import RoleAssignment
from portal.tests.factories import UserFactory, grant
from surveys.models import Participation
from surveys.tests.factories import SurveyFactory

from .factories import model_library, periods, report_at

pytestmark = pytest.mark.django_db
Figure = Indicator.PortalFigure


def _staff(world, count):
    people = [world.library_leader_a, world.staff_a]
    for index in range(count - 2):
        person = UserFactory(email=f"kollega{index}@example.no")
        grant(person, RoleAssignment.Role.STAFF, library=world.library_a)
        people.append(person)
    return people


def _attended(world, people):
    gathering = GatheringFactory(course=CourseFactory(programme=world.programme))
    for person in people:
        RegistrationFactory(gathering=gathering, user=person, status=Registration.Status.ATTENDED)


def _answered(world, people):
    survey = SurveyFactory(programme=world.programme)
    for index, person in enumerate(people):
        Participation.objects.create(
            survey=survey, user=person, token_hash=f"t{index}", completed_at=timezone.now()
        )


def test_shares_of_the_librarys_staff(world):
    people = _staff(world, 5)
    _attended(world, people[:3])
    _answered(world, people[:4])
    figures = portal_figures(programme=world.programme, library_ids=[world.library_a.pk])
    library = figures[world.library_a.pk]
    assert (library[Figure.GATHERING].count, library[Figure.GATHERING].staff) == (3, 5)
    assert library[Figure.GATHERING].display() == "60 % (3 of 5 staff)"
    assert library[Figure.SURVEY].percent == 80
    assert library[Figure.LEARNING].percent == 0


def test_the_survey_share_of_a_small_library_is_withheld(world):
    people = _staff(world, 3)
    _answered(world, people[:1])
    figure = portal_figures(programme=world.programme, library_ids=[world.library_a.pk])[
        world.library_a.pk
    ][Figure.SURVEY]
    assert figure.withheld and figure.percent is None
    assert "fewer than 5 staff" in figure.display()


def test_the_figure_stands_beside_the_reported_value_and_is_frozen_at_approval(world, client_for):
    people = _staff(world, 4)
    _attended(world, people[:1])
    project = model_library(world)
    report = report_at(project, periods(world.programme, 1)[0], "approved")
    _attended(world, people[1:])  # later attendance does not change the approved report
    frozen = report_shown(report=report)["goals"][0]["indicators"][0]["portal"]
    assert frozen == {"count": 1, "staff": 4, "withheld": False}
    from django.urls import reverse

    html = (
        client_for(world.staff_a)
        .get(reverse("modelbibliotek:model_library_detail", args=[project.pk]))
        .content.decode()
    )
    assert "100 % (4 of 4 staff)" in html
    html = (
        client_for(world.staff_a)
        .get(reverse("modelbibliotek:report_detail", args=[report.pk]))
        .content.decode()
    )
    assert "25 % (1 of 4 staff)" in html


def test_a_withheld_figure_keeps_nothing_in_a_report(world):
    from modelbibliotek.figures import figure_for

    people = _staff(world, 3)
    _answered(world, people[:2])
    figures = portal_figures(programme=world.programme, library_ids=[world.library_a.pk])
    kept = figure_for(figures, world.library_a.pk, Figure.SURVEY)
    assert kept == {"count": 0, "staff": 0, "withheld": True, "threshold": 5}


def test_a_survey_with_a_larger_group_size_withholds_more(world):
    people = _staff(world, 6)
    SurveyFactory(programme=world.programme, min_group_size=8)
    _answered(world, people)
    figure = portal_figures(programme=world.programme, library_ids=[world.library_a.pk])[
        world.library_a.pk
    ][Figure.SURVEY]
    assert figure.withheld and "fewer than 8 staff" in figure.display()
