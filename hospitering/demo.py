"""The demo exchange: an offer in every county of the demo programme, applications in every
state, completed placements (about ten months ago) with reports, feedback and costs, and one
that ended last week whose report and host feedback are still to come.

Historic placements are written directly (the services refuse days in the past); the open offers
also have a period a few months ahead, so the demo accounts can apply and decide today. Every
date is relative to the calendar's day (portal.demo). In a finished programme every placement is
over, with its report, feedback and costs, and no application waits.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from portal.demo import OSLO, DemoCalendar
from portal.models import CompetenceArea, FundingSource, Library, User

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

# (county number, municipality number or None for the county library, title, area codes)
OFFERS = [
    ("16", "1601", "Hospitering ved Trondheim folkebibliotek", ["partnerskap", "samfunnsaktor"]),
    ("04", "0403", "Hamar bibliotek: samarbeid med kommunen", ["samarbeid", "planarbeid"]),
    ("15", "1502", "Molde bibliotek i kulturhuset", ["samfunnsaktor", "ressursdeling"]),
    ("17", None, "Nord-Trøndelag fylkesbibliotek: regional utvikling", ["politiske-prosesser"]),
    ("05", "0501", "Lillehammer bibliotek: partnerskap i lokalsamfunnet", ["partnerskap"]),
]


def _host(county_number: str, municipality: str | None) -> Library:
    if municipality is None:
        return Library.objects.get(county__number=county_number, kind=Library.Kind.COUNTY)
    return Library.objects.get(municipality_number=municipality, kind=Library.Kind.PUBLIC)


def _decide(application, step, outcome, by, reason=""):
    Decision.objects.create(
        application=application, step=step, outcome=outcome, decided_by=by, reason=reason
    )


@transaction.atomic
def exchange_demo_load(*, programme, calendar: DemoCalendar | None = None) -> None:
    calendar = calendar or DemoCalendar.current()
    if Offer.objects.filter(programme=programme).exists():
        return
    people = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.no")}
    if "ansatt1.trondheim" not in people:
        return  # the demo people are loaded by portal.demo first
    areas = {a.code: a for a in CompetenceArea.objects.filter(programme=programme)}
    ahead = calendar.day(60)
    offers = []
    for number, municipality, title, codes in OFFERS:
        host = _host(number, municipality)
        offer = Offer.objects.create(
            programme=programme,
            host_library=host,
            title=title,
            description=f"{host} tar imot kolleger fra de andre fylkene i to til fem dager.",
            themes="Formidling og arrangementer",
            languages="norsk",
            address=f"{host.name}, sentrum",
            contact_name="Vertskontakt",
            contact_email=f"vert.{number}@demo.no",
            helps_with_accommodation=number in ("15", "17"),
            preparation="Ta med en kort presentasjon av ditt eget bibliotek.",
            accessibility="Trinnfri adkomst og heis.",
        )
        offer.competence_areas.set([areas[c] for c in codes if c in areas])
        OfferPeriod.objects.create(
            offer=offer, starts_on=calendar.day(-340), ends_on=calendar.day(-5), places=3
        )
        OfferPeriod.objects.create(
            offer=offer, starts_on=ahead, ends_on=ahead + timedelta(days=45), places=2
        )
        offers.append(offer)
    trondheim, hamar, molde, nord, lillehammer = offers
    home_t = Library.objects.get(municipality_number="1601", kind=Library.Kind.PUBLIC)
    home_h = Library.objects.get(municipality_number="0403", kind=Library.Kind.PUBLIC)
    leader_t, leader_h = people["biblioteksjef.trondheim"], people["biblioteksjef.hamar"]
    coord_t, coord_h = people["koordinator.sor-trondelag"], people["koordinator.hedmark"]
    project_leader = people["prosjektleder"]

    def apply(offer, person, home, start, days, status, step, cost="6500"):
        period = offer.periods.filter(starts_on__lte=start, ends_on__gte=start).first()
        return Application.objects.create(
            offer=offer,
            period=period,
            applicant=people[person],
            home_library=home,
            starts_on=start,
            ends_on=start + timedelta(days=days - 1),
            learning_goals="Lære hvordan vertsbiblioteket samarbeider med kommunen og frivillige.",
            sharing_plan="Innlegg på personalmøtet og et kort notat til kollegene.",
            estimated_cost=Decimal(cost),
            budget_note="Tog og to netter på hotell.",
            status=status,
            step=step,
        )

    # Completed placements about ten months ago, with reports, feedback and costs.
    funding = list(FundingSource.objects.filter(programme=programme).order_by("-amount"))
    home_m = Library.objects.get(municipality_number="1502", kind=Library.Kind.PUBLIC)
    home_s = Library.objects.get(municipality_number="1702", kind=Library.Kind.PUBLIC)
    leader_m, leader_s = people["biblioteksjef.molde"], people["biblioteksjef.steinkjer"]
    coord_m, coord_s = people["koordinator.more-og-romsdal"], people["koordinator.nord-trondelag"]
    leader_l, coord_o = people["biblioteksjef.lillehammer"], people["koordinator.oppland"]
    home_l = Library.objects.get(municipality_number="0501", kind=Library.Kind.PUBLIC)
    for offer, person, home, start, approvers in (
        (hamar, "ansatt1.trondheim", home_t, calendar.day(-330), (leader_t, coord_t, leader_h)),
        (molde, "ansatt1.hamar", home_h, calendar.day(-320), (leader_h, coord_h, project_leader)),
        (trondheim, "ansatt2.hamar", home_h, calendar.day(-300), (leader_h, coord_h, leader_t)),
        (lillehammer, "ansatt1.molde", home_m, calendar.day(-280), (leader_m, coord_m, leader_l)),
        (trondheim, "ansatt1.steinkjer", home_s, calendar.day(-250), (leader_s, coord_s, leader_t)),
        (nord, "ansatt1.lillehammer", home_l, calendar.day(-230), (leader_l, coord_o, coord_s)),
    ):
        application = apply(offer, person, home, start, 3, Status.APPROVED, None)
        for step, by in zip(Application.STEPS, approvers, strict=True):
            _decide(application, step, Outcome.APPROVED, by)
        _completed(application, offer, host=approvers[2], funding=funding[0])
    # A visit that ended last week: the report and the host's feedback are still to come (in a
    # finished programme they came in).
    recent = apply(hamar, "ansatt2.molde", home_m, calendar.day(-9), 3, Status.APPROVED, None)
    for step, by in zip(Application.STEPS, (leader_m, coord_m, leader_h), strict=True):
        _decide(recent, step, Outcome.APPROVED, by)
    if calendar.finished:
        _completed(recent, hamar, host=leader_h, funding=funding[0])
        return
    Placement.objects.create(
        application=recent,
        starts_on=recent.starts_on,
        ends_on=recent.ends_on,
        host_contact=f"{hamar.contact_name}, {hamar.contact_email}",
    )
    # Applications in every other state, for the coming period.
    later = ahead + timedelta(days=7)
    apply(lillehammer, "ansatt2.trondheim", home_t, later, 2, Status.PENDING, Step.LIBRARY_LEADER)
    waiting_home = apply(nord, "ansatt1.hamar", home_h, later, 3, Status.PENDING, Step.HOME_COUNTY)
    _decide(waiting_home, Step.LIBRARY_LEADER, Outcome.APPROVED, leader_h)
    waiting_host = apply(hamar, "ansatt1.trondheim", home_t, later, 2, Status.PENDING, Step.HOST)
    _decide(waiting_host, Step.LIBRARY_LEADER, Outcome.APPROVED, leader_t)
    _decide(waiting_host, Step.HOME_COUNTY, Outcome.APPROVED, coord_t)
    changes = apply(molde, "ansatt2.hamar", home_h, later, 4, Status.CHANGES_REQUESTED, None)
    _decide(
        changes,
        Step.LIBRARY_LEADER,
        Outcome.CHANGES,
        leader_h,
        "Tre dager holder; kortere opphold.",
    )
    rejected = apply(
        lillehammer, "ansatt2.hamar", home_h, later + timedelta(days=10), 2, Status.REJECTED, None
    )
    _decide(
        rejected, Step.LIBRARY_LEADER, Outcome.REJECTED, leader_h, "Vi har ikke bemanning den uka."
    )
    withdrawn = apply(
        trondheim, "ansatt1.hamar", home_h, later + timedelta(days=20), 2, Status.WITHDRAWN, None
    )
    _decide(withdrawn, Step.LIBRARY_LEADER, Outcome.WITHDRAWN, people["ansatt1.hamar"])
    approved = apply(
        hamar,
        "ansatt2.trondheim",
        home_t,
        later + timedelta(days=20),
        3,
        Status.APPROVED,
        None,
        "7200",
    )
    for step, by in zip(Application.STEPS, (leader_t, coord_t, leader_h), strict=True):
        _decide(approved, step, Outcome.APPROVED, by)
    placement = Placement.objects.create(
        application=approved,
        starts_on=approved.starts_on,
        ends_on=approved.ends_on,
        host_contact=f"{hamar.contact_name}, {hamar.contact_email}",
    )
    BudgetLine.objects.create(
        placement=placement,
        kind=BudgetLine.Kind.TRAVEL,
        planned=Decimal("2800"),
        funding_source=funding[-1],
    )


def _completed(application, offer, *, host, funding) -> Placement:
    """The placement of an approved application, over: its costs, report and the feedback of the
    `host` (who decided the host step). The application was sent a month before the visit and
    decided in the days after."""
    applied = datetime.combine(application.starts_on - timedelta(days=30), time(10), tzinfo=OSLO)
    Application.objects.filter(pk=application.pk).update(created_at=applied, updated_at=applied)
    for days, decision in enumerate(application.decisions.order_by("pk"), start=3):
        Decision.objects.filter(pk=decision.pk).update(decided_at=applied + timedelta(days=days))
    placement = Placement.objects.create(
        application=application,
        starts_on=application.starts_on,
        ends_on=application.ends_on,
        host_contact=f"{offer.contact_name}, {offer.contact_email}",
        day_programme="Dag 1: omvisning og møte med ledelsen.\nDag 2: arrangementer.\n"
        "Dag 3: samarbeid med kommunen.",
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            placement=placement,
            kind=kind,
            planned=Decimal(planned),
            actual=Decimal(actual),
            funding_source=funding,
        )
        for kind, planned, actual in (
            (BudgetLine.Kind.TRAVEL, "2400", "2310"),
            (BudgetLine.Kind.ACCOMMODATION, "2600", "2780"),
            (BudgetLine.Kind.PER_DIEM, "1200", "1200"),
        )
    )
    PlacementReport.objects.create(
        placement=placement,
        learnt="Hvordan biblioteket bygger partnerskap med frivillige lag og kommunen.",
        changes_at_home="Vi starter et samarbeidsforum med kulturkontoret.",
        shared="Presentasjon på personalmøtet uka etter besøket.",
    )
    HostFeedback.objects.create(
        placement=placement,
        feedback="Et godt besøk med gode spørsmål; vi lærte også mye.",
        author=host,
    )
    return placement
