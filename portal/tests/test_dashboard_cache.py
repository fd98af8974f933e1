"""The dashboard's panels cached exactly (portal.dashboard, "cached exactly";
portal.table_versions): after every kind of write the cached figures are those a full
recomputation gives, a person never gets the panels of counties they do not see, and a warm
dashboard and key figures cost the same few queries with little data and with more."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import psycopg
import pytest
from django.apps import apps as django_apps
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from courses import services as course_services
from courses.learning.services import lesson_mark_done
from courses.learning.tests.factories import LessonFactory, ModuleFactory
from courses.models import Gathering, Registration
from courses.tests.factories import GatheringFactory
from hospitering.tests.factories import OfferFactory, application_at
from modelbibliotek import services as model_library_services
from modelbibliotek.models import ReportPeriod
from modelbibliotek.tests.factories import model_library, periods, report_at
from portal import dashboard, freshness, table_versions, tasks
from portal.models import County, FundingSource, Programme, RoleAssignment, TableVersion, User
from portal.tests.factories import LibraryFactory, UserFactory, grant
from portal.tests.test_dashboard import _grow, _grow_sections, _sections, build_loop
from surveys.answering.services import response_start, response_submit
from surveys.models import Participation
from surveys.results.services import result_tallies_catch_up
from surveys.synthetic import add_responses

pytestmark = pytest.mark.django_db


def _programme(world) -> Programme:
    """The programme as the view reads it (its prefetch read now, so a rename shows)."""
    return Programme.objects.prefetch_related("counties", "competence_areas").get(
        pk=world.programme.pk
    )


def _recomputed(programme, user) -> list[dashboard.DashboardPanel]:
    """Every panel computed anew, as before the cache: every provider called."""
    county_ids = dashboard.dashboard_county_ids(programme=programme, user=user)
    panels = []
    for provider in dashboard.providers:
        arguments = {"programme": programme, "county_ids": county_ids, "user": user}
        if dashboard._takes_period(provider):
            arguments["period"] = None
        panel = provider(**arguments)
        if panel is not None:
            panels.append(panel)
    return sorted(panels, key=lambda panel: (panel.order, panel.key))


def _plain(panels) -> list:
    return [dataclasses.replace(panel, html=None, stamp=None) for panel in panels]


def _key(provider, programme, user) -> str:
    county_ids = dashboard.dashboard_county_ids(programme=programme, user=user)
    return dashboard._cache_key(provider, programme=programme, county_ids=county_ids, period=None)


def _served_from_cache(provider, programme, user) -> bool:
    entry = cache.get(_key(provider, programme, user))
    return entry is not None and entry.holds(table_versions.table_versions(), timezone.now())


def _provider(name: str):
    return next(provider for provider in dashboard.providers if provider.__name__ == name)


def _people(world) -> list[User]:
    return [world.project_leader, world.coordinator_a, world.coordinator_b]


def _assert_fresh(world) -> None:
    """For each person: the dashboard (cached where it can be) equals a recomputation."""
    programme = _programme(world)
    for person in _people(world):
        cached = dashboard.programme_dashboard(programme=programme, user=person)
        assert _plain(cached) == _plain(_recomputed(programme, person)), person


@pytest.fixture
def loop(world):
    cache.clear()
    loop = build_loop(world)
    _sections(world)
    return loop


def _warm(world) -> None:
    programme = _programme(world)
    for person in _people(world):
        dashboard.programme_dashboard(programme=programme, user=person)
    assert all(
        _served_from_cache(provider, programme, person)
        for provider in dashboard.providers
        for person in _people(world)
    ), "every panel is cached (every table it reads has its state)"


def test_cached_figures_equal_a_recomputation_after_each_kind_of_write(world, loop):
    programme = world.programme
    _warm(world)
    _assert_fresh(world)

    writes = []

    def submission():
        add_responses(loop.follow_up, count=6, library=world.library_b, seed=7)

    def submission_through_the_service():
        Participation.objects.create(survey=loop.follow_up, user=world.staff_b, token_hash="t1")
        participation = Participation.objects.get(survey=loop.follow_up, user=world.staff_b)
        response = response_start(survey=loop.follow_up, participation=participation)
        response_submit(response=response, participation=participation)

    def registration():
        gathering = loop.course_b.gatherings.first()
        course_services.registration_create(
            user=world.staff_b, gathering=gathering, library=world.library_b
        )

    def attendance():
        gathering = loop.course_a.gatherings.first()
        Gathering.objects.filter(pk=gathering.pk).update(
            starts_at=timezone.now() - timedelta(hours=3),
            ends_at=timezone.now() - timedelta(hours=1),
        )
        confirmed = gathering.registrations.filter(status=Registration.Status.CONFIRMED)
        course_services.attendance_mark(
            gathering=Gathering.objects.get(pk=gathering.pk),
            marked_by=world.coordinator_a,
            attended={registration.pk: True for registration in confirmed},
        )

    def online_learning():
        lesson = LessonFactory(module=ModuleFactory(course=loop.course_a))
        for registration in loop.course_a.gatherings.first().registrations.all():
            lesson_mark_done(user=registration.user, lesson=lesson)

    def report_approval():
        project = model_library(world, LibraryFactory(county=world.county_a), title="Ny modell")
        period = ReportPeriod.objects.filter(programme=programme).first()
        report = report_at(project, period or periods(programme, count=1)[0], "submitted")
        model_library_services.report_approve(report=report, approved_by=world.coordinator_a)

    def placement():
        offer = OfferFactory(
            programme=programme,
            host_library=world.library_a,
            competence_areas=world.areas[:1],
            periods=[(30, 10, 2)],
        )
        visitor = UserFactory()
        grant(visitor, RoleAssignment.Role.STAFF, library=world.library_b)
        application_at(world, "approved", offer, visitor, world.library_b)

    def gathering_cancelled():
        course_services.gathering_cancel(
            gathering=loop.course_b.gatherings.first(), cancelled_by=world.coordinator_b
        )

    def role_and_library():  # reference data, written as the admin would (no service)
        grant(
            UserFactory(), RoleAssignment.Role.STAFF, library=LibraryFactory(county=world.county_a)
        )

    def money():
        FundingSource.objects.create(
            programme=programme, name="Tilskudd", amount=Decimal("5000"), county=world.county_b
        )

    def county_renamed():  # a bulk update: no save(), no signal
        County.objects.filter(pk=world.county_a.pk).update(name="Trøndelag")

    writes = [
        submission,
        submission_through_the_service,
        registration,
        attendance,
        online_learning,
        report_approval,
        placement,
        gathering_cancelled,
        role_and_library,
        money,
        county_renamed,
    ]
    for write in writes:
        before = _plain(_recomputed(_programme(world), world.project_leader))
        write()
        after = _plain(_recomputed(_programme(world), world.project_leader))
        assert after != before, f"{write.__name__} changes a figure"
        _assert_fresh(world)


def test_a_write_recomputes_only_the_panels_that_read_its_tables(world, loop):
    _warm(world)
    programme = _programme(world)
    gaps, courses = _provider("gap_panel"), _provider("course_panel")
    course_services.registration_create(
        user=world.staff_a, gathering=loop.course_a.gatherings.first(), library=world.library_a
    )
    assert _served_from_cache(gaps, programme, world.project_leader)
    assert not _served_from_cache(courses, programme, world.project_leader)
    add_responses(loop.follow_up, count=1, library=world.library_a, seed=9)
    assert not _served_from_cache(gaps, programme, world.project_leader)


def test_answering_and_signing_in_change_no_state(world, loop):
    """A response still being answered, a person's last sign-in, a submitted response added to
    the running sums (their own token says so): no figure, no new state."""
    Participation.objects.create(survey=loop.follow_up, user=world.staff_a, token_hash="t2")
    participation = Participation.objects.get(survey=loop.follow_up, user=world.staff_a)
    states = table_versions.table_versions()
    response = response_start(survey=loop.follow_up, participation=participation)
    User.objects.filter(pk=world.staff_a.pk).update(last_login=timezone.now())
    assert table_versions.table_versions() == states
    response_submit(response=response, participation=participation)
    changed = table_versions.table_versions()
    assert changed["surveys_response"] != states["surveys_response"]
    assert changed["surveys_participation"] != states["surveys_participation"]
    assert result_tallies_catch_up(survey_id=loop.follow_up.pk) == 1
    assert table_versions.table_versions()["surveys_response"] == changed["surveys_response"]


def test_a_person_never_gets_the_panels_of_counties_they_do_not_see(world, loop):
    programme = _programme(world)
    leader = dashboard.programme_dashboard(programme=programme, user=world.project_leader)
    for person in (world.coordinator_a, world.coordinator_b):
        cached = dashboard.programme_dashboard(programme=programme, user=person)
        assert _plain(cached) == _plain(_recomputed(programme, person))
        assert _plain(cached) != _plain(leader)
    a = dashboard.programme_dashboard(programme=programme, user=world.coordinator_a)
    b = dashboard.programme_dashboard(programme=programme, user=world.coordinator_b)
    assert {c for p in a for c in p.key_figures} == {world.county_a.pk}
    assert {c for p in b for c in p.key_figures} == {world.county_b.pk}


def test_figures_that_move_with_the_time_are_kept_until_then(world, loop):
    """ "Held" counts the gatherings started: the course panel is kept until the next starts;
    everything else until midnight (figures of "today"). At nine in the morning, so that the
    next gathering, two hours on, starts before midnight whenever the test runs."""
    morning = timezone.make_aware(datetime.combine(timezone.localdate(), time(9)))
    with mock.patch("django.utils.timezone.now", return_value=morning):
        coming = GatheringFactory(
            course=loop.course_a,
            starts_at=morning + timedelta(hours=2),
            ends_at=morning + timedelta(hours=5),
        )
        coming = Gathering.objects.get(pk=coming.pk)
        programme = _programme(world)
        before = dashboard.programme_dashboard(programme=programme, user=world.project_leader)
        entry = cache.get(_key(_provider("course_panel"), programme, world.project_leader))
        assert entry.valid_until == min(
            Gathering.objects.filter(starts_at__gt=morning).values_list("starts_at", flat=True)
        )
        assert entry.valid_until <= coming.starts_at
    later = coming.starts_at + timedelta(minutes=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        after = dashboard.programme_dashboard(programme=programme, user=world.project_leader)
        assert _plain(after) == _plain(_recomputed(programme, world.project_leader))
    assert _plain(after) != _plain(before)


def county_renamed_elsewhere(county) -> None:
    """A write committed by another connection (as another worker would, while this one
    computes): the county's name gets a "!"."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        password=settings["PASSWORD"] or None,
        autocommit=True,
    ) as other:
        other.execute("UPDATE portal_county SET name = name || '!' WHERE id = %s", [county.pk])


@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_computing_is_not_stored(world):
    """A write another connection commits while the panels are computed may or may not have
    been read: nothing is stored under the states read before."""
    cache.clear()
    programme = _programme(world)
    written = []

    def provider(*, programme, county_ids, user, **kwargs):
        list(County.objects.all())
        if not written:
            county_renamed_elsewhere(world.county_a)
            written.append(True)
        return None

    dashboard.register(provider)
    try:
        dashboard.programme_dashboard(programme=programme, user=world.project_leader)
        assert cache.get(_key(provider, programme, world.project_leader)) is None
        dashboard.programme_dashboard(programme=programme, user=world.project_leader)
        assert cache.get(_key(provider, programme, world.project_leader)) is not None
    finally:
        dashboard.providers.remove(provider)


def test_compacting_folds_the_rows_of_connections_gone_and_keeps_every_state(world):
    """Folded, the rows of connections gone leave each table's state as it was (no cached
    figure is computed again), and the next write still gives the table a new state."""
    # Rows of connections gone before the test (the test database is cloned from a template
    # that other connections migrated) are folded first, so only the test's own rows count.
    table_versions.table_versions_compact()
    County.objects.filter(pk=world.county_a.pk).update(name="Sør")
    for gone, token in ((-7, "1" * 32), (-8, "f0" * 16), (-9, "0123456789abcdef" * 2)):
        TableVersion.objects.create(table_name="portal_county", backend=gone, token=token)
    TableVersion.objects.create(table_name="portal_library", backend=-7, token="2" * 32)
    states = table_versions.table_versions()
    assert table_versions.table_versions_compact() == 4
    assert not TableVersion.objects.filter(backend__lt=0).exists()
    assert TableVersion.objects.filter(backend=0, table_name="portal_county").count() == 1
    assert table_versions.table_versions() == states
    TableVersion.objects.create(table_name="portal_county", backend=-10, token="3" * 32)
    TableVersion.objects.create(table_name="portal_library", backend=-10, token="4" * 32)
    states = table_versions.table_versions()
    assert table_versions.table_versions_compact() == 2  # folded into the rows folded before
    assert table_versions.table_versions() == states
    County.objects.filter(pk=world.county_a.pk).update(name="Sør-Trøndelag")
    after = table_versions.table_versions()
    assert after["portal_county"] != states["portal_county"]
    assert after["portal_library"] == states["portal_library"]


def test_every_table_of_the_portals_apps_has_a_state():
    """The states are read for each table with the trigger in the schema Django created them
    in: a table left out would make every figure read from it uncacheable."""
    expected = table_versions.app_tables(django_apps) - table_versions.UNTRACKED
    assert set(table_versions.table_versions()) == expected


@pytest.mark.parametrize("person", ["project_leader", "coordinator_a"])
def test_warm_dashboard_and_key_figures_cost_the_same_with_more_data(
    world, loop, client_for, person
):
    client = client_for(getattr(world, person))
    urls = [
        reverse("programme_dashboard", args=[world.programme.pk]),
        reverse("api:programme-key-figures", args=[world.programme.pk]),
    ]

    def warm_counts():
        counts = []
        for url in urls:
            assert client.get(url).status_code == 200  # computed and cached
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
        return counts

    small = warm_counts()
    _grow(world, loop)
    _grow_sections(world)
    assert warm_counts() == small
    # The person and their roles, the programme (with its counties, areas and funding for
    # the page) and the tables' states: nothing grows with the programme.
    assert small[0] <= 9 and small[1] <= 8


def _page(client, programme) -> str:
    """The dashboard page without the parts that differ per response (the CSRF token)."""
    page = client.get(reverse("programme_dashboard", args=[programme.pk])).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_the_page_drawn_from_the_cache_is_the_page_drawn_anew(world, loop, client_for):
    client = client_for(world.project_leader)
    _page(client, world.programme)  # every panel, its section and the cards cached
    course_services.registration_create(
        user=world.staff_b, gathering=loop.course_b.gatherings.first(), library=world.library_b
    )
    add_responses(loop.follow_up, count=6, library=world.library_b, seed=11)
    from_cache = _page(client, world.programme)
    cache.clear()
    anew = _page(client, world.programme)
    assert from_cache == anew
    cache.clear()
    assert _page(client, world.programme) == anew


def test_a_panel_that_cannot_be_pickled_is_shown_not_cached(world, client_for):
    def provider(*, programme, county_ids, user, **kwargs):
        return dashboard.DashboardPanel(
            key="odd",
            title="Odd",
            template="portal/dashboard/reach.html",
            context={"rows": [], "total": None, "odd": lambda: None},
        )

    dashboard.register(provider)
    try:
        client = client_for(world.project_leader)
        response = client.get(reverse("programme_dashboard", args=[world.programme.pk]))
        assert response.status_code == 200
        assert "Odd" in response.content.decode()
        assert cache.get(_key(provider, _programme(world), world.project_leader)) is None
    finally:
        dashboard.providers.remove(provider)
    # (the keys asked above are the page's: the panels stored before the odd one are there)
    assert cache.get(_key(_provider("reach_panel"), _programme(world), world.project_leader))


def test_while_people_write_the_page_shows_figures_as_they_were_with_their_time(
    world, loop, client_for, settings
):
    """In a busy week the page shows a panel written to since as it was, says since when, and
    computes it anew once it is older than the freshness; the report to the funder and the
    exports (no `fresh_enough`) are always exact."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    client = client_for(world.project_leader)
    programme = _programme(world)
    courses = _provider("course_panel")
    before = _page(client, world.programme)
    assert "Some figures are as they were" not in before
    course_services.registration_create(
        user=world.staff_b, gathering=loop.course_b.gatherings.first(), library=world.library_b
    )
    shown = _page(client, world.programme)
    assert "Some figures are as they were at" in shown
    assert not _served_from_cache(courses, programme, world.project_leader)
    leader = world.project_leader
    as_it_was = {
        p.key: p
        for p in dashboard.programme_dashboard(programme=programme, user=leader, fresh_enough=True)
    }
    recomputed = {p.key: p for p in _recomputed(programme, leader)}
    assert as_it_was["courses"].as_of is not None
    assert as_it_was["courses"].key_figures != recomputed["courses"].key_figures
    exact = dashboard.programme_dashboard(programme=programme, user=leader)  # (the funder's)
    assert _plain(exact) == _plain(recomputed.values())

    cache.delete_many(
        [_key(provider, programme, leader) for provider in dashboard.providers]
    )  # as they were again: the page after the freshness computes them anew
    _page(client, world.programme)
    course_services.registration_create(
        user=world.staff_a, gathering=loop.course_a.gatherings.first(), library=world.library_a
    )
    assert "Some figures are as they were at" in _page(client, world.programme)
    later = timezone.now() + timedelta(seconds=121)
    with mock.patch("portal.dashboard.timezone.now", return_value=later):
        # The first reader after the freshness still sees them as they were and has them
        # computed anew by a task (here at once: tests run tasks eagerly); the next one sees them.
        assert "Some figures are as they were" in _page(client, world.programme)
        assert "Some figures are as they were" not in _page(client, world.programme)
    assert _served_from_cache(courses, programme, leader)

    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 0  # never as they were
    course_services.registration_create(
        user=world.library_leader_a,
        gathering=loop.course_a.gatherings.first(),
        library=world.library_a,
    )
    assert "Some figures are as they were" not in _page(client, world.programme)
    assert _served_from_cache(courses, programme, leader)


def test_past_the_freshness_a_worker_computes_the_panels_and_no_reader_waits(
    world, loop, client_for, settings
):
    """The first reader after the freshness queues one task for the panels written to since
    (others within 30 s queue none) and is shown them as they were; the task, run by a worker,
    computes them for that reader's counties and language. Without a broker, or when no worker
    took the task within the grace, a reader computes them itself."""
    settings.PORTAL_FIGURES_FRESHNESS_SECONDS = 120
    client = client_for(world.project_leader)
    _page(client, world.programme)
    course_services.registration_create(
        user=world.staff_b, gathering=loop.course_b.gatherings.first(), library=world.library_b
    )
    queued = []
    delay = "portal.tasks.dashboard_panels_refresh_task.delay"
    later = timezone.now() + timedelta(seconds=121)
    with (
        mock.patch("portal.dashboard.timezone.now", return_value=later),
        mock.patch(delay, side_effect=lambda **kwargs: queued.append(kwargs)),
    ):
        assert "Some figures are as they were" in _page(client, world.programme)
        assert "Some figures are as they were" in _page(client, world.programme)
        assert len(queued) == 1
        assert queued[0]["user_id"] == world.project_leader.pk
        assert any(name.endswith("course_panel") for name in queued[0]["names"])
        tasks.dashboard_panels_refresh_task(**queued[0])  # the worker
        courses = _provider("course_panel")
        assert _served_from_cache(courses, _programme(world), world.project_leader)
        assert "Some figures are as they were" not in _page(client, world.programme)

    course_services.registration_create(
        user=world.staff_a, gathering=loop.course_a.gatherings.first(), library=world.library_a
    )
    cache.clear()
    _page(client, world.programme)  # computed now; written to after:
    course_services.registration_create(
        user=world.library_leader_a,
        gathering=loop.course_a.gatherings.first(),
        library=world.library_a,
    )
    no_broker = OperationalError("no broker")
    later = timezone.now() + timedelta(seconds=121)  # past the freshness of these figures
    with (
        mock.patch("portal.dashboard.timezone.now", return_value=later),
        mock.patch(delay, side_effect=no_broker),
    ):
        assert "Some figures are as they were" not in _page(client, world.programme)

    course_services.registration_create(
        user=world.library_leader_b,
        gathering=loop.course_b.gatherings.first(),
        library=world.library_b,
    )
    programme, leader = _programme(world), world.project_leader
    cache.delete_many([f"{_key(p, programme, leader)}:computing" for p in dashboard.providers])
    no_worker = later + timedelta(seconds=121) + freshness.REFRESH_GRACE
    with (
        mock.patch("portal.dashboard.timezone.now", return_value=no_worker),
        mock.patch(delay) as never_run,
    ):
        assert "Some figures are as they were" not in _page(client, world.programme)
    never_run.assert_not_called()


def test_each_language_reads_the_panels_titles_in_its_own(world, loop, client_for):
    """A panel is cached with its title as text, in the language its key names."""
    client = client_for(world.project_leader)
    for language, title in (("en", "Courses and attendance"), ("nb", "Kurs og oppmøte")):
        User.objects.filter(pk=world.project_leader.pk).update(preferred_language=language)
        for _read in range(2):  # computed, then from the cache
            page = client.get(reverse("programme_dashboard", args=[world.programme.pk]))
            assert f'<h2 id="panel-courses">{title}</h2>' in page.content.decode()
    entry = cache.get(_key(_provider("course_panel"), _programme(world), world.project_leader))
    assert type(entry.panel.title) is str


def test_a_warmed_dashboard_computes_nothing_for_its_first_readers(world, loop, settings):
    """After `manage.py dashboards_warm` (a deploy step; beat repeats it), the project leader and
    each coordinator read their dashboard and key figures without computing a panel, in every
    language: nobody waits for a scope's first computation."""
    programme = _programme(world)
    cache.clear()
    out = io.StringIO()
    with mock.patch.object(dashboard, "_computed", wraps=dashboard._computed) as computed:
        call_command("dashboards_warm", stdout=out)
        assert computed.call_count > 0
        assert out.getvalue().startswith("3 dashboard scopes")  # the leader's, two counties'
        computed.reset_mock()
        tasks.dashboards_warm()  # beat's every five minutes: all held, nothing computed again
        every_five_minutes = settings.CELERY_BEAT_SCHEDULE["dashboards-warm"]
        assert every_five_minutes["task"] == tasks.dashboards_warm.name
        for person in _people(world):
            for language in ("nb", "nn", "en"):
                with translation.override(language):
                    page = dashboard.programme_dashboard(
                        programme=programme, user=person, html=True, fresh_enough=True
                    )
                    dashboard.dashboard_cards(programme=programme, user=person)
                    assert _plain(page) == _plain(_recomputed(programme, person))
        assert computed.call_count == 0
