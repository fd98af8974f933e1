"""Each constraint of the job-shadowing exchange, violated through the form a person would use
(the person is whoever the policy names for the action)."""

from datetime import timedelta

from django.urls import reverse

from hospitering.models import Application, Placement
from portal.models import FundingSource
from portal.permissions import users_for

from .factories import OfferFactory, application_at, apply


def _offer(world):
    return OfferFactory(programme=world.programme, host_library=world.library_a)


def _as(client_for, action, obj):
    return client_for(users_for(action, obj).order_by("pk").first())


def _period(world, client_for, **changes):
    offer = _offer(world)
    period = offer.periods.get()
    data = {
        "starts_on": period.starts_on.isoformat(),
        "ends_on": period.ends_on.isoformat(),
        "places": "2",
        **changes,
    }
    return _as(client_for, "manage", offer).post(
        reverse("hospitering:period_update", args=[offer.pk, period.pk]), data
    )


def period_ends_before_start(world, client_for):
    offer_start = _offer(world).periods.get().starts_on
    return _period(world, client_for, ends_on=(offer_start - timedelta(days=3)).isoformat())


def period_without_places(world, client_for):
    return _period(world, client_for, places="0")


def _application_data(period, **changes):
    return {
        "period": period.pk,
        "starts_on": period.starts_on.isoformat(),
        "ends_on": (period.starts_on + timedelta(days=1)).isoformat(),
        "learning_goals": "Lære om partnerskap",
        "sharing_plan": "Personalmøte",
        "estimated_cost": "4500",
        **changes,
    }


def application_ends_before_start(world, client_for):
    offer = _offer(world)
    period = offer.periods.get()
    data = _application_data(
        period,
        home_library=world.library_b.pk,
        ends_on=(period.starts_on - timedelta(days=1)).isoformat(),
    )
    return client_for(world.staff_b).post(
        reverse("hospitering:application_create", args=[offer.pk]), data
    )


def applies_twice(world, client_for):
    offer = _offer(world)
    period = offer.periods.get()
    apply(offer, world.staff_b, world.library_b)
    data = _application_data(period, home_library=world.library_b.pk)
    response = client_for(world.staff_b).post(
        reverse("hospitering:application_create", args=[offer.pk]), data
    )
    assert Application.objects.filter(applicant=world.staff_b).count() == 1
    return response


def decides_at_the_last_step(world, client_for):
    # The step is the service's to move (it clears it with the final decision); the decision
    # form has no say in it.
    application = application_at(world, "host", _offer(world), world.staff_b, world.library_b)
    response = _as(client_for, "decide", application).post(
        reverse("hospitering:application_decide", args=[application.pk]),
        {"outcome": "approved"},
        follow=True,
    )
    application.refresh_from_db()
    assert (application.status, application.step) == ("approved", None)
    return response


def _placement(world):
    application = application_at(world, "approved", _offer(world), world.staff_b, world.library_b)
    return Placement.objects.get(application=application)


def placement_ends_before_start(world, client_for):
    placement = _placement(world)
    data = {
        "starts_on": placement.starts_on.isoformat(),
        "ends_on": (placement.starts_on - timedelta(days=1)).isoformat(),
        "host_contact": "Vera Vert",
        "day_programme": "Dag 1: formidling.",
    }
    return _as(client_for, "manage", placement).post(
        reverse("hospitering:placement_update", args=[placement.pk]), data
    )


def _budget(world, client_for, **changes):
    placement = _placement(world)
    funder = FundingSource.objects.create(
        programme=world.programme, name="Nasjonalbiblioteket", amount=300000
    )
    data = {"kind": "travel", "planned": "1200", "actual": "", "funding_source": funder.pk}
    return _as(client_for, "edit_budget", placement).post(
        reverse("hospitering:budget_line_add", args=[placement.pk]), {**data, **changes}
    )


def planned_below_zero(world, client_for):
    return _budget(world, client_for, planned="-100")


def actual_below_zero(world, client_for):
    return _budget(world, client_for, actual="-100")


CASES = {
    "offer_period_ends_after": (
        period_ends_before_start,
        "The period must end on or after the day it starts.",
    ),
    "offer_period_has_places": (period_without_places, "A period needs at least one place."),
    "application_ends_after": (
        application_ends_before_start,
        "The last day must be on or after the first day.",
    ),
    "application_one_active_per_period": (applies_twice, "already"),
    "application_step_only_when_pending": (
        decides_at_the_last_step,
        "Your decision is saved; everyone involved is told.",
    ),
    "placement_ends_after": (placement_ends_before_start, "end"),
    "budget_planned_not_negative": (planned_below_zero, "greater than or equal to 0"),
    "budget_actual_not_negative": (actual_below_zero, "greater than or equal to 0"),
}
