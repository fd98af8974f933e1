"""The programme dashboard: the loop (gaps → courses → attendance → change) per county, for the
project leader (every county) and a coordinator (their county only), in a fixed number of
queries."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.models import Course, Registration
from courses.tests.factories import CourseFactory, GatheringFactory, RegistrationFactory
from portal import dashboard
from portal.dashboard import DashboardPanel
from portal.tests.factories import UserFactory
from surveys.models import ResultTallyVersion, Survey
from surveys.synthetic import add_responses, full_survey

pytestmark = pytest.mark.django_db
Status = Registration.Status


@dataclass
class Loop:
    baseline: Survey
    follow_up: Survey
    course_a: Course
    course_b: Course
    course_wide: Course


def _pairs(p0, p1=(3, 3), p2=(3, 3)):
    """Competence-pair answers: (importance, competence) for the three areas of `world`."""
    return {"pair": {"p0": p0, "p1": p1, "p2": p2}}


def _register(gathering, library, status, count):
    for _ in range(count):
        RegistrationFactory(gathering=gathering, user=UserFactory(), library=library, status=status)


def build_loop(world) -> Loop:
    """A baseline and a follow-up survey with answers from both counties, and courses.

    Gaps in area 0 (Samarbeid): county A 4 at baseline and 2 at follow-up; county B 3 at
    baseline and, at follow-up, only three answers (fewer than the minimum group size of 5).
    Courses: county A's on area 0 (3 attended, 1 confirmed), county B's on area 1 (2 attended),
    a programme-wide one on area 2 (1 attended, from county B).
    """
    baseline = full_survey(
        programme=world.programme,
        areas=world.areas,
        title="Baseline 2011",
        status=Survey.Status.CLOSED,
    )
    add_responses(baseline, count=6, library=world.library_a, values=_pairs((5, 1), (4, 3)))
    add_responses(baseline, count=5, library=world.library_b, values=_pairs((5, 2), (4, 4)))
    follow_up = full_survey(
        programme=world.programme, areas=world.areas, title="Follow-up 2012", baseline=baseline
    )
    add_responses(follow_up, count=5, library=world.library_a, values=_pairs((5, 3), (4, 4)))
    add_responses(follow_up, count=3, library=world.library_b, values=_pairs((5, 5)))

    course_a = CourseFactory(
        programme=world.programme,
        county=world.county_a,
        title="Samarbeid i Trøndelag",
        competence_areas=[world.areas[0]],
    )
    gathering_a = GatheringFactory(course=course_a)
    _register(gathering_a, world.library_a, Status.ATTENDED, 3)
    _register(gathering_a, world.library_a, Status.CONFIRMED, 1)
    course_b = CourseFactory(
        programme=world.programme,
        county=world.county_b,
        title="Partnerskap i Hedmark",
        competence_areas=[world.areas[1]],
    )
    _register(GatheringFactory(course=course_b), world.library_b, Status.ATTENDED, 2)
    course_wide = CourseFactory(
        programme=world.programme,
        county=None,
        title="Politikk for alle",
        competence_areas=[world.areas[2]],
    )
    _register(GatheringFactory(course=course_wide), world.library_b, Status.ATTENDED, 1)
    return Loop(baseline, follow_up, course_a, course_b, course_wide)


def url(programme) -> str:
    return reverse("programme_dashboard", args=[programme.pk])


def panel(response, key) -> DashboardPanel:
    return next(p for p in response.context["panels"] if p.key == key)


def gap_table(response) -> dict:
    """{group label: {area name: (baseline, follow-up, change)}}, cells as shown."""

    def shown(cell):
        if cell is None:
            return None
        return cell.gap if cell.has_value else ("hidden" if cell.suppressed else "none")

    return {
        group.label: (
            "hidden"
            if group.suppressed
            else {
                row.area_name: (shown(row.baseline), shown(row.follow_up), row.change)
                for row in group.rows
            }
        )
        for group in panel(response, "gaps").context["groups"]
    }


# --- what the project leader sees ----------------------------------------------------------


def test_project_leader_sees_gaps_change_and_courses_for_every_county(client_for, world):
    loop = build_loop(world)
    response = client_for(world.project_leader).get(url(world.programme))
    assert response.status_code == 200
    assert [p.key for p in response.context["panels"]] == [
        "reach",
        "gaps",
        "courses",
        "exchange",
        "budget",
        "timeline",
    ]

    gaps = panel(response, "gaps").context
    assert (gaps["baseline"], gaps["follow_up"]) == (loop.baseline, loop.follow_up)
    table = gap_table(response)
    assert list(table) == ["Whole programme", "Hedmark", "Sør-Trøndelag"]
    # County B's follow-up has three answers: hidden, so no change either. County A's follow-up
    # is hidden with it: the whole programme's minus county A's would give county B's three.
    assert table["Hedmark"]["Samarbeid"] == (3.0, "hidden", None)
    assert table["Sør-Trøndelag"]["Samarbeid"] == (4.0, "hidden", None)
    assert table["Sør-Trøndelag"]["Partnerskap"] == (1.0, "hidden", None)
    whole = table["Whole programme"]["Samarbeid"]
    assert whole[1] is not None and whole[2] == round(whole[1] - whole[0], 2)
    # The whole programme's baseline: importance 5, competence (6×1 + 5×2) / 11.
    assert table["Whole programme"]["Samarbeid"][0] == round(5 - 16 / 11, 3)

    html = response.content.decode()
    assert "too few answers" in html
    assert reverse("surveys:results", args=[loop.baseline.pk]) in html
    assert reverse("surveys:results", args=[loop.follow_up.pk]) in html
    assert "<caption>" in html and 'scope="col"' in html and "style=" not in html


def test_project_leader_sees_courses_per_county_and_programme_wide_row(client_for, world):
    loop = build_loop(world)
    response = client_for(world.project_leader).get(url(world.programme))
    courses = panel(response, "courses").context
    rows = {
        row.label: (
            row.courses,
            row.gatherings,
            row.registered,
            row.attended,
            row.libraries_reached,
            row.area_attendances,
        )
        for row in courses["groups"]
    }
    assert rows == {
        "Hedmark": (1, 1, 2, 2, 1, [0, 2, 0]),
        "Sør-Trøndelag": (1, 1, 4, 3, 1, [3, 0, 0]),
        "Programme-wide courses": (1, 1, 1, 1, 1, [0, 0, 1]),
    }
    total = courses["total"]
    assert (total.courses, total.registered, total.attended, total.libraries_reached) == (
        3,
        7,
        6,
        2,  # Trondheim and Hamar: Hamar counted once although reached by two courses
    )
    assert total.area_attendances == [3, 2, 1]
    # In the order of the rows above: by county number, the programme-wide courses last.
    assert [row.course for row in courses["courses"]] == [
        loop.course_b,
        loop.course_a,
        loop.course_wide,
    ]
    html = response.content.decode()
    assert reverse("courses:course_detail", args=[loop.course_a.pk]) in html


def test_cancelled_gatherings_are_not_counted(client_for, world):
    loop = build_loop(world)
    from django.utils import timezone

    GatheringFactory(course=loop.course_a, cancelled_at=timezone.now())
    response = client_for(world.project_leader).get(url(world.programme))
    row = next(
        r for r in panel(response, "courses").context["groups"] if r.label == "Sør-Trøndelag"
    )
    assert row.gatherings == 1


def test_reach_counts_libraries_and_people_with_a_role(client_for, world):
    response = client_for(world.project_leader).get(url(world.programme))
    reach = panel(response, "reach").context
    # County A: the county library (project leader, coordinator A as staff) and Trondheim
    # (library leader A, staff A); county B: the county library (nobody) and Hamar (two).
    assert [(r.label, r.libraries, r.people) for r in reach["rows"]] == [
        ("Hedmark", 2, 2),
        ("Sør-Trøndelag", 2, 4),
    ]
    assert (reach["total"].libraries, reach["total"].people) == (4, 6)


def test_site_admin_sees_every_county(client_for, world):
    build_loop(world)
    response = client_for(world.site_admin).get(url(world.programme))
    assert response.status_code == 200
    assert "Whole programme" in gap_table(response)
    assert response.context["shown_counties"] is None


# --- a coordinator sees their county only --------------------------------------------------


def test_coordinator_sees_only_their_county(client_for, world):
    loop = build_loop(world)
    response = client_for(world.coordinator_a).get(url(world.programme))
    assert response.status_code == 200
    assert response.context["shown_counties"] == [world.county_a]
    # Their county's figures, computed from their county's answers alone; the follow-up's are
    # hidden with Hedmark's three (the programme minus their county would give those three).
    assert gap_table(response) == {
        "Sør-Trøndelag": {
            "Samarbeid": (4.0, "hidden", None),
            "Partnerskap": (1.0, "hidden", None),
            "Politiske prosesser": (0.0, "hidden", None),
        }
    }
    courses = panel(response, "courses").context
    assert [row.label for row in courses["groups"]] == ["Sør-Trøndelag"]
    assert courses["total"] is None
    assert [row.course for row in courses["courses"]] == [loop.course_a]
    reach = panel(response, "reach").context
    assert [r.label for r in reach["rows"]] == ["Sør-Trøndelag"] and reach["total"] is None
    html = response.content.decode()
    # The timeline shows the programme-wide course's gathering held in their county (a date of
    # their county, no figures of the others).
    html, timeline = html.split('id="panel-timeline"')
    assert loop.course_wide.title in timeline
    for other in ("Hedmark", "Hamar", loop.course_b.title, loop.course_wide.title, "Whole"):
        assert other not in html and other not in timeline.replace(loop.course_wide.title, "")


def test_coordinator_of_the_other_county_sees_theirs(client_for, world):
    loop = build_loop(world)
    response = client_for(world.coordinator_b).get(url(world.programme))
    assert list(gap_table(response)) == ["Hedmark"]
    # County B's follow-up has three answers: below the threshold, so the county is hidden
    # at follow-up, while its baseline figures (five answers) are shown.
    assert gap_table(response)["Hedmark"]["Samarbeid"] == (3.0, "hidden", None)
    html = response.content.decode()
    assert "Sør-Trøndelag" not in html and loop.course_a.title not in html
    assert "Trondheim" not in html


# --- who may not see it --------------------------------------------------------------------


@pytest.mark.parametrize("person", ["staff_a", "library_leader_a", "staff_b"])
def test_staff_and_library_leaders_are_refused(client_for, world, person):
    build_loop(world)
    response = client_for(getattr(world, person)).get(url(world.programme))
    assert response.status_code == 403


def test_outsider_and_unknown_programme_get_404(client_for, world):
    assert client_for(world.outsider).get(url(world.programme)).status_code == 404
    missing = reverse("programme_dashboard", args=[world.programme.pk + 1000])
    assert client_for(world.project_leader).get(missing).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(url(world.programme))
    assert response.status_code == 302 and "login" in response["Location"]


def test_coordinator_of_another_programme_is_refused(client_for, world):
    from portal.models import RoleAssignment
    from portal.tests.factories import ProgrammeFactory, grant

    other = ProgrammeFactory(lead_county=world.county_a, counties=[world.county_a])
    grant(
        world.coordinator_b, RoleAssignment.Role.COORDINATOR, programme=other, county=world.county_a
    )
    # Coordinator B sees the other programme's dashboard for county A, and nothing of ours
    # beyond county B.
    response = client_for(world.coordinator_b).get(url(other))
    assert response.context["shown_counties"] == [world.county_a]
    assert list(gap_table(client_for(world.coordinator_b).get(url(world.programme)))) == []


# --- what the surveys panel chooses, and says when there is nothing ------------------------


def test_no_survey_with_answers_says_so_with_a_link(client_for, world):
    full_survey(programme=world.programme, areas=world.areas, status=Survey.Status.DRAFT)
    full_survey(programme=world.programme, areas=world.areas)  # open, no answers
    response = client_for(world.project_leader).get(url(world.programme))
    gaps = panel(response, "gaps").context
    assert gaps["baseline"] is None
    html = response.content.decode()
    assert "No programme-wide survey has answers yet" in html
    assert reverse("surveys:survey_list") in html
    assert "There are no courses to show yet." in html
    assert reverse("courses:course_list") in html


def test_baseline_alone_until_the_follow_up_has_answers(client_for, world):
    baseline = full_survey(
        programme=world.programme, areas=world.areas, status=Survey.Status.CLOSED
    )
    add_responses(baseline, count=5, library=world.library_a, values=_pairs((5, 2)))
    pending = full_survey(programme=world.programme, areas=world.areas, baseline=baseline)
    response = client_for(world.project_leader).get(url(world.programme))
    gaps = panel(response, "gaps").context
    assert (gaps["baseline"], gaps["follow_up"], gaps["pending_follow_up"]) == (
        baseline,
        None,
        pending,
    )
    assert gap_table(response)["Sør-Trøndelag"]["Samarbeid"] == (3.0, None, None)
    # County B has no answers at all: its figures are absent, not hidden.
    assert gap_table(response)["Hedmark"]["Samarbeid"] == ("none", None, None)
    assert "no answers yet" in response.content.decode()


def test_county_surveys_and_drafts_are_not_read(client_for, world):
    county_survey = full_survey(programme=world.programme, areas=world.areas, county=world.county_a)
    add_responses(county_survey, count=5, library=world.library_a, values=_pairs((5, 1)))
    draft = full_survey(programme=world.programme, areas=world.areas, status=Survey.Status.DRAFT)
    add_responses(draft, count=5, library=world.library_a, values=_pairs((5, 1)))
    response = client_for(world.project_leader).get(url(world.programme))
    assert panel(response, "gaps").context["baseline"] is None


def test_whole_group_below_the_threshold_shows_too_few_answers(client_for, world):
    baseline = full_survey(programme=world.programme, areas=world.areas)
    add_responses(baseline, count=4, library=world.library_a, values=_pairs((5, 1)))
    response = client_for(world.project_leader).get(url(world.programme))
    html = response.content.decode()
    # Four answers in all: every group is hidden, and the page says why instead of a table.
    assert set(gap_table(response).values()) == {"hidden"}
    assert "There are no competence-area figures to show" in html
    response = client_for(world.coordinator_a).get(url(world.programme))
    assert "4.00" not in response.content.decode()


def test_purged_survey_is_read_from_its_snapshot(client_for, world):
    from surveys.results.services import survey_purge_raw_answers

    loop = build_loop(world)
    before = gap_table(client_for(world.coordinator_a).get(url(world.programme)))
    loop.baseline.closes_at = None
    survey_purge_raw_answers(survey=loop.baseline)
    assert gap_table(client_for(world.coordinator_a).get(url(world.programme))) == before


# --- the registry --------------------------------------------------------------------------


def test_panels_come_in_order_and_a_provider_may_show_nothing(world, monkeypatch):
    calls = []

    def nothing(*, programme, county_ids, user):
        calls.append(county_ids)
        return None

    def first(*, programme, county_ids, user):
        return DashboardPanel(key="first", title="First", template="x.html", order=1)

    monkeypatch.setattr(dashboard, "providers", [*dashboard.providers])
    dashboard.register(nothing)
    dashboard.register(first)
    dashboard.register(first)  # registering twice adds it once
    panels = dashboard.programme_dashboard(programme=world.programme, user=world.coordinator_a)
    assert [p.key for p in panels] == [
        *("first", "reach", "gaps", "courses", "exchange", "budget", "timeline"),
    ]
    assert calls == [{world.county_a.pk}]


def test_dashboard_county_ids(world):
    ids = dashboard.dashboard_county_ids
    assert ids(programme=world.programme, user=world.project_leader) is None
    assert ids(programme=world.programme, user=world.site_admin) is None
    assert ids(programme=world.programme, user=world.coordinator_b) == {world.county_b.pk}
    assert ids(programme=world.programme, user=world.staff_a) == set()


# --- home page -----------------------------------------------------------------------------


def test_home_offers_the_dashboard_to_leaders_and_coordinators_only(client_for, world):
    link = url(world.programme)
    assert link in client_for(world.project_leader).get("/").content.decode()
    assert link in client_for(world.coordinator_b).get("/").content.decode()
    assert link not in client_for(world.staff_a).get("/").content.decode()
    assert link not in client_for(world.library_leader_b).get("/").content.decode()


# --- query counts --------------------------------------------------------------------------


def _grow(world, loop):
    """More of everything in the same counties: registrations, courses, responses."""
    gathering = loop.course_a.gatherings.first()
    _register(gathering, world.library_a, Status.ATTENDED, 8)
    _register(gathering, world.county_library_a, Status.CONFIRMED, 4)
    extra = CourseFactory(
        programme=world.programme, county=world.county_b, competence_areas=world.areas[:2]
    )
    _register(GatheringFactory(course=extra), world.library_b, Status.ATTENDED, 3)
    GatheringFactory(course=extra)
    add_responses(loop.baseline, count=20, library=world.library_b, seed=2)
    add_responses(loop.follow_up, count=20, library=world.county_library_a, seed=3)


def _sections(world) -> None:
    """The budget's, the timeline's and the cards' data sets (see their tests)."""
    from portal.tests.test_dashboard_budget import build_budget
    from portal.tests.test_dashboard_cards import build_learning
    from portal.tests.test_dashboard_timeline import build_timeline

    build_budget(world)
    build_timeline(world)
    build_learning(world)


def _grow_sections(world) -> None:
    """More costs, milestones, report periods, job-shadowing periods and online learning."""
    from datetime import date, timedelta
    from decimal import Decimal

    from courses.learning.models import LessonCompletion
    from courses.learning.tests.factories import LessonFactory, ModuleFactory
    from courses.models import GatheringCost
    from hospitering.tests.factories import OfferFactory
    from modelbibliotek.models import Milestone, ModelLibrary, ReportPeriod
    from portal.models import FundingSource

    source = FundingSource.objects.create(
        programme=world.programme, name="Ekstra", amount=Decimal("1000"), county=world.county_a
    )
    for gathering in GatheringCost.objects.values_list("gathering", flat=True).distinct():
        for kind in ("travel", "other"):
            GatheringCost.objects.create(
                gathering_id=gathering, kind=kind, amount=Decimal("10"), funding_source=source
            )
    for project in ModelLibrary.objects.filter(programme=world.programme):
        for days in (10, 400, 900):
            Milestone.objects.create(
                model_library=project, title="Mer", due_on=date(2011, 1, 1) + timedelta(days)
            )
    ReportPeriod.objects.create(
        programme=world.programme,
        title="Høst 2011",
        starts_on=date(2011, 7, 1),
        ends_on=date(2011, 12, 31),
        due_on=date(2012, 2, 1),
    )
    OfferFactory(programme=world.programme, host_library=world.library_a)
    course = CourseFactory(programme=world.programme, county=world.county_b)
    lesson = LessonFactory(module=ModuleFactory(course=course))
    for _ in range(3):
        person = UserFactory()
        RegistrationFactory(
            gathering=GatheringFactory(course=course),
            user=person,
            library=world.library_b,
            status=Status.ATTENDED,
        )
        LessonCompletion.objects.create(user=person, lesson=lesson)


def _cold() -> None:
    """Nothing kept: the cache emptied and every survey's sums in a new state (the disclosure
    rule's blocks are kept in the process too, under their state's token, which outlives the
    cache)."""
    cache.clear()
    for survey_id in ResultTallyVersion.objects.values_list("survey_id", flat=True):
        ResultTallyVersion.renew(survey_id=survey_id)


@pytest.mark.parametrize("person", ["project_leader", "coordinator_a"])
def test_query_count_does_not_grow_with_the_data(client, world, person, django_assert_num_queries):
    loop = build_loop(world)
    _sections(world)
    client.force_login(getattr(world, person))
    client.get(url(world.programme))  # warm up (session, content types)
    # Cold: nothing cached (as after a write of everything), every panel is computed; warm:
    # every panel comes from the cache (portal.dashboard, "cached exactly"). Both measured at
    # both sizes.
    _cold()
    with CaptureQueriesContext(connection) as small_cold:
        assert client.get(url(world.programme)).status_code == 200
    with CaptureQueriesContext(connection) as small:
        assert client.get(url(world.programme)).status_code == 200
    registrations = Registration.objects.count()
    _grow(world, loop)  # both surveys get responses: their sums change
    _grow_sections(world)
    assert Registration.objects.count() == registrations + 15 + 3
    _cold()
    with django_assert_num_queries(len(small_cold)):
        response = client.get(url(world.programme))
    assert response.status_code == 200
    with django_assert_num_queries(len(small)):
        response = client.get(url(world.programme))
    assert response.status_code == 200
    # Cold, it stays small: the surveys' figures are twenty of them (five per survey, two per
    # survey for the sizes the disclosure rule needs, three per survey for their blocks' cache);
    # the county cards (response rates, participation, libraries, applications, learning-arena
    # completion) nine more; the budget five (funding sources, gathering and exchange costs);
    # the model libraries' (with their milestones per county); the timeline one per kind of
    # event; the tables' states twice. Warm: the person and their roles, the programme with its
    # counties, areas and funding, and the tables' states.
    assert len(small_cold) <= 70
    assert len(small) <= 9


def test_out_of_range_id_is_404(client_for, world):
    response = client_for(world.project_leader).get("/programmer/99999999999999999999/oversikt/")
    assert response.status_code == 404


def test_the_page_renders_in_bokmal(client_for, world, settings):
    build_loop(world)
    settings.LANGUAGE_CODE = "nb"
    world.project_leader.preferred_language = "nb"
    world.project_leader.save()
    client = client_for(world.project_leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    response = client.get(url(world.programme))
    assert response.status_code == 200
    assert response.context["LANGUAGE_CODE"] == "nb"
    assert "4,00" in response.content.decode()  # Norwegian decimal comma
