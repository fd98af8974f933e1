"""A programme at regional scale, generated from a seed: for load tests, benchmarks and profiling.

`region_generate` builds the people and places here (the five counties of the 2011 programme with
all their libraries from the reference data, a project leader, a coordinator per county, a leader
per library and thousands of staff), then calls every registered part: each app has a `region.py`
(found like `dashboard.py`) whose function decorated with `@register_region` adds that app's data
(surveys and responses, courses and registrations, learning material...). A new app adds its part
the same way, without touching this module or the command:

    # modelbibliotek/region.py
    from portal.region import Region, register_region

    @register_region
    def reports(region: Region) -> str:
        rng = region.random("modelbibliotek")
        for _ in range(region.size(50)):
            ...  # bulk_create, using region.staff, region.library_of, region.coordinators
        return "50 model-library reports"

Rows that a protected foreign key would keep when the programme is deleted before the next run
are deleted first by a function decorated `@register_region_cleanup` (see hospitering/region.py).

Same seed, same data: each part draws from its own random stream (`region.random(name)`), so a
new part does not change what the others generate. Only times are relative to the moment of
generation (an open survey, gatherings to come). Running it again replaces the previous
generated programme and its people. Rows are written with bulk_create, a few INSERTs per table.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone

from .demo import COMPETENCE_AREAS, PARTICIPANTS
from .models import CompetenceArea, County, Library, Programme, RoleAssignment, User
from .reference import reference_data_load

Role = RoleAssignment.Role

PROGRAMME_NAME = "Kompetente regionbibliotek – regional skala"
EMAIL_DOMAIN = "region.example.no"
PASSWORD = "Kompetanse-region-2011"  # noqa: S105 - generated test people only, printed on purpose
STAFF = 3000

FIRST_NAMES = [
    "Anne",
    "Kari",
    "Ingrid",
    "Marit",
    "Liv",
    "Randi",
    "Solveig",
    "Berit",
    "Hilde",
    "Silje",
    "Tone",
    "Astrid",
    "Guro",
    "Ida",
    "Nina",
    "Ola",
    "Per",
    "Hans",
    "Knut",
    "Jon",
    "Lars",
    "Arne",
    "Bjørn",
    "Svein",
    "Terje",
    "Odd",
    "Geir",
    "Rune",
    "Tor",
    "Eirik",
]
LAST_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Lund",
    "Halvorsen",
    "Sørensen",
    "Moen",
    "Bakken",
    "Strand",
    "Aas",
    "Solberg",
    "Rønning",
]


@dataclass
class Region:
    """What the parts build on: the programme, its places and its people."""

    seed: int
    scale: float
    now: datetime
    programme: Programme
    counties: list[County]
    libraries: list[Library]
    areas: list[CompetenceArea]
    leader: User
    coordinators: dict[int, User]  # county id → coordinator
    library_leaders: dict[int, User]  # library id → library leader
    staff: list[User]  # people with a staff role, in a fixed order
    library_of: dict[int, Library]  # staff member's id → their library
    notes: list[str] = field(default_factory=list)

    def size(self, full: int) -> int:
        """A count at this scale (at least 1): `full` is the number at regional scale."""
        return max(1, round(full * self.scale))

    def random(self, part: str) -> random.Random:
        """A random stream of its own for each part, from the seed."""
        return random.Random(f"{self.seed}:{part}")  # noqa: S311 - test data, not security

    def staff_in(self, county_ids) -> list[User]:
        county_ids = set(county_ids)
        return [u for u in self.staff if self.library_of[u.pk].county_id in county_ids]


RegionPart = Callable[[Region], str | None]
region_parts: list[RegionPart] = []


def register_region(part: RegionPart) -> RegionPart:
    """Register an app's part of the regional data; it returns a line for the command's output."""
    if part not in region_parts:
        region_parts.append(part)
    return part


def _people(specs: list[tuple[str, str]], password_hash: str) -> list[User]:
    """Create people (e-mail, name) with one shared password hash and verified addresses."""
    now = timezone.now()
    users = User.objects.bulk_create(
        [
            User(email=email, full_name=name, password=password_hash, date_joined=now)
            for email, name in specs
        ],
        batch_size=1000,
    )
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=1000,
    )
    return users


RegionCleanup = Callable[[Programme], None]
region_cleanups: list[RegionCleanup] = []


def register_region_cleanup(cleanup: RegionCleanup) -> RegionCleanup:
    """Register what an app deletes of an earlier run before the programme itself: rows that a
    protected foreign key would otherwise keep (the programme's deletion cascades to the rest)."""
    if cleanup not in region_cleanups:
        region_cleanups.append(cleanup)
    return cleanup


def region_delete() -> None:
    """Remove what an earlier run generated (the programme and its people)."""
    for programme in Programme.objects.filter(name=PROGRAMME_NAME):
        for cleanup in region_cleanups:
            cleanup(programme)
    Programme.objects.filter(name=PROGRAMME_NAME).delete()
    User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").delete()


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def region_generate(*, seed: int = 2011, scale: float = 1.0, output=None) -> Region:
    """Replace the generated programme with a new one from `seed`; `scale` 1.0 = regional size.

    The one generated before is deleted first, in a transaction of its own, and its rows are
    vacuumed away before the new ones are written, as autovacuum would do in production: a
    database whose autovacuum is off (this machine's) otherwise kept every generation's rows
    dead in its tables, and the figures' queries scanned them all (the sums' table grew to
    208 MB for 126,000 rows after nine generations; docs/performance.md, part 27)."""
    if not settings.PORTAL_ALLOW_DEMO:
        raise ImproperlyConfigured("Generated data is switched off here (PORTAL_ALLOW_DEMO).")
    with transaction.atomic():
        region_delete()
    _tables_vacuumed()
    region = _region_build(seed=seed, scale=scale, output=output)
    _tables_vacuumed(analyze=True)
    return region


def _tables_vacuumed(*, analyze: bool = False) -> None:
    """VACUUM (and ANALYZE) every table, where that can run: on PostgreSQL, outside a
    transaction (inside one, as in the tests, only ANALYZE can: fresh planner statistics, as
    autovacuum keeps them after a bulk load; without them the planner guesses a few hundred rows
    per table and picks plans no real database would run)."""
    if connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        statement = "VACUUM ANALYZE" if analyze else "VACUUM"
    elif analyze:
        statement = "ANALYZE"
    else:
        return
    with connection.cursor() as cursor:
        cursor.execute(statement)


@transaction.atomic
def _region_build(*, seed: int, scale: float, output) -> Region:
    say = output or (lambda line: None)
    reference_data_load()
    rng = random.Random(f"{seed}:portal")  # noqa: S311 - test data, not security
    counties = list(County.objects.filter(number__in=PARTICIPANTS).order_by("number"))
    by_number = {c.number: c for c in counties}
    programme = Programme.objects.create(
        name=PROGRAMME_NAME,
        short_name="KRB-region",
        description="Generert program i regional skala (ytelsestester).",
        start_date=date(2011, 3, 1),
        end_date=date(2012, 12, 31),
        lead_county=by_number[PARTICIPANTS[0]],
    )
    programme.counties.set(counties)
    areas = CompetenceArea.objects.bulk_create(
        [
            CompetenceArea(
                programme=programme, code=code, name=nb, name_nn=nn, name_en=en, position=i
            )
            for i, (code, nb, nn, en) in enumerate(COMPETENCE_AREAS)
        ]
    )
    libraries = list(Library.objects.filter(county__in=counties).order_by("county__number", "name"))
    password_hash = make_password(PASSWORD)

    leader, *coordinator_list = _people(
        [(f"prosjektleder@{EMAIL_DOMAIN}", "Per Prosjektleder")]
        + [(f"koordinator.{c.number}@{EMAIL_DOMAIN}", _name(rng)) for c in counties],
        password_hash,
    )
    coordinators = {c.pk: u for c, u in zip(counties, coordinator_list, strict=True)}
    leader_list = _people(
        [(f"biblioteksjef.{lib.pk}@{EMAIL_DOMAIN}", _name(rng)) for lib in libraries],
        password_hash,
    )
    library_leaders = {lib.pk: u for lib, u in zip(libraries, leader_list, strict=True)}
    # County libraries and the larger towns have more staff: a weight per library.
    weights = [
        8 if lib.kind == Library.Kind.COUNTY else rng.choice([1, 1, 1, 2, 3]) for lib in libraries
    ]
    staff_count = max(len(libraries), round(STAFF * scale))
    places = rng.choices(libraries, weights=weights, k=staff_count)
    staff = _people(
        [(f"ansatt{i + 1}@{EMAIL_DOMAIN}", _name(rng)) for i in range(staff_count)],
        password_hash,
    )
    library_of = {user.pk: library for user, library in zip(staff, places, strict=True)}

    roles = [RoleAssignment(user=leader, role=Role.PROJECT_LEADER, programme=programme)]
    roles += [
        RoleAssignment(user=u, role=Role.COORDINATOR, programme=programme, county_id=county_id)
        for county_id, u in coordinators.items()
    ]
    county_library = {lib.county_id: lib for lib in libraries if lib.kind == Library.Kind.COUNTY}
    roles += [
        RoleAssignment(user=u, role=Role.STAFF, library=county_library[county_id])
        for county_id, u in coordinators.items()
    ]
    roles += [
        RoleAssignment(user=u, role=Role.LIBRARY_LEADER, library_id=library_id)
        for library_id, u in library_leaders.items()
    ]
    roles += [RoleAssignment(user=u, role=Role.STAFF, library=library_of[u.pk]) for u in staff]
    RoleAssignment.objects.bulk_create(roles, batch_size=2000)
    region = Region(
        seed=seed,
        scale=scale,
        now=timezone.now(),
        programme=programme,
        counties=counties,
        libraries=libraries,
        areas=areas,
        leader=leader,
        coordinators=coordinators,
        library_leaders=library_leaders,
        staff=staff,
        library_of=library_of,
    )
    say(
        f"{len(counties)} counties, {len(libraries)} libraries, {len(staff)} staff, "
        f"{len(libraries)} library leaders, {len(coordinators)} coordinators, 1 project leader"
    )
    for part in region_parts:
        line = part(region)
        if line:
            say(line)
    return region


# --- what the load test reads -----------------------------------------------------------------


@dataclass(frozen=True)
class PageVisit:
    """A page the load test's simulated people read. `name` is its row in the figures; `role`
    is who reads it ("staff", "coordinator" or "leader"); a page with `county_id` is read only
    by that county's coordinator. `weight` makes it read more often than others. `headers` are
    sent with it (an API token)."""

    name: str
    url: str
    role: str
    county_id: int | None = None
    weight: int = 1
    headers: dict[str, str] | None = None


PageProvider = Callable[[Programme], list[PageVisit]]
page_providers: list[PageProvider] = []


def register_pages(provider: PageProvider) -> PageProvider:
    """Register an app's pages for the load test (from its region.py), given the programme."""
    if provider not in page_providers:
        page_providers.append(provider)
    return provider


def region_programme() -> Programme | None:
    return Programme.objects.filter(name=PROGRAMME_NAME).first()


@register_pages
def portal_pages(programme: Programme) -> list[PageVisit]:
    from django.urls import reverse

    return [
        PageVisit("home", reverse("home"), "staff", weight=2),
        PageVisit("home", reverse("home"), "coordinator"),
        PageVisit("library list", reverse("library_list"), "staff"),
        PageVisit("library list", reverse("library_list"), "coordinator"),
        PageVisit(
            "dashboard", reverse("programme_dashboard", args=[programme.pk]), "leader", weight=2
        ),
        PageVisit("home", reverse("home"), "leader"),
    ]


def region_people(programme: Programme) -> dict:
    """The generated programme's project leader, coordinators ({county id: person}) and staff
    ([(person, library)], excluding leaders and coordinators), in a fixed order."""
    roles = RoleAssignment.objects.select_related("user", "library").order_by("user_id")
    return {
        "leader": roles.get(role=Role.PROJECT_LEADER, programme=programme).user,
        "coordinators": {
            r.county_id: r.user for r in roles.filter(role=Role.COORDINATOR, programme=programme)
        },
        "staff": [
            (r.user, r.library)
            for r in roles.filter(
                role=Role.STAFF,
                library__county__programmes=programme,
                user__email__startswith="ansatt",
                user__email__endswith=f"@{EMAIL_DOMAIN}",
            )
        ],
    }
