"""Factories for the exchange. Applications in a given state are walked through the services
(`application_at`), so tests set up state along the real approval path."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from hospitering import services
from hospitering.models import Application, Decision, Offer, OfferPeriod
from portal.permissions import users_for

Step, Status, Outcome = Application.Step, Application.Status, Decision.Outcome


def days_ahead(n: int):
    return timezone.localdate() + timedelta(days=n)


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer
        skip_postgeneration_save = True

    programme = None  # pass programme=world.programme
    host_library = None  # pass a library of the programme
    title = factory.Sequence(lambda n: f"Hospitering {n}")
    description = "Tre dager med formidling og samarbeid."
    languages = "norsk"
    address = "Torget 1"
    contact_name = "Vera Vert"
    contact_email = factory.Sequence(lambda n: f"vert{n}@example.no")

    @factory.post_generation
    def competence_areas(self, create, extracted, **kwargs):
        if create and extracted:
            self.competence_areas.set(extracted)

    @factory.post_generation
    def periods(self, create, extracted, **kwargs):
        """periods=[(start offset days, length days, places)]; one 30-day period by default."""
        if create:
            for start, length, places in extracted or [(30, 30, 2)]:
                OfferPeriod.objects.create(
                    offer=self,
                    starts_on=days_ahead(start),
                    ends_on=days_ahead(start + length - 1),
                    places=places,
                )


def apply(offer: Offer, user, home_library, *, start: int = 2, days: int = 2, period=None):
    """An application through the service (start: days after the period's first day)."""
    period = period or offer.periods.order_by("starts_on").first()
    return services.application_create(
        applicant=user,
        offer=offer,
        period=period,
        home_library=home_library,
        starts_on=period.starts_on + timedelta(days=start),
        ends_on=period.starts_on + timedelta(days=start + days - 1),
        learning_goals="Lære om partnerskap.",
        sharing_plan="Personalmøte.",
        estimated_cost=Decimal("5000"),
    )


def decide(application, user, outcome=Outcome.APPROVED, reason=""):
    return services.application_decide(
        application=application, decided_by=user, outcome=outcome, reason=reason
    )


def application_at(world, state: str, offer: Offer, applicant, home_library, **kwargs):
    """An application walked to a state: "leader", "home", "host" (pending at that step),
    "changes", "approved", "rejected" or "withdrawn". At each step the first of those the policy
    names (`users_for("decide")`) decides."""
    application = apply(offer, applicant, home_library, **kwargs)
    walk = {
        "leader": [],
        "changes": [(Outcome.CHANGES, "Kortere.")],
        "rejected": [(Outcome.REJECTED, "Ikke nå.")],
        "home": [(Outcome.APPROVED, "")],
        "host": [(Outcome.APPROVED, "")] * 2,
        "approved": [(Outcome.APPROVED, "")] * 3,
    }
    if state == "withdrawn":
        services.application_withdraw(application=application, withdrawn_by=applicant)
    for outcome, reason in walk.get(state, []):
        decider = users_for("decide", application).order_by("pk").first()
        application = decide(application, decider, outcome, reason)
    return Application.objects.get(pk=application.pk)
