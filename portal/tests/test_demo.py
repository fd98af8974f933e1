"""The demo lives: two programmes, the complete one of 2011–2012 and one running now. In the
running one every role has real things waiting, every county has people and figures, and a
newcomer can register for a coming gathering; in the historical one the whole loop has happened
(baseline and follow-up answered in every county, gatherings held, reports approved, placements
over with reports). Loading twice changes nothing."""

import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from courses import services as course_services
from courses.learning.models import LessonCompletion, Submission
from courses.models import Course, Gathering, Registration
from hospitering.models import Application, Placement
from modelbibliotek.models import ProgressReport
from portal.demo import CURRENT_PROGRAMME, historical_programme
from portal.models import Library, Programme, RoleAssignment, User
from portal.tests.pages import home_waiting
from surveys.models import Survey

pytestmark = pytest.mark.django_db

FIVE = {"16", "04", "15", "17", "05"}


def _load():
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module's tests (each test's changes are rolled back to
    here, and the whole demo when the module is done)."""
    with django_db_blocker.unblock(), transaction.atomic():
        _load()
        User.objects.update(preferred_language="en")  # the texts below are the English ones
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(loaded, db):
    return Programme.objects.get(name=CURRENT_PROGRAMME)


def _home_of(client, email):
    client.force_login(User.objects.get(email=email))
    return home_waiting(client.get(reverse("home")).content.decode())


def _dashboard(client, programme):
    client.force_login(User.objects.get(email="prosjektleder@demo.no"))
    return client.get(reverse("programme_dashboard", args=[programme.pk]))


def test_every_county_has_people_and_every_role_something_waiting(demo, client):
    staff = RoleAssignment.objects.filter(role=RoleAssignment.Role.STAFF, library__isnull=False)
    per_county = {
        county.number: staff.filter(library__county=county).count()
        for county in demo.counties.all()
    }
    assert set(per_county) == FIVE
    assert all(count >= 50 for count in per_county.values()), per_county
    assert sum(per_county.values()) >= 300

    assert "Surveys to answer" in _home_of(client, "ansatt1.lillehammer@demo.no")
    assert "Course registrations to approve" in _home_of(client, "biblioteksjef.trondheim@demo.no")
    assert "Job shadowing reports to write" in _home_of(client, "ansatt2.molde@demo.no")
    assert "Feedback to give as host" in _home_of(client, "biblioteksjef.hamar@demo.no")
    assert "Job shadowing applications to decide" in _home_of(client, "koordinator.hedmark@demo.no")
    assert "Gatherings coming up" in _home_of(client, "ansatt1.steinkjer@demo.no")


def test_a_newcomer_can_register_today_for_a_coming_gathering(demo):
    now = timezone.now()
    coming = (
        Gathering.objects.filter(course__programme=demo, course__county=None, starts_at__gt=now)
        .order_by("starts_at")
        .first()
    )
    assert coming.registration_deadline > now
    newcomer = User.objects.get(email="ansatt2.steinkjer@demo.no")
    question = coming.course.registration_questions.get(required=True)
    registration = course_services.registration_create(
        user=newcomer, gathering=coming, answers={question.pk: "Bibliotekar"}
    )
    assert registration.status == Registration.Status.CONFIRMED


def test_the_dashboard_shows_figures_for_all_five_counties(demo, client):
    page = _dashboard(client, demo).content.decode()
    for library in Library.objects.filter(kind=Library.Kind.COUNTY, county__programmes=demo):
        assert library.county.name in page
    assert "too few answers" in page  # the last county's follow-up is still under the threshold


def test_the_same_accounts_lead_and_coordinate_both_programmes(demo, client):
    historical = historical_programme()
    assert historical.name == "Kompetente regionbibliotek 2011–2012"
    assert (historical.start_date.isoformat(), historical.end_date.isoformat()) == (
        "2011-03-01",
        "2012-12-31",
    )
    assert set(historical.counties.values_list("number", flat=True)) == FIVE
    assert historical.lead_county.number == "16"
    assert historical.funding.get(name="Nasjonalbiblioteket").amount == 300000
    assert historical.funding.count() == 6  # the grant and each county's contribution
    for email in ("prosjektleder@demo.no", "koordinator.oppland@demo.no"):
        client.force_login(User.objects.get(email=email))
        home = client.get(reverse("home")).content.decode()
        assert historical.name in home and demo.name in home
        for programme in (historical, demo):
            assert _dashboard_status(client, programme) == 200


def _dashboard_status(client, programme):
    return client.get(reverse("programme_dashboard", args=[programme.pk])).status_code


def test_the_historical_programme_has_been_through_the_whole_loop(demo, client):
    historical = historical_programme()
    surveys = Survey.objects.filter(programme=historical)
    assert set(surveys.values_list("status", flat=True)) == {Survey.Status.CLOSED}
    follow_up = surveys.get(baseline__isnull=False)
    assert follow_up.baseline.closes_at.year == 2011 and follow_up.closes_at.year == 2012

    # The loop matrix: gap at baseline, at follow-up and the change, in every county and area.
    response = _dashboard(client, historical)
    gaps = next(p for p in response.context["panels"] if p.key == "gaps")
    assert (gaps.context["baseline"], gaps.context["follow_up"]) == (follow_up.baseline, follow_up)
    areas = historical.competence_areas.all()
    assert len(areas) == 6
    for county in historical.counties.all():
        for area in areas:
            before, after = gaps.loop[(county.pk, area.pk)]
            assert re.fullmatch(r"-?\d\.\d\d", before.value), (county, area, before)
            assert after.value.endswith(")") and "(" in after.value, (county, area, after)
    for group in gaps.context["groups"]:  # the table beside it: nothing hidden
        assert not group.suppressed
        assert all(row.change is not None for row in group.rows), group.label

    # Every gathering held, with attendance from every county; nothing waits.
    gatherings = Gathering.objects.filter(course__programme=historical)
    assert all(g.ends_at.year in (2011, 2012) for g in gatherings)
    registrations = Registration.objects.filter(gathering__course__programme=historical)
    assert set(registrations.values_list("status", flat=True)) <= {"attended", "absent"}
    assert set(registrations.values_list("created_at__year", flat=True)) <= {2011, 2012}
    attended = registrations.filter(status=Registration.Status.ATTENDED)
    assert {r.gathering_id for r in attended} == set(gatherings.values_list("pk", flat=True))
    assert set(attended.values_list("library__county__number", flat=True)) == FIVE
    assert Course.objects.filter(programme=historical).count() == 2

    # Learning-arena progress: lessons done and answers approved.
    assert LessonCompletion.objects.filter(lesson__module__course__programme=historical).exists()
    answers = Submission.objects.filter(assignment__course__programme=historical)
    assert answers.exists() and not answers.exclude(status=Submission.Status.APPROVED).exists()

    # Every model library's report of every half-year approved (and frozen).
    reports = ProgressReport.objects.filter(model_library__programme=historical)
    assert reports.count() == 5 * 4
    assert all(r.status == ProgressReport.Status.APPROVED and r.frozen for r in reports)

    # Every placement over, with its report, the host's feedback and its costs.
    applications = Application.objects.filter(offer__programme=historical)
    assert set(applications.values_list("status", flat=True)) == {Application.Status.APPROVED}
    placements = Placement.objects.filter(application__offer__programme=historical)
    assert placements.count() == applications.count() >= 5
    homes = placements.values_list("application__home_library__county__number", flat=True)
    assert set(homes) == FIVE
    for placement in placements:
        assert placement.ends_on.year in (2011, 2012)
        decided = placement.application.decisions.values_list("decided_at__year", flat=True)
        assert len(decided) == 3 and set(decided) <= {2011, 2012}
        assert placement.report and placement.feedback
        assert all(line.actual for line in placement.budget_lines.all())


def test_loading_twice_changes_nothing(demo):
    models = (User, Programme, Survey, Registration, ProgressReport, Placement, Submission)
    before = {model: model.objects.count() for model in models}
    _load()
    assert {model: model.objects.count() for model in models} == before
    assert Programme.objects.count() == 2


def test_the_historical_programme_has_a_generated_report_to_the_funder(demo, client, settings):
    from portal.models import FunderReport
    from portal.settings import test as test_settings

    # The demo was loaded once for this module, into the tests' media folder, before each
    # test's own.
    settings.MEDIA_ROOT = test_settings.MEDIA_ROOT
    report = FunderReport.objects.get()
    assert report.programme == historical_programme()
    assert (report.status, report.language, report.year) == ("done", "nb", None)
    client.force_login(report.created_by)
    page = client.get(reverse("funder_report", args=[report.programme_id, 2012])).content.decode()
    pdf = reverse("funder_report_download", args=[report.programme_id, report.pk, "pdf"])
    assert pdf in page
    assert b"".join(client.get(pdf).streaming_content).startswith(b"%PDF")
