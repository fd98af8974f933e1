"""Home-page actions with the count of what waits, the demo exchange, and the admin."""

import pytest
from django.urls import reverse
from django.utils import timezone

from hospitering.home_actions import exchange_actions
from hospitering.models import Application, Decision, Offer, Placement
from portal.demo import CURRENT_PROGRAMME
from portal.models import Programme

from .factories import OfferFactory, application_at

pytestmark = pytest.mark.django_db


def _actions(user, programme):
    return {a.url: a.count for a in exchange_actions(user=user, programme=programme)}


def test_home_actions_show_what_waits(world):
    offer = OfferFactory(programme=world.programme, host_library=world.library_a)
    application_at(world, "leader", offer, world.staff_b, world.library_b)
    decide = reverse("hospitering:decide_list")
    assert _actions(world.library_leader_b, world.programme)[decide] == 1
    assert decide not in _actions(world.library_leader_a, world.programme)
    assert decide not in _actions(world.staff_b, world.programme)
    assert any("/hospitering/" in url for url in _actions(world.staff_b, world.programme))
    assert _actions(world.outsider, world.programme) == {}


def test_demo_exchange_has_every_state_and_loads_once():
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 - idempotent
    current = Programme.objects.get(name=CURRENT_PROGRAMME)
    offers = Offer.objects.filter(programme=current).select_related("host_library__county")
    assert {o.host_library.county.number for o in offers} == {"16", "04", "15", "17", "05"}
    assert offers.count() == 5
    applications = Application.objects.filter(offer__programme=current)
    statuses = set(applications.values_list("status", flat=True))
    assert statuses == set(Application.Status.values)
    steps = set(applications.filter(status="pending").values_list("step", flat=True))
    assert steps == set(Application.Step.values)
    placements = Placement.objects.filter(application__offer__programme=current)
    completed = placements.filter(report__isnull=False, feedback__isnull=False)
    assert completed.count() == 6
    assert all(p.budget_lines.count() == 3 for p in completed)
    assert completed.order_by().values("application__home_library__county").distinct().count() == 5
    # One visit ended last week: its report and the host's feedback are still to come.
    waiting = placements.filter(report__isnull=True, ends_on__lt=timezone.localdate())
    assert waiting.count() == 1
    assert Decision.objects.filter(outcome=Decision.Outcome.REJECTED).exclude(reason="").exists()
    # The 2011–2012 programme is over: every placement with its report and feedback.
    historical = Placement.objects.exclude(application__offer__programme=current)
    assert historical.count() == 7
    assert not historical.filter(report__isnull=True).exists()
    assert not historical.filter(feedback__isnull=True).exists()


def test_admin_uses_the_policy(world, client_for):
    OfferFactory(programme=world.programme, host_library=world.library_a)
    admin = client_for(world.site_admin)
    for model in ("offer", "application", "placement"):
        assert admin.get(reverse(f"admin:hospitering_{model}_changelist")).status_code == 200
    coordinator = client_for(world.coordinator_a)
    response = coordinator.get(reverse("admin:hospitering_offer_changelist"))
    assert response.status_code in (302, 403)
