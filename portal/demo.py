"""The demo: the 2011–2012 programme "Kompetente regionbibliotek" with an account for each role.

Only loaded where settings.PORTAL_ALLOW_DEMO is on (never in production).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

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


@dataclass
class DemoAccount:
    email: str
    role: str


def _person(email, full_name, *, superuser=False) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        create = User.objects.create_superuser if superuser else User.objects.create_user
        user = create(email=email, password=DEMO_PASSWORD, full_name=full_name)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def demo_load() -> tuple[Programme, list[DemoAccount]]:
    if not settings.PORTAL_ALLOW_DEMO:
        raise ImproperlyConfigured("Demo data is switched off here (PORTAL_ALLOW_DEMO).")
    reference_data_load()
    counties = {c.number: c for c in County.objects.filter(number__in=PARTICIPANTS)}
    programme, _ = Programme.objects.get_or_create(
        name="Kompetente regionbibliotek",
        defaults={
            "short_name": "KRB",
            "description": (
                "Mer kompetente bibliotek – samarbeid over fylkesgrensene. Fylkesbibliotekene i "
                "Sør-Trøndelag, Hedmark, Møre og Romsdal, Nord-Trøndelag og Oppland."
            ),
            "start_date": date(2011, 3, 1),
            "end_date": date(2012, 12, 31),
            "lead_county": counties["16"],
        },
    )
    programme.counties.set(counties.values())
    for position, (code, nb, nn, en) in enumerate(COMPETENCE_AREAS):
        CompetenceArea.objects.update_or_create(
            programme=programme,
            code=code,
            defaults={"name": nb, "name_nn": nn, "name_en": en, "position": position},
        )
    FundingSource.objects.get_or_create(
        programme=programme,
        name="Nasjonalbiblioteket",
        defaults={"amount": Decimal("300000"), "note": "Prosjektmidler 2011"},
    )
    for number in PARTICIPANTS:
        FundingSource.objects.get_or_create(
            programme=programme,
            name=f"{counties[number].name} fylkeskommune",
            defaults={"amount": Decimal("50000"), "note": "Egenandel"},
        )

    def county_library(number):
        return Library.objects.get(county=counties[number], kind=Library.Kind.COUNTY)

    trondheim = Library.objects.get(municipality_number="1601")
    hamar = Library.objects.get(municipality_number="0403")
    accounts = []

    def grant(user, role, **scope):
        RoleAssignment.objects.get_or_create(user=user, role=role, **scope)

    admin = _person("admin@demo.no", "Ada Administrator", superuser=True)
    accounts.append(DemoAccount(admin.email, "site admin"))
    leader = _person("prosjektleder@demo.no", "Per Prosjektleder")
    grant(leader, Role.PROJECT_LEADER, programme=programme)
    grant(leader, Role.STAFF, library=county_library("16"))
    accounts.append(DemoAccount(leader.email, "project leader"))
    for number, slug, name in [
        ("16", "sor-trondelag", "Kari Koordinator"),
        ("04", "hedmark", "Hans Koordinator"),
    ]:
        coordinator = _person(f"koordinator.{slug}@demo.no", name)
        grant(coordinator, Role.COORDINATOR, programme=programme, county=counties[number])
        grant(coordinator, Role.STAFF, library=county_library(number))
        accounts.append(DemoAccount(coordinator.email, f"county coordinator, {counties[number]}"))
    for library, slug in [(trondheim, "trondheim"), (hamar, "hamar")]:
        head = _person(f"biblioteksjef.{slug}@demo.no", f"Berit Biblioteksjef ({library})")
        grant(head, Role.LIBRARY_LEADER, library=library)
        accounts.append(DemoAccount(head.email, f"library leader, {library}"))
        for index in (1, 2):
            staff = _person(f"ansatt{index}.{slug}@demo.no", f"Anne Ansatt {index} ({library})")
            grant(staff, Role.STAFF, library=library)
            accounts.append(DemoAccount(staff.email, f"staff, {library}"))
    return programme, accounts
