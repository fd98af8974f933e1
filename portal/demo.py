"""The demo: two programmes of the five counties, with an account for each role in both.

- "Kompetente regionbibliotek 2011–2012" (`HISTORICAL_PROGRAMME`), the programme the portal was
  born from: complete and historical, with fixed dates (`HISTORY`). Baseline and follow-up
  surveys closed with answers in every county, every gathering held, every placement over with
  its report, every model-library report approved.
- "Kompetente regionbibliotek – videreføring" (`CURRENT_PROGRAMME`), running now: its period and
  every date in it are relative to the day the demo is loaded, so there is a history (a baseline
  with answers, gatherings held, placements with reports) and something to do now (a follow-up
  survey open, gatherings open for registration, one with a waiting list, applications waiting).

Each app's demo loader builds either from the same code, given a `DemoCalendar`: the day its
relative dates count from, and whether the programme is over. Each of the five counties has a
coordinator (in both programmes), a library leader, two staff accounts to log in as, and sixty
generated colleagues (who cannot log in), so every panel and every minimum-group-size rule shows
real figures.

Only loaded where settings.PORTAL_ALLOW_DEMO is on (never in production).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from .models import CompetenceArea, County, FundingSource, Library, Programme, RoleAssignment, User
from .reference import reference_data_load

DEMO_PASSWORD = "Kompetanse-demo-2011"  # noqa: S105 - demo accounts only, printed on purpose
PARTICIPANTS = ["16", "04", "15", "17", "05"]  # Sør-Trøndelag leads
Role = RoleAssignment.Role

COMPETENCE_AREAS = [
    ("samarbeid", "Samarbeid", "Samarbeid", "Cooperation"),
    ("partnerskap", "Partnerskap", "Partnarskap", "Partnership"),
    ("politiske-prosesser", "Politiske prosesser", "Politiske prosessar", "Political processes"),
    ("ressursdeling", "Ressursdeling", "Ressursdeling", "Resource sharing"),
    (
        "samfunnsaktor",
        "Biblioteket som samfunnsaktør",
        "Biblioteket som samfunnsaktør",
        "The library as a community actor",
    ),
    (
        "planarbeid",
        "Planarbeid og forankring",
        "Planarbeid og forankring",
        "Planning and anchoring",
    ),
]


# (county number, slug, coordinator's name, municipality number of the library with accounts)
COUNTIES = [
    ("16", "sor-trondelag", "Kari Koordinator", "1601", "trondheim"),
    ("04", "hedmark", "Hans Koordinator", "0403", "hamar"),
    ("15", "more-og-romsdal", "Mona Koordinator", "1502", "molde"),
    ("17", "nord-trondelag", "Nils Koordinator", "1702", "steinkjer"),
    ("05", "oppland", "Olga Koordinator", "0501", "lillehammer"),
]
COLLEAGUES_PER_COUNTY = 60
COLLEAGUE_DOMAIN = "kolleger.demo.no"  # generated people: no password, never e-mailed
FIRST_NAMES = ["Anne", "Kari", "Ingrid", "Marit", "Liv", "Ole", "Lars", "Knut", "Siri", "Tone"]
LAST_NAMES = ["Hansen", "Johansen", "Olsen", "Larsen", "Berg", "Haugen", "Bakke", "Lie", "Moe"]
OSLO = ZoneInfo("Europe/Oslo")


HISTORICAL_PROGRAMME = "Kompetente regionbibliotek 2011–2012"
CURRENT_PROGRAMME = "Kompetente regionbibliotek – videreføring"


@dataclass(frozen=True)
class DemoCalendar:
    """Where a demo programme stands in time. Its loaders date everything relative to `today`
    (a gathering 21 days ahead, a survey that closed 290 days ago); in a `finished` programme
    everything has happened: nothing is open, coming or waiting."""

    today: date
    finished: bool = False

    @classmethod
    def current(cls) -> DemoCalendar:
        """The programme running now: the demo's dates move with the calendar."""
        return cls(timezone.localdate())

    def day(self, days: int = 0) -> date:
        return self.today + timedelta(days=days)

    def moment(self, days: int, hour: int = 9, minute: int = 0) -> datetime:
        """A time of day (Oslo) on a day relative to `today`."""
        day = self.day(days)
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=OSLO)


# The 2011–2012 programme's dates count from 2 May 2012: the baseline in June 2011, gatherings
# from July 2011 to June 2012, placements in the summer of 2011 and in April 2012, the follow-up
# in May 2012, and the model libraries' reports every half-year to the end of 2012.
HISTORY = DemoCalendar(date(2012, 5, 2), finished=True)


def demo_period() -> tuple[date, date]:
    """The current programme runs from the first of the month about fourteen months ago to the
    end of the month about ten months ahead: last year's work is history, this year's under way."""
    today = DemoCalendar.current()
    start = today.day(-420).replace(day=1)
    end = (today.day(300).replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


@dataclass(frozen=True)
class DemoProgramme:
    programme: Programme
    calendar: DemoCalendar


def historical_programme() -> Programme | None:
    """The complete 2011–2012 demo programme (None before the demo is loaded)."""
    return Programme.objects.filter(name=HISTORICAL_PROGRAMME).first()


@dataclass
class DemoAccount:
    email: str
    role: str


@cache
def _demo_password_hash() -> str:
    """Hashed once: hashing is slow on purpose, and every demo account shares the password."""
    return make_password(DEMO_PASSWORD)


def _person(email, full_name, *, superuser=False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create(
            email=email,
            full_name=full_name,
            password=_demo_password_hash(),
            is_staff=superuser,
            is_superuser=superuser,
        )
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _programme(name, *, short_name, description, period, lead_county, counties) -> Programme:
    start, end = period
    programme, _ = Programme.objects.get_or_create(
        name=name,
        defaults={
            "short_name": short_name,
            "description": description,
            "start_date": start,
            "end_date": end,
            "lead_county": lead_county,
        },
    )
    programme.counties.set(counties)
    for position, (code, nb, nn, en) in enumerate(COMPETENCE_AREAS):
        CompetenceArea.objects.update_or_create(
            programme=programme,
            code=code,
            defaults={"name": nb, "name_nn": nn, "name_en": en, "position": position},
        )
    # The grant from the National Library and each county's own contribution.
    FundingSource.objects.get_or_create(
        programme=programme,
        name="Nasjonalbiblioteket",
        defaults={"amount": Decimal("300000"), "note": f"Prosjektmidler {start.year}"},
    )
    for county in counties:
        FundingSource.objects.get_or_create(
            programme=programme,
            name=f"{county.name} fylkeskommune",
            defaults={"amount": Decimal("50000"), "note": "Egenandel", "county": county},
        )
    return programme


@transaction.atomic
def demo_load() -> tuple[list[DemoProgramme], list[DemoAccount]]:
    """The two programmes (the historical one first) and the demo accounts, once."""
    if not settings.PORTAL_ALLOW_DEMO:
        raise ImproperlyConfigured("Demo data is switched off here (PORTAL_ALLOW_DEMO).")
    reference_data_load()
    counties = {c.number: c for c in County.objects.filter(number__in=PARTICIPANTS)}
    participants = [counties[number] for number in PARTICIPANTS]
    historical = _programme(
        HISTORICAL_PROGRAMME,
        short_name="KRB 2011–2012",
        description=(
            "Mer kompetente bibliotek – samarbeid over fylkesgrensene. Fylkesbibliotekene i "
            "Sør-Trøndelag, Hedmark, Møre og Romsdal, Nord-Trøndelag og Oppland, 2011–2012."
        ),
        period=(date(2011, 3, 1), date(2012, 12, 31)),
        lead_county=counties["16"],
        counties=participants,
    )
    current = _programme(
        CURRENT_PROGRAMME,
        short_name="KRB",
        description=(
            "Videreføring av Kompetente regionbibliotek: de fem fylkesbibliotekene bygger videre "
            "på kartleggingen, kursrekka og hospiteringen fra 2011–2012."
        ),
        period=demo_period(),
        lead_county=counties["16"],
        counties=participants,
    )
    programmes = [historical, current]

    def county_library(number):
        return Library.objects.get(county=counties[number], kind=Library.Kind.COUNTY)

    accounts = []

    def grant(user, role, **scope):
        RoleAssignment.objects.get_or_create(user=user, role=role, **scope)

    admin = _person("admin@demo.no", "Ada Administrator", superuser=True)
    accounts.append(DemoAccount(admin.email, "site admin"))
    leader = _person("prosjektleder@demo.no", "Per Prosjektleder")
    for programme in programmes:
        grant(leader, Role.PROJECT_LEADER, programme=programme)
    grant(leader, Role.STAFF, library=county_library("16"))
    accounts.append(DemoAccount(leader.email, "project leader (both programmes)"))
    for number, slug, name, _municipality, _town in COUNTIES:
        coordinator = _person(f"koordinator.{slug}@demo.no", name)
        for programme in programmes:
            grant(coordinator, Role.COORDINATOR, programme=programme, county=counties[number])
        grant(coordinator, Role.STAFF, library=county_library(number))
        accounts.append(
            DemoAccount(coordinator.email, f"county coordinator, {counties[number]} (both)")
        )
    for _number, _slug, _name, municipality, town in COUNTIES:
        library = Library.objects.get(municipality_number=municipality, kind=Library.Kind.PUBLIC)
        head = _person(f"biblioteksjef.{town}@demo.no", f"Berit Biblioteksjef ({library})")
        grant(head, Role.LIBRARY_LEADER, library=library)
        accounts.append(DemoAccount(head.email, f"library leader, {library}"))
        for index in (1, 2):
            staff = _person(f"ansatt{index}.{town}@demo.no", f"Anne Ansatt {index} ({library})")
            grant(staff, Role.STAFF, library=library)
            accounts.append(DemoAccount(staff.email, f"staff, {library}"))
    _colleagues_load(counties=participants)
    return [
        DemoProgramme(historical, HISTORY),
        DemoProgramme(current, DemoCalendar.current()),
    ], accounts


def _colleagues_load(*, counties: list[County]) -> None:
    """About sixty generated staff per county, spread over its public libraries (once).

    They make the figures real (reach, response rates, attendance, groups above the minimum
    size); they have no usable password and an address that is never written to.
    """
    if User.objects.filter(email__endswith=f"@{COLLEAGUE_DOMAIN}").exists():
        return
    rng = random.Random(2011)  # noqa: S311 - demo data, not security
    no_password = make_password(None)
    people, places = [], []
    for county in counties:
        libraries = list(
            Library.objects.filter(county=county, kind=Library.Kind.PUBLIC).order_by("name")
        )
        for index in range(COLLEAGUES_PER_COUNTY):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            people.append(
                User(
                    email=f"kollega{county.number}.{index}@{COLLEAGUE_DOMAIN}",
                    full_name=name,
                    password=no_password,
                )
            )
            # Half of them in the county's five largest towns' libraries, the rest spread out.
            places.append(libraries[index % 5] if index % 2 else rng.choice(libraries))
    people = User.objects.bulk_create(people, batch_size=1000)
    RoleAssignment.objects.bulk_create(
        [
            RoleAssignment(user=user, role=Role.STAFF, library=library)
            for user, library in zip(people, places, strict=True)
        ],
        batch_size=1000,
    )
