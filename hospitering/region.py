"""The exchange's part of the generated regional programme: 200 placements.

Forty host libraries offer stays, each with a period last autumn and one in the coming months.
Staff from other counties have been approved through every step (their library leader, their
county's coordinator, the host): three quarters of the placements are over, with costs, a report
and the host's feedback; the rest are still to come, with a planned budget. Sixty applications
wait for a decision at one of the steps, so that every decider has a queue.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse

from portal.models import FundingSource
from portal.region import (
    PageVisit,
    Region,
    register_pages,
    register_region,
    register_region_cleanup,
)

from .models import (
    Application,
    BudgetLine,
    Decision,
    HostFeedback,
    Offer,
    OfferPeriod,
    Placement,
    PlacementReport,
)

Status, Step, Outcome = Application.Status, Application.Step, Decision.Outcome
OFFERS = 40
PLACEMENTS = 200
PAST_SHARE = 0.75
WAITING = 60
THEMES = ["Formidling og arrangementer", "Samarbeid med skolen", "Digitale tjenester", "Makerspace"]


def _offers(region: Region, rng) -> list[Offer]:
    hosts = rng.sample(region.libraries, min(region.size(OFFERS), len(region.libraries)))
    offers = Offer.objects.bulk_create(
        [
            Offer(
                programme=region.programme,
                host_library=host,
                title=f"Hospitering ved {host.name}",
                description=f"{host.name} tar imot kolleger fra andre fylker i to til fem dager.",
                themes=rng.choice(THEMES),
                languages="norsk",
                address=f"{host.name}, sentrum",
                contact_name="Vertskontakt",
                contact_email=f"vert.{host.pk}@region.example",
                preparation="Ta med en kort presentasjon av ditt eget bibliotek.",
                accessibility="Trinnfri adkomst og heis.",
                helps_with_accommodation=rng.random() < 0.3,
                created_by=region.library_leaders.get(host.pk, region.leader),
            )
            for host in hosts
        ]
    )
    Areas = Offer.competence_areas.through
    Areas.objects.bulk_create(
        [
            Areas(offer=offer, competencearea=area)
            for offer in offers
            for area in rng.sample(region.areas, min(2, len(region.areas)))
        ]
    )
    return offers


def _periods(region: Region, offers: list[Offer]) -> dict[int, tuple[OfferPeriod, OfferPeriod]]:
    today = region.now.date()
    past_start, coming_start = today - timedelta(days=300), today + timedelta(days=30)
    periods = OfferPeriod.objects.bulk_create(
        [
            OfferPeriod(offer=offer, starts_on=start, ends_on=start + timedelta(days=90), places=3)
            for offer in offers
            for start in (past_start, coming_start)
        ]
    )
    return {offer.pk: (periods[2 * i], periods[2 * i + 1]) for i, offer in enumerate(offers)}


def _approvers(region: Region, application: Application, offer: Offer):
    home = application.home_library
    return (
        region.library_leaders.get(home.pk, region.leader),
        region.coordinators.get(home.county_id, region.leader),
        region.library_leaders.get(offer.host_library_id, region.leader),
    )


@register_region
def exchange_region(region: Region) -> str:
    rng = region.random("hospitering")
    offers = _offers(region, rng)
    periods = _periods(region, offers)
    funding = FundingSource.objects.create(
        programme=region.programme, name="Nasjonalbiblioteket (hospitering)", amount=2_000_000
    )
    placements_wanted, waiting_wanted = region.size(PLACEMENTS), region.size(WAITING)
    applicants = rng.sample(
        region.staff, min(placements_wanted + waiting_wanted, len(region.staff))
    )
    applications, plans = [], []
    for index, applicant in enumerate(applicants):
        home = region.library_of[applicant.pk]
        elsewhere = [o for o in offers if o.host_library.county_id != home.county_id] or offers
        offer = rng.choice(elsewhere)
        placed = index < placements_wanted
        past = placed and index < round(placements_wanted * PAST_SHARE)
        period = periods[offer.pk][0 if past else 1]
        start = period.starts_on + timedelta(days=rng.randrange(0, 80))
        step = None if placed else rng.choice(Application.STEPS)
        applications.append(
            Application(
                offer=offer,
                period=period,
                applicant=applicant,
                home_library=home,
                starts_on=start,
                ends_on=start + timedelta(days=rng.randint(2, 5) - 1),
                learning_goals="Lære hvordan vertsbiblioteket samarbeider med kommunen.",
                sharing_plan="Innlegg på personalmøtet og et kort notat til kollegene.",
                estimated_cost=Decimal(rng.randrange(3000, 12000, 100)),
                budget_note="Tog og netter på hotell.",
                status=Status.APPROVED if placed else Status.PENDING,
                step=step,
            )
        )
        plans.append((offer, placed, step))
    applications = Application.objects.bulk_create(applications, batch_size=1000)
    decisions, placements = [], []
    for application, (offer, placed, step) in zip(applications, plans, strict=True):
        steps = Application.STEPS if placed else Application.STEPS[: Application.STEPS.index(step)]
        approvers = _approvers(region, application, offer)
        decisions += [
            Decision(application=application, step=s, outcome=Outcome.APPROVED, decided_by=by)
            for s, by in zip(steps, approvers, strict=False)
        ]
        if placed:
            placements.append(
                Placement(
                    application=application,
                    starts_on=application.starts_on,
                    ends_on=application.ends_on,
                    host_contact=f"{offer.contact_name}, {offer.contact_email}",
                    day_programme="Dag 1: omvisning.\nDag 2: arrangementer.\nDag 3: samarbeid.",
                )
            )
    Decision.objects.bulk_create(decisions, batch_size=2000)
    placements = Placement.objects.bulk_create(placements, batch_size=1000)
    past_placements = [p for p in placements if p.ends_on < region.now.date()]
    lines = []
    for placement in placements:
        over = placement in past_placements
        for kind, planned in (
            (BudgetLine.Kind.TRAVEL, rng.randrange(1500, 4000, 100)),
            (BudgetLine.Kind.ACCOMMODATION, rng.randrange(1000, 5000, 100)),
            (BudgetLine.Kind.PER_DIEM, 400 * (placement.ends_on - placement.starts_on).days + 400),
        ):
            actual = Decimal(planned + rng.randrange(-300, 300, 10)) if over else None
            lines.append(
                BudgetLine(
                    placement=placement,
                    kind=kind,
                    planned=Decimal(planned),
                    actual=actual,
                    funding_source=funding,
                )
            )
    BudgetLine.objects.bulk_create(lines, batch_size=2000)
    PlacementReport.objects.bulk_create(
        [
            PlacementReport(
                placement=placement,
                learnt="Hvordan biblioteket bygger partnerskap med frivillige og kommunen.",
                changes_at_home="Vi starter et samarbeidsforum med kulturkontoret.",
                shared="Presentasjon på personalmøtet.",
            )
            for placement in past_placements
        ]
    )
    HostFeedback.objects.bulk_create(
        [
            HostFeedback(
                placement=placement,
                feedback="Et godt besøk med gode spørsmål.",
                author=region.library_leaders.get(
                    placement.application.offer.host_library_id, region.leader
                ),
            )
            for placement in past_placements
        ]
    )
    return (
        f"{len(offers)} exchange offers, {len(placements)} placements "
        f"({len(past_placements)} over, with reports), {len(applications) - len(placements)} "
        "applications waiting for a decision"
    )


@register_region_cleanup
def exchange_region_delete(programme) -> None:
    # Applications hold their period, budget lines their funding source (both protected).
    Application.objects.filter(offer__programme=programme).delete()


@register_pages
def exchange_pages(programme) -> list[PageVisit]:
    return [
        PageVisit("exchange offers", reverse("hospitering:offer_list"), "staff"),
        PageVisit("exchange decisions", reverse("hospitering:decide_list"), "coordinator"),
    ]
