"""The home page's actions that follow from the rows alone are kept between requests
(`portal.home.register_kept`: the portal's, the survey results', the exchange's and the model
libraries'), per person, programme, language and day: whatever changes what they show, made by
whomever and however, shows at the next read, and nobody sees another person's."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hospitering import services as exchange_services
from hospitering.models import Decision, Placement
from hospitering.tests.factories import OfferFactory, application_at
from modelbibliotek.tests.factories import model_library
from portal.models import RoleAssignment, User
from portal.tests.pages import home_waiting

pytestmark = pytest.mark.django_db

TO_DECIDE = "Job shadowing applications to decide"
MODEL_LIBRARIES = "Goals, indicators, plan anchoring and reports of the model libraries."


@pytest.fixture
def home(client_for):
    def read(person, **headers) -> str:
        response = client_for(person).get(reverse("home"), **headers)
        assert response.status_code == 200
        return response.content.decode()

    return read


@pytest.fixture
def offer(world):
    return OfferFactory(
        programme=world.programme, host_library=world.library_b, periods=[(30, 90, 50)]
    )


def test_what_waits_for_a_decision_shows_at_the_next_read(world, home, offer):
    assert TO_DECIDE not in home(world.library_leader_a)
    assert TO_DECIDE not in home(world.coordinator_a)

    application = application_at(world, "leader", offer, world.staff_a, world.library_a)
    assert home_waiting(home(world.library_leader_a)) == {TO_DECIDE: 1}
    assert TO_DECIDE not in home(world.coordinator_a)  # not at the county's step yet

    exchange_services.application_decide(
        application=application,
        decided_by=world.library_leader_a,
        outcome=Decision.Outcome.APPROVED,
        reason="",
    )
    assert TO_DECIDE not in home(world.library_leader_a)
    assert home_waiting(home(world.coordinator_a)) == {TO_DECIDE: 1}
    assert TO_DECIDE not in home(world.coordinator_b)  # another county's coordinator


def test_a_role_taken_away_or_given_shows_at_the_next_read(world, home, offer):
    model_library(world)
    application_at(world, "home", offer, world.staff_a, world.library_a)
    assert home_waiting(home(world.coordinator_a)) == {TO_DECIDE: 1}
    assert MODEL_LIBRARIES in home(world.coordinator_a)

    RoleAssignment.objects.filter(user=world.coordinator_a).delete()
    shown = home(world.coordinator_a)
    assert TO_DECIDE not in shown and MODEL_LIBRARIES not in shown

    RoleAssignment.objects.create(
        user=world.coordinator_a,
        role=RoleAssignment.Role.COORDINATOR,
        programme=world.programme,
        county=world.county_a,
    )
    assert home_waiting(home(world.coordinator_a)) == {TO_DECIDE: 1}
    assert MODEL_LIBRARIES in home(world.coordinator_a)


def test_a_visit_over_asks_for_its_report_the_next_day_with_no_write(
    world, home, offer, monkeypatch
):
    application = application_at(world, "approved", offer, world.staff_a, world.library_a)
    today = timezone.localdate()
    Placement.objects.filter(application=application).update(
        starts_on=today - timedelta(days=2), ends_on=today
    )
    assert "Job shadowing reports to write" not in home(world.staff_a)  # the visit's last day

    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today + timedelta(days=1))
    assert home_waiting(home(world.staff_a)) == {"Job shadowing reports to write": 1}


def test_each_language_has_its_own_labels(world, home, offer):
    """Without a preferred language, the browser's language decides."""
    leader = world.library_leader_a
    User.objects.filter(pk=leader.pk).update(preferred_language="")
    application_at(world, "leader", offer, world.staff_a, world.library_a)
    assert TO_DECIDE in home(leader, HTTP_ACCEPT_LANGUAGE="en")
    shown = home(leader, HTTP_ACCEPT_LANGUAGE="nb")
    assert TO_DECIDE not in shown and "Hospiteringssøknader å avgjøre" in shown
