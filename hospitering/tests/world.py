"""The exchange's part of the crawl world: `populate(world)` creates one object of each kind in
each state, in both counties of the `world` fixture (conftest.py), for the crawl over every URL
as every role and for the generic policy test.

In each county: an open offer hosted by the county's public library (with applications from the
other county in every state: waiting at each step, changes asked for, approved with a placement
that has a budget line, rejected, withdrawn), a closed offer and a withdrawn offer, and a
completed placement with its report and feedback.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from hospitering.models import (
    Application,
    BudgetLine,
    HostFeedback,
    Offer,
    OfferPeriod,
    Placement,
    PlacementReport,
)
from portal.models import FundingSource
from tests.world import pages

from .factories import OfferFactory, application_at

STATES = ("leader", "home", "host", "changes", "approved", "rejected", "withdrawn")


def populate(world) -> dict:
    funding, _created = FundingSource.objects.get_or_create(
        programme=world.programme,
        name="Nasjonalbiblioteket",
        defaults={"amount": Decimal("300000")},
    )
    made: dict = {"offers": {}, "applications": {}, "placements": {}}
    sides = (
        ("a", world.library_a, world.library_b, world.staff_b),
        ("b", world.library_b, world.library_a, world.staff_a),
    )
    for key, host, home, applicant in sides:
        offer = OfferFactory(
            programme=world.programme,
            host_library=host,
            competence_areas=world.areas[:2],
            periods=[(30 + 10 * index, 8, 2) for index in range(len(STATES))],
        )
        made["offers"][key] = offer
        periods = list(offer.periods.order_by("starts_on"))
        for state, period in zip(STATES, periods, strict=True):
            application = application_at(world, state, offer, applicant, home, period=period)
            made["applications"][(key, state)] = application
        placement = Placement.objects.get(application=made["applications"][(key, "approved")])
        BudgetLine.objects.create(
            placement=placement,
            kind=BudgetLine.Kind.TRAVEL,
            planned=Decimal("2500"),
            funding_source=funding,
        )
        made["placements"][(key, "planned")] = placement
        made["offers"][(key, "closed")] = OfferFactory(
            programme=world.programme, host_library=host, status=Offer.Status.CLOSED
        )
        made["offers"][(key, "withdrawn")] = OfferFactory(
            programme=world.programme, host_library=host, status=Offer.Status.WITHDRAWN
        )
        made["placements"][(key, "completed")] = _completed(world, offer, applicant, home, funding)
    return made


def _completed(world, offer, applicant, home, funding) -> Placement:
    """A placement that has ended, with a report, the host's feedback and its costs (written
    directly: the services accept no days in the past)."""
    today = timezone.localdate()
    period = offer.periods.create(
        starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=10), places=1
    )
    application = Application.objects.create(
        offer=offer,
        period=period,
        applicant=applicant,
        home_library=home,
        starts_on=period.starts_on,
        ends_on=period.starts_on + timedelta(days=2),
        learning_goals="Partnerskap.",
        sharing_plan="Personalmøte.",
        estimated_cost=Decimal("4000"),
        status=Application.Status.APPROVED,
        step=None,
    )
    placement = Placement.objects.create(
        application=application,
        starts_on=application.starts_on,
        ends_on=application.ends_on,
        host_contact="Vera Vert",
    )
    BudgetLine.objects.create(
        placement=placement,
        kind=BudgetLine.Kind.ACCOMMODATION,
        planned=Decimal("1500"),
        actual=Decimal("1400"),
        funding_source=funding,
    )
    PlacementReport.objects.create(
        placement=placement, learnt="Mye.", changes_at_home="Nytt forum.", shared="Møte."
    )
    HostFeedback.objects.create(placement=placement, feedback="Godt besøk.")
    return placement


PAGES = [
    pages(
        Offer,
        "hospitering:offer_detail",
        "hospitering:offer_update",
        "hospitering:offer_status",
        "hospitering:offer_withdraw",
        "hospitering:period_add",
        "hospitering:application_create",
    ),
    pages(
        OfferPeriod,
        "hospitering:period_update",
        kwargs=lambda period: {"pk": period.offer_id, "period_pk": period.pk},
        owner=lambda period: period.offer,
    ),
    pages(
        Application,
        "hospitering:application_detail",
        "hospitering:application_update",
        "hospitering:application_decide",
        "hospitering:application_withdraw",
    ),
    pages(
        Placement,
        "hospitering:placement_detail",
        "hospitering:placement_update",
        "hospitering:budget_line_add",
        "hospitering:report_write",
        "hospitering:feedback_write",
        "hospitering:placement_ics",
    ),
    pages(
        BudgetLine,
        "hospitering:budget_line_update",
        kwargs=lambda line: {"pk": line.placement_id, "line_pk": line.pk},
        owner=lambda line: line.placement,
    ),
]
