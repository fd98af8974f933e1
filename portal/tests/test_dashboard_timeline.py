"""The dashboard's timeline of the programme period: milestones, gatherings, survey windows,
report due dates and job-shadowing periods, in date order and grouped by month; a coordinator
sees their county's events and the programme-wide ones."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from courses.tests.factories import CourseFactory, GatheringFactory, oslo
from hospitering.tests.factories import OfferFactory
from modelbibliotek.models import Milestone, ReportPeriod
from modelbibliotek.tests.factories import model_library
from portal.dashboard import dashboard_overview, dashboard_table
from surveys.models import Survey
from surveys.synthetic import full_survey

pytestmark = pytest.mark.django_db
Status = Milestone.Status


def build_timeline(world) -> None:
    """Dated events of 2011 in both counties (see the expected order in the tests), a cancelled
    gathering, a cancelled milestone and a draft survey (none of them on the timeline), and a
    job-shadowing offer hosted in Hedmark (B) in the coming months."""
    programme = world.programme
    ReportPeriod.objects.create(
        programme=programme,
        title="Vår 2011",
        starts_on=date(2011, 1, 1),
        ends_on=date(2011, 6, 30),
        due_on=date(2011, 8, 1),
    )
    for library, milestones in (
        (
            world.library_a,
            [
                ("Plan vedtatt", date(2011, 3, 15), Status.DONE, date(2011, 3, 10)),
                ("Lesekampanje", date(2011, 4, 1), Status.DONE, date(2011, 4, 20)),
                ("Verksted", date(2011, 5, 1), Status.PLANNED, None),
                ("Avlyst", date(2011, 5, 2), Status.CANCELLED, None),
                ("Neste år", date(timezone.localdate().year + 1, 1, 10), Status.STARTED, None),
            ],
        ),
        (
            world.library_b,
            [("Partnerskap", date(2011, 6, 1), Status.STARTED, None)],
        ),
    ):
        project = model_library(world, library)
        project.milestones.all().delete()
        for title, due_on, status, done_on in milestones:
            Milestone.objects.create(
                model_library=project, title=title, due_on=due_on, status=status, done_on=done_on
            )
    course = CourseFactory(programme=programme, county=None, title="Samfunnsaktør")
    GatheringFactory(
        course=course,
        title="Samling Trondheim",
        county=world.county_a,
        starts_at=oslo(2011, 3, 20, 9, 0),
        ends_at=oslo(2011, 3, 21, 15, 0),
    )
    GatheringFactory(
        course=course,
        title="Samling Hamar",
        county=world.county_b,
        starts_at=oslo(2011, 3, 5, 9, 0),
        ends_at=oslo(2011, 3, 5, 15, 0),
    )
    cancelled = GatheringFactory(course=course, county=world.county_a, title="Avlyst samling")
    cancelled.cancelled_at = cancelled.starts_at
    cancelled.save()
    for title, county, opens, closes, status in (
        ("Kartlegging 2011", None, oslo(2011, 2, 1, 8, 0), oslo(2011, 2, 28, 23, 0), "closed"),
        ("Hedmark spør", world.county_b, oslo(2011, 4, 10, 8, 0), None, "closed"),
        ("Utkast", None, oslo(2011, 2, 2, 8, 0), None, "draft"),
    ):
        survey = full_survey(
            programme=programme, areas=world.areas, county=county, title=title, status=status
        )
        Survey.objects.filter(pk=survey.pk).update(opens_at=opens, closes_at=closes)
    OfferFactory(programme=programme, host_library=world.library_b, title="Hospitering på Hamar")


def _events(overview) -> list[tuple]:
    return [
        (row[0], row[2], row[3], row[4], row[5])
        for row in dashboard_table(overview, "timeline").rows
        if row[0].year == 2011
    ]


EVERY_EVENT_OF_2011 = [
    (date(2011, 2, 1), "Survey open", "Kartlegging 2011", "The whole programme", ""),
    (date(2011, 3, 5), "Gathering", "Samfunnsaktør: Samling Hamar", "Hedmark", ""),
    (date(2011, 3, 15), "Milestone", "{A}: Plan vedtatt", "Sør-Trøndelag", "Done"),
    (date(2011, 3, 20), "Gathering", "Samfunnsaktør: Samling Trondheim", "Sør-Trøndelag", ""),
    (date(2011, 4, 1), "Milestone", "{A}: Lesekampanje", "Sør-Trøndelag", "Done"),
    (date(2011, 4, 10), "Survey open", "Hedmark spør", "Hedmark", ""),
    (date(2011, 5, 1), "Milestone", "{A}: Verksted", "Sør-Trøndelag", "late"),
    (date(2011, 6, 1), "Milestone", "{B}: Partnerskap", "Hedmark", "late"),
    (date(2011, 8, 1), "Progress reports due", "Vår 2011", "The whole programme", ""),
]


def _named(events, world):
    """The events with the world's library names in the milestones' titles."""
    names = {"A": world.library_a.name, "B": world.library_b.name}
    return [(day, kind, title.format(**names), *rest) for day, kind, title, *rest in events]


def test_the_project_leader_sees_every_event_in_date_order(world):
    build_timeline(world)
    overview = dashboard_overview(programme=world.programme, user=world.project_leader)
    assert _events(overview) == _named(EVERY_EVENT_OF_2011, world)
    rows = dashboard_table(overview, "timeline").rows
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    # The gathering of two days, the survey's window and the job-shadowing period have an end.
    assert rows[0][1] == date(2011, 2, 28)
    assert any(r[2] == "Job-shadowing period" and r[4] == "Hedmark" and r[1] for r in rows)
    timeline = next(p for p in overview.panels if p.key == "timeline")
    months = [(m.month, len(m.events)) for m in timeline.context["months"] if m.month.year == 2011]
    assert months == [
        (date(2011, 2, 1), 1),
        (date(2011, 3, 1), 3),
        (date(2011, 4, 1), 2),
        (date(2011, 5, 1), 1),
        (date(2011, 6, 1), 1),
        (date(2011, 8, 1), 1),
    ]


def test_a_coordinator_sees_their_county_and_the_whole_programme(client_for, world):
    build_timeline(world)
    overview = dashboard_overview(programme=world.programme, user=world.coordinator_a)
    expected = [e for e in EVERY_EVENT_OF_2011 if e[3] != "Hedmark"]
    assert _events(overview) == _named(expected, world)
    rows = dashboard_table(overview, "timeline").rows
    assert not any(row[4] == "Hedmark" for row in rows)
    client = client_for(world.coordinator_a)
    export = reverse("dashboard_export", args=[world.programme.pk, "csv"]) + "?tabell=timeline"
    text = client.get(export).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Date", "Until", "What", "Title", "County", "Note"]
    assert rows[1][:2] == ["2011-02-01", "2011-02-28"]
    assert "Hedmark" not in text and world.library_b.name not in text


def test_the_page_lists_the_events_by_month_with_their_dates(client_for, world):
    build_timeline(world)
    page = client_for(world.project_leader).get(
        reverse("programme_dashboard", args=[world.programme.pk])
    )
    html = page.content.decode()
    section = html[html.index('id="panel-timeline"') :]
    assert "March 2011" in section
    assert '<time datetime="2011-03-20">' in section
    assert section.index("Samling Hamar") < section.index("Samling Trondheim")
    assert "Avlyst" not in section and "Utkast" not in section
