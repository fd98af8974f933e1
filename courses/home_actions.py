"""What the courses app offers on the home page, and its demo course series."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions
from portal.demo import COLLEAGUE_DOMAIN, DemoCalendar
from portal.home import HomeAction, register, register_demo
from portal.models import CompetenceArea, County, Library, RoleAssignment, User

from .learning.models import Submission
from .models import Course, Gathering, GatheringCost, Registration, RegistrationQuestion
from .selectors import approvals_pending


@register
def course_actions(*, user, programme):
    actions = []
    if permissions.can(user, "manage_content", programme):
        actions.append(
            HomeAction(
                _("Courses and gatherings"),
                reverse("courses:course_list"),
                _("Schedule courses, follow registrations and mark attendance."),
            )
        )
    elif permissions.for_action(user, Course, "register").filter(programme=programme).exists():
        actions.append(
            HomeAction(
                _("Courses"),
                reverse("courses:course_list"),
                _("Register for gatherings and download your course certificates."),
            )
        )
    mine = _own_registrations(user=user, programme=programme)
    if mine:
        actions.append(
            HomeAction(_("My course registrations"), reverse("courses:registration_list"))
        )
    follows = (
        permissions.for_action(user, Registration, "follow")
        .filter(gathering__course__programme=programme)
        .exists()
    )
    if (
        follows
        or permissions.for_action(user, Gathering, "register_staff")
        .filter(course__programme=programme, cancelled_at__isnull=True)
        .exists()
    ):
        actions.append(
            HomeAction(
                _("Your staff's course registrations"),
                reverse("courses:staff_registrations"),
                _("See who is registered, waiting or attended, and register several at once."),
            )
        )
    waiting = approvals_pending(user=user).filter(gathering__course__programme=programme).count()
    if waiting:
        actions.append(
            HomeAction(
                _("Course registrations to approve"),
                reverse("courses:approval_list"),
                _("Approve or decline your staff's registrations."),
                count=waiting,
            )
        )
    actions.extend(_own_registrations_waiting(mine))
    to_review = (
        permissions.for_action(user, Submission, "review")
        .filter(status=Submission.Status.SUBMITTED, assignment__course__programme=programme)
        .aggregate(count=Count("id"), course_id=Min("assignment__course_id"))
    )
    if to_review["count"]:
        actions.append(
            HomeAction(
                _("Assignments to give feedback on"),
                reverse("learning:assignment_list", args=[to_review["course_id"]]),
                _("Hand-ins waiting for your feedback and grade."),
                count=to_review["count"],
            )
        )
    return actions


def _own_registrations(*, user, programme) -> list[tuple]:
    """The person's registrations in the programme, by their gathering's start, as (gathering
    id, status, start, cancelled at): one query for both actions that read them (a person's own
    registrations are few)."""
    return list(
        Registration.objects.filter(user=user, gathering__course__programme=programme)
        .order_by("gathering__starts_at", "id")
        .values_list("gathering_id", "status", "gathering__starts_at", "gathering__cancelled_at")
    )


def _own_registrations_waiting(mine: list[tuple]) -> list[HomeAction]:
    """The person's coming gatherings (with the next one's calendar file) and seats offered."""
    now = timezone.now()
    upcoming = [
        (gathering, status)
        for gathering, status, starts_at, cancelled_at in mine
        if cancelled_at is None
        and starts_at >= now
        and status in (Status.CONFIRMED, Status.OFFERED)
    ]
    actions = []
    offered = sum(1 for _gathering, status in upcoming if status == Status.OFFERED)
    if offered:
        actions.append(
            HomeAction(
                _("Seats offered to you"),
                reverse("courses:registration_list"),
                _("A seat has become free: accept it before the offer runs out."),
                count=offered,
            )
        )
    coming = [gathering for gathering, status in upcoming if status == Status.CONFIRMED]
    if coming:
        actions.append(
            HomeAction(
                _("Gatherings coming up"),
                reverse("courses:registration_list"),
                _("Your seat is confirmed."),
                count=len(coming),
                links=(
                    (
                        _("The next one in your calendar (.ics)"),
                        reverse("courses:gathering_ics", args=[coming[0]]),
                    ),
                ),
            )
        )
    return actions


Status = Registration.Status

# (title, county, venue, address, municipality, days from the calendar's day, hours, capacity)
SERIES = [
    ("Samling 1, Trondheim", "16", "Trondheim folkebibliotek, Hovedbiblioteket",
     "Peter Egges plass 1", "Trondheim", -300, 6, 40),
    ("Samling 2, Hamar", "04", "Hamar bibliotek", "Torggata 1", "Hamar", -240, 6, 40),
    ("Samling 3, Molde", "15", "Molde bibliotek", "Kulturhuset Plassen", "Molde", -150, 6, 40),
    ("Samling 4, Steinkjer", "17", "Steinkjer bibliotek", "Kongens gate 32", "Steinkjer",
     21, 6, 40),
    ("Samling 5, Lillehammer", "05", "Lillehammer bibliotek", "Wiesesgate 2", "Lillehammer",
     45, 6, 6),
]  # fmt: skip


@register_demo
@transaction.atomic
def courses_demo_load(*, programme, calendar: DemoCalendar | None = None) -> None:
    """A programme-wide course series (three gatherings held with attendance, two open for
    registration, the last one full with a waiting list) and a county course needing the library
    leader's approval, dated relative to the calendar's day. In a finished programme every
    gathering has been held, with attendance."""
    calendar = calendar or DemoCalendar.current()
    if Course.objects.filter(programme=programme).exists():
        return
    counties = {c.number: c for c in County.objects.filter(programmes=programme)}
    areas = {a.code: a for a in CompetenceArea.objects.filter(programme=programme)}
    leader = User.objects.filter(email="prosjektleder@demo.no").first()
    coordinator = User.objects.filter(email="koordinator.sor-trondelag@demo.no").first()

    series = Course.objects.create(
        programme=programme,
        county=None,
        title="Biblioteket som samfunnsaktør",
        description=(
            "Kursrekke for folkebibliotekene i de fem fylkene: bibliotekets rolle i "
            "lokalsamfunnet, partnerskap og samarbeid over fylkesgrensene."
        ),
        created_by=leader,
    )
    series.competence_areas.set(
        [areas[c] for c in ("samfunnsaktor", "partnerskap", "samarbeid") if c in areas]
    )
    gatherings = []
    for title, number, venue, address, municipality, days, hours, capacity in SERIES:
        if number not in counties:
            continue
        starts_at = calendar.moment(days, 9, 30)
        gatherings.append(
            Gathering.objects.create(
                course=series,
                title=title,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=hours),
                venue_name=venue,
                venue_address=address,
                municipality=municipality,
                county=counties[number],
                capacity=capacity,
                registration_opens_at=starts_at - timedelta(days=90),
                registration_deadline=starts_at - timedelta(days=7),
                fee_note="Gratis. Lunsj er inkludert.",
                travel_note="Reise dekkes av eget bibliotek.",
            )
        )
    RegistrationQuestion.objects.create(
        course=series,
        position=1,
        text="Hvilken rolle har du i biblioteket?",
        kind=RegistrationQuestion.Kind.CHOICE,
        choices="Biblioteksjef\nBibliotekar\nFormidler\nAnnet",
        required=True,
    )
    RegistrationQuestion.objects.create(
        course=series,
        position=2,
        text="Matallergier eller andre behov ved lunsjen",
        help_text="Bare arrangørene ser svaret, og det slettes etter samlingen.",
        personal=True,
    )
    county_course = Course.objects.create(
        programme=programme,
        county=counties.get("16"),
        title="Bibliotekplan og regional planlegging",
        description="Hvordan forankre bibliotekutvikling i kommuneplan og regional plan.",
        audience=Course.Audience.COUNTIES,
        created_by=coordinator,
    )
    county_course.audience_counties.set([counties["16"]] if "16" in counties else [])
    county_course.competence_areas.set(
        [areas[c] for c in ("planarbeid", "politiske-prosesser") if c in areas]
    )
    workshop = None
    if "16" in counties:
        workshop = Gathering.objects.create(
            course=county_course,
            title="Planverksted",
            starts_at=calendar.moment(28, 9),
            ends_at=calendar.moment(28, 15),
            venue_name="Sør-Trøndelag fylkesbibliotek",
            municipality="Trondheim",
            county=counties["16"],
            capacity=2,
            registration_deadline=calendar.moment(21, 12),
            requires_leader_approval=True,
        )
    _demo_registrations(gatherings, workshop, finished=calendar.finished)
    _demo_costs(programme, gatherings)


def _demo_costs(programme, gatherings: list[Gathering]) -> None:
    """What the gatherings held cost, charged to the grant (venue, speakers and lunch), so the
    dashboard's budget shows real figures."""
    grant = programme.funding.filter(county__isnull=True).order_by("-amount").first()
    if grant is None:
        return
    now = timezone.now()
    GatheringCost.objects.bulk_create(
        GatheringCost(
            gathering=gathering,
            kind=kind,
            amount=Decimal(amount) + 500 * index,
            note=note,
            funding_source=grant,
        )
        for index, gathering in enumerate(g for g in gatherings if g.starts_at < now)
        for kind, amount, note in (
            (GatheringCost.Kind.VENUE, "8000", "Leie av sal"),
            (GatheringCost.Kind.SPEAKERS, "12000", "To foredragsholdere"),
            (GatheringCost.Kind.CATERING, "6300", "Lunsj og kaffe for 30"),
        )
    )


def _demo_registrations(
    gatherings: list[Gathering], workshop: Gathering | None, *, finished: bool
) -> None:
    """Attendance at the gatherings held (colleagues from every county, some absent), the demo
    staff on the coming ones, a full last gathering with two waiting, and one registration
    waiting for the library leader's approval. In a finished programme the demo staff attended
    and there is nothing to wait for."""
    staff = {
        role.user.email: (role.user, role.library)
        for role in RoleAssignment.objects.filter(
            role=RoleAssignment.Role.STAFF, library__kind=Library.Kind.PUBLIC
        ).select_related("user", "library")
    }
    colleagues = sorted(
        (pair for email, pair in staff.items() if email.endswith(f"@{COLLEAGUE_DOMAIN}")),
        key=lambda pair: pair[0].email,
    )
    registrations = []
    now = timezone.now()
    for index, gathering in enumerate(gatherings):
        if gathering.starts_at < now:
            # Up to thirty colleagues from all over the programme; one in nine absent.
            chosen = random.Random(index).sample(  # noqa: S311
                colleagues, min(30, gathering.capacity, len(colleagues))
            )
            for number, (user, library) in enumerate(chosen):
                status = Status.ABSENT if number % 9 == 8 else Status.ATTENDED
                registrations.append(
                    Registration(gathering=gathering, user=user, library=library, status=status)
                )
    for email in ("ansatt1.trondheim@demo.no", "ansatt2.trondheim@demo.no"):
        if email in staff and gatherings:
            user, library = staff[email]
            registrations.append(
                Registration(
                    gathering=gatherings[0], user=user, library=library, status=Status.ATTENDED
                )
            )
    seat = Status.ATTENDED if finished else Status.CONFIRMED
    if len(gatherings) == len(SERIES):
        coming, full = gatherings[3], gatherings[4]
        for email in ("ansatt1.steinkjer@demo.no", "ansatt1.hamar@demo.no"):
            if email in staff:
                user, library = staff[email]
                registrations.append(
                    Registration(gathering=coming, user=user, library=library, status=seat)
                )
        if not finished:  # the last gathering is full, two on its waiting list
            for position, (user, library) in enumerate(colleagues[-(full.capacity + 2) :]):
                waiting = position >= full.capacity
                registrations.append(
                    Registration(
                        gathering=full,
                        user=user,
                        library=library,
                        status=Status.WAITING if waiting else Status.CONFIRMED,
                        waiting_position=position - full.capacity + 1 if waiting else None,
                    )
                )
    if workshop is not None and "ansatt2.trondheim@demo.no" in staff:
        user, library = staff["ansatt2.trondheim@demo.no"]
        registrations.append(
            Registration(
                gathering=workshop,
                user=user,
                library=library,
                status=seat if finished else Status.AWAITING_APPROVAL,
            )
        )
    Registration.objects.bulk_create(registrations)
    for gathering in [*gatherings, workshop]:
        if gathering is not None and gathering.starts_at < now:  # registered a month before
            Registration.objects.filter(gathering=gathering).update(
                created_at=gathering.starts_at - timedelta(days=30), updated_at=gathering.ends_at
            )
