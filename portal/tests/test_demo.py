"""The demo lives: loaded today, every role has real things waiting, every county has people and
figures, and a newcomer can register for a coming gathering."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.models import Library, Programme, RoleAssignment, User
from portal.tests.pages import home_waiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    User.objects.update(preferred_language="en")  # the texts below are the English ones
    return Programme.objects.get(name="Kompetente regionbibliotek")


def _home_of(client, email):
    client.force_login(User.objects.get(email=email))
    return home_waiting(client.get(reverse("home")).content.decode())


def test_every_county_has_people_and_every_role_something_waiting(demo, client):
    staff = RoleAssignment.objects.filter(role=RoleAssignment.Role.STAFF, library__isnull=False)
    per_county = {
        county.number: staff.filter(library__county=county).count()
        for county in demo.counties.all()
    }
    assert set(per_county) == {"16", "04", "15", "17", "05"}
    assert all(count >= 50 for count in per_county.values()), per_county
    assert sum(per_county.values()) >= 300

    assert "Surveys to answer" in _home_of(client, "ansatt1.lillehammer@demo.no")
    assert "Course registrations to approve" in _home_of(client, "biblioteksjef.trondheim@demo.no")
    assert "Job shadowing reports to write" in _home_of(client, "ansatt2.molde@demo.no")
    assert "Feedback to give as host" in _home_of(client, "biblioteksjef.hamar@demo.no")
    assert "Job shadowing applications to decide" in _home_of(client, "koordinator.hedmark@demo.no")
    assert "Gatherings coming up" in _home_of(client, "ansatt1.steinkjer@demo.no")


def test_the_dashboard_shows_figures_for_all_five_counties(demo, client):
    client.force_login(User.objects.get(email="prosjektleder@demo.no"))
    page = client.get(reverse("programme_dashboard", args=[demo.pk])).content.decode()
    for library in Library.objects.filter(kind=Library.Kind.COUNTY, county__programmes=demo):
        assert library.county.name in page
    assert "too few answers" in page  # the last county's follow-up is still under the threshold


def test_the_demo_has_a_generated_report_to_the_funder(demo, client):
    from portal.models import FunderReport

    report = FunderReport.objects.get()
    assert (report.status, report.language, report.year) == ("done", "nb", None)
    client.force_login(report.created_by)
    year = report.programme.start_date.year
    page = client.get(reverse("funder_report", args=[report.programme_id, year])).content.decode()
    pdf = reverse("funder_report_download", args=[report.programme_id, report.pk, "pdf"])
    assert pdf in page
    assert b"".join(client.get(pdf).streaming_content).startswith(b"%PDF")
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - loaded again
    assert FunderReport.objects.count() == 1
