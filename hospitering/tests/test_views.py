"""The exchange's pages through the test client: who gets what, bad input kept, nothing stored."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from hospitering.models import Application, Offer, Placement
from portal.tests.pages import home_waiting

from .factories import OfferFactory, application_at
from .world import populate

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(world):
    return populate(world)


def url(name, *args):
    return reverse(f"hospitering:{name}", args=args)


def test_every_page_answers_each_role(world, made, client_for):
    """No page fails for anyone; out of scope is 404 exactly like missing; forbidden is 403."""
    application = made["applications"][("a", "host")]
    placement = made["placements"][("a", "completed")]
    offer = made["offers"]["a"]
    pages = [
        url("offer_list"),
        url("offer_detail", offer.pk),
        url("application_detail", application.pk),
        url("placement_detail", placement.pk),
        url("my_applications"),
        url("decide_list"),
        url("calendar"),
        url("calendar_ics"),
        url("my_calendar_ics"),
        url("placement_ics", placement.pk),
    ]
    for name in world.people():
        client = client_for(getattr(world, name))
        for page in pages:
            status = client.get(page).status_code
            assert status in (200, 404), (name, page, status)
    staff_a = client_for(world.staff_a)
    assert staff_a.get(url("application_detail", application.pk)).status_code == 404
    assert staff_a.get(url("application_detail", 999999)).status_code == 404
    assert staff_a.get(url("offer_update", offer.pk)).status_code == 403
    staff_b = client_for(world.staff_b)
    assert (
        staff_b.post(url("application_decide", application.pk), {"outcome": "approved"}).status_code
        == 403
    )
    assert Application.objects.get(pk=application.pk).step == Application.Step.HOST


def test_publish_an_offer_with_periods(world, client_for):
    client = client_for(world.library_leader_a)
    start = timezone.localdate() + timedelta(days=40)
    data = {
        "host_library": world.library_a.pk,
        "title": "Tre dager i Trondheim",
        "competence_areas": [world.areas[1].pk],
        "languages": "norsk",
        "address": "Peter Egges plass 1",
        "contact_name": "Vera Vert",
        "contact_email": "vera@example.no",
        "periods-TOTAL_FORMS": "3",
        "periods-INITIAL_FORMS": "0",
        "periods-MIN_NUM_FORMS": "0",
        "periods-MAX_NUM_FORMS": "12",
    }
    # No period: refused, nothing stored, the input kept.
    response = client.post(url("offer_create"), data)
    assert response.status_code == 400
    assert "Add at least one period" in response.content.decode()
    assert 'value="Tre dager i Trondheim"' in response.content.decode()
    assert not Offer.objects.exists()
    data |= {
        "periods-0-starts_on": start.isoformat(),
        "periods-0-ends_on": (start + timedelta(days=20)).isoformat(),
        "periods-0-places": "2",
    }
    response = client.post(url("offer_create"), data)
    offer = Offer.objects.get()
    assert response.status_code == 302 and response["Location"] == url("offer_detail", offer.pk)
    assert offer.periods.get().places == 2
    # Staff of the library cannot publish.
    assert client_for(world.staff_a).get(url("offer_create")).status_code == 403


def test_apply_bad_input_is_kept_and_nothing_stored(world, client_for):
    offer = OfferFactory(programme=world.programme, host_library=world.library_a)
    period = offer.periods.get()
    client = client_for(world.staff_b)
    data = {
        "period": period.pk,
        "home_library": world.library_b.pk,
        "starts_on": (period.ends_on + timedelta(days=1)).isoformat(),
        "ends_on": (period.ends_on + timedelta(days=2)).isoformat(),
        "learning_goals": "Lære om partnerskap med skolene",
        "sharing_plan": "Personalmøte",
        "estimated_cost": "4500",
    }
    response = client.post(url("application_create", offer.pk), data)
    assert response.status_code == 400
    assert "Choose days inside the period you chose" in response.content.decode()
    assert "Lære om partnerskap med skolene" in response.content.decode()
    assert not Application.objects.exists()
    data |= {"starts_on": period.starts_on.isoformat(), "ends_on": period.starts_on.isoformat()}
    response = client.post(url("application_create", offer.pk), data)
    application = Application.objects.get()
    assert response["Location"] == url("application_detail", application.pk)
    # Applying to one's own library.
    response = client_for(world.staff_a).post(
        url("application_create", offer.pk), data | {"home_library": world.library_a.pk}
    )
    assert response.status_code == 400
    assert "You work at the host library" in response.content.decode()


def test_decide_from_the_list_and_reject_with_a_reason(world, client_for):
    offer = OfferFactory(programme=world.programme, host_library=world.library_a)
    application = application_at(world, "leader", offer, world.staff_b, world.library_b)
    client = client_for(world.library_leader_b)
    page = client.get(url("decide_list")).content.decode()
    assert url("application_detail", application.pk) in page
    home = client.get(reverse("home")).content.decode()
    assert home_waiting(home)["Job shadowing applications to decide"] == 1
    response = client.post(url("application_decide", application.pk), {"outcome": "rejected"})
    assert response.status_code == 400
    assert "Give a reason for the rejection." in response.content.decode()
    response = client.post(
        url("application_decide", application.pk), {"outcome": "rejected", "reason": "Ikke nå"}
    )
    assert response["Location"] == url("decide_list")
    assert Application.objects.get(pk=application.pk).status == Application.Status.REJECTED
    assert (
        url("application_detail", application.pk)
        not in client.get(url("decide_list")).content.decode()
    )


def test_reports_are_not_for_the_host_library_leader(world, made, client_for):
    placement = made["placements"][("a", "completed")]
    for name, sees in (
        ("coordinator_a", True),
        ("library_leader_b", True),
        ("library_leader_a", False),
        ("staff_b", True),
    ):
        page = client_for(getattr(world, name)).get(url("placement_detail", placement.pk))
        assert ("Nytt forum." in page.content.decode()) == sees, name


def test_calendar_per_county_and_host_and_ics(world, made, client_for):
    client = client_for(world.project_leader)
    everything = client.get(url("calendar")).context["months"]
    assert sum(len(m.placements) for m in everything) == 4
    by_host = client.get(url("calendar"), {"host": world.library_a.pk}).context["months"]
    hosts = {p.application.offer.host_library_id for m in by_host for p in m.placements}
    assert hosts == {world.library_a.pk}
    ics = client.get(url("calendar_ics"), {"county": world.county_a.pk})
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert len(events) == 4  # county A hosts two and sends two
    one = client_for(world.staff_b).get(
        url("placement_ics", made["placements"][("a", "planned")].pk)
    )
    (event,) = Calendar.from_ical(one.content).walk("VEVENT")
    placement = made["placements"][("a", "planned")]
    assert event.decoded("dtstart") == placement.starts_on
    assert event.decoded("dtend") == placement.ends_on + timedelta(days=1)
    assert str(event["uid"]) == f"placement-{placement.pk}@kompetanseportalen"
    mine = client_for(world.library_leader_a).get(url("my_calendar_ics"))
    assert (
        len(Calendar.from_ical(mine.content).walk("VEVENT"))
        == Placement.objects.filter(application__offer__host_library=world.library_a).count()
    )


def test_dashboard_panel_counts_placements_and_costs(world, made, client_for):
    page = client_for(world.project_leader).get(
        reverse("programme_dashboard", args=[world.programme.pk])
    )
    panel = next(p for p in page.context["panels"] if p.key == "exchange")
    rows = {row.label: row for row in panel.context["rows"]}
    # Each county sends one planned and one completed placement (with report and feedback).
    for county in (world.county_a, world.county_b):
        row = rows[county.name]
        assert (row.placements, row.completed, row.reports, row.feedback) == (2, 1, 1, 1)
        assert (row.planned, row.actual) == (4000, 1400)
        # The completed placement with a report counts towards both areas of its offer.
        assert row.per_area == [1, 1] + [0] * (len(world.areas) - 2)
    assert panel.context["total"].planned == 8000
    assert panel.context["total"].per_area == [2, 2] + [0] * (len(world.areas) - 2)
    assert panel.context["areas"] == [area.name for area in world.areas]
    coordinator = client_for(world.coordinator_a).get(
        reverse("programme_dashboard", args=[world.programme.pk])
    )
    panel = next(p for p in coordinator.context["panels"] if p.key == "exchange")
    assert [row.label for row in panel.context["rows"]] == [world.county_a.name]
    assert panel.context["total"] is None


def test_offer_list_filters_by_area_county_period_and_free_places(world, client_for):
    """Staff narrow the open offers across counties: by competence area, host county, dates
    and free places (a full period is left out, the offer's other periods stay)."""
    north = OfferFactory(
        programme=world.programme,
        host_library=world.library_a,
        competence_areas=[world.areas[0]],
        periods=[(30, 10, 1), (120, 10, 1)],
        title="Nord",
    )
    south = OfferFactory(
        programme=world.programme,
        host_library=world.library_b,
        competence_areas=[world.areas[1]],
        periods=[(90, 10, 2)],
        title="Sør",
    )
    application_at(world, "approved", north, world.staff_b, world.library_b)  # fills period 1
    client = client_for(world.staff_a)

    def listed(**params):
        rows = client.get(url("offer_list"), params).context["rows"]
        return {row.offer.title: [p.starts_on for p in row.periods] for row in rows}

    def days(n):
        return timezone.localdate() + timedelta(days=n)

    assert set(listed()) == {"Nord", "Sør"}
    assert set(listed(area=world.areas[0].pk)) == {"Nord"}
    assert set(listed(county=world.county_b.pk)) == {"Sør"}
    assert set(listed(from_date=days(80), to_date=days(100))) == {"Sør"}
    assert set(listed(to_date=days(50))) == {"Nord"}
    free = listed(free_places="on")
    assert free == {"Nord": [days(120)], "Sør": [days(90)]}
    assert set(listed(free_places="on", area=world.areas[0].pk, to_date=days(50))) == set()
    page = client.get(url("offer_list"), {"county": world.county_b.pk}).content.decode()
    assert url("offer_detail", south.pk) in page and url("offer_detail", north.pk) not in page


def test_offer_page_shows_the_free_places_of_each_period(world, client_for):
    offer = OfferFactory(
        programme=world.programme, host_library=world.library_a, periods=[(30, 8, 2), (60, 8, 1)]
    )
    first, second = offer.periods.order_by("starts_on")
    application_at(world, "approved", offer, world.staff_b, world.library_b, period=first)
    application_at(world, "approved", offer, world.staff_b, world.library_b, period=second)
    html = client_for(world.staff_a).get(url("offer_detail", offer.pk)).content.decode()
    periods_table = html.split("<caption>The periods in which", 1)[1].split("</table>", 1)[0]
    free_column = [
        re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[3].strip()
        for row in re.findall(r"<tr>(.*?)</tr>", periods_table, re.S)
        if "<td" in row
    ]
    assert free_column == ["1", "full"]
