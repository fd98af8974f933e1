"""The crawl: every address of the portal, with the objects of every county and programme, as every
person of two programmes and anonymously.

The world is tests/world.py's, twice: the full programme over two counties, and a second programme
in two other counties with its own people. Every address with object ids is filled from the
`PAGES` of `<app>/tests/world.py` with one object of each kind of reach (the people who may see it
differ) and requested with GET and with an empty POST: by every person who may see the object,
and by each person for whom it is the first of those objects out of their scope (so everyone
meets, on every address, each object they may see and one they may not). For each request:

- never a server error;
- a person the policy does not let see the object gets exactly what they get for an object that
  does not exist (status, body, headers; the CSRF token, nonces and the address itself aside);
- no page, export or file names a person (full name or e-mail) outside the viewer's reach;
- a POST refused (403, 404, 405, sent to sign in) writes no row (PostgreSQL's per-transaction
  row counters, read before and after).

Every POST is undone afterwards (a savepoint), so the world stays the same for every request. An
address with ids that no app's `PAGES` (or `TOKENS`) names fails the test: a new app joins by
naming its addresses.
"""

from __future__ import annotations

import html
import io
import logging
import re
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection, transaction
from django.db.models import Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import World
from portal import permissions
from portal.models import Programme, User

from .world import (
    Address,
    addresses,
    build_two_worlds,
    crawl_pages,
    kept_for_the_module,
    world_modules,
)

pytestmark = pytest.mark.django_db

MISSING = 10**7  # an id no object of the world has
# The crawled people of the second programme: enough for "another programme" in every role.
SECOND_PROGRAMME_PEOPLE = ("project_leader", "coordinator_a", "staff_a")
REFUSED = {403, 404, 405}
# Rows that a refused request may write: the session (signing in is set up outside the
# measurement, but a session is saved with every message).
UNMEASURED_TABLES = {"django_session"}


# --- the world, once for the module ----------------------------------------------------------


@pytest.fixture(autouse=True)
def _media_root():
    """The crawl world's files stay where the module's world put them (see `crawl_world`)."""


@dataclass
class CrawlWorld:
    people: dict[str, User | AnonymousUser]
    reach: dict[str, set[int]]  # person -> the ids of people they may see named
    needles: dict[int, tuple[str, ...]]  # person id -> their name and e-mail as written


@pytest.fixture(scope="module")
def crawl_world(django_db_setup, django_db_blocker, tmp_path_factory):
    logging.disable(logging.WARNING)  # thousands of refusals, each logged on purpose
    with (
        kept_for_the_module(django_db_blocker, tmp_path_factory.mktemp("crawl-media")),
        override_settings(
            LANGUAGE_CODE="en",
            MESSAGE_STORAGE="django.contrib.messages.storage.cookie.CookieStorage",
        ),
    ):
        first, second = build_two_worlds()
        people: dict[str, User | AnonymousUser] = dict(first.people())
        for name in SECOND_PROGRAMME_PEOPLE:
            people[f"second_{name}"] = getattr(second, name)
        people["anonymous"] = AnonymousUser()
        yield CrawlWorld(
            people=people,
            reach={name: _reach(person) for name, person in people.items()},
            needles={
                user.pk: tuple(n for n in (user.full_name, user.email) if n)
                for user in User.objects.all()
            },
        )
    logging.disable(logging.NOTSET)


def _reach(viewer) -> set[int]:
    """The people this viewer may see named: those the person policy shows them, and everyone
    taking part in a programme they take part in (a programme-wide course's participants,
    the other county's applicants to an exchange). Site admins see everyone."""
    if not viewer.is_authenticated:
        return set()
    if viewer.is_superuser:
        return set(User.objects.values_list("pk", flat=True))
    programmes = permissions.visible(viewer, Programme)
    taking_part = User.objects.filter(
        Q(roles__programme__in=programmes) | Q(roles__library__county__programmes__in=programmes)
    )
    return (
        set(permissions.visible(viewer, User).values_list("pk", flat=True))
        | set(taking_part.values_list("pk", flat=True))
        | {viewer.pk}
    )


# --- requests ----------------------------------------------------------------------------------


def _writes() -> Counter:
    """Rows inserted, updated or deleted so far in this transaction, per table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return Counter({table: n for table, n in cursor.fetchall() if n})


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str]
    writes: Counter
    queries: int = 0
    error: str | None = None


def request(client: Client, method: str, path: str) -> Answer:
    """One request, undone afterwards; the rows a POST wrote are counted (only a refused POST's
    writes are checked, and counting costs two queries)."""
    counted = method == "post"
    before = _writes() if counted else Counter()
    try:
        with transaction.atomic():
            try:
                connection.queries_log.clear()  # (it keeps only the last 9,000)
                with CaptureQueriesContext(connection) as queries:
                    response = getattr(client, method)(path)
                body = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                answer = Answer(
                    response.status_code,
                    body,
                    dict(response.items()),
                    Counter(),
                    queries=len(queries),
                )
            except Exception as error:  # noqa: BLE001 - a server error, reported by the caller
                answer = Answer(500, b"", {}, Counter(), error=f"{type(error).__name__}: {error}")
            answer.writes = _writes() - before if counted else Counter()
            for table in UNMEASURED_TABLES:
                answer.writes.pop(table, None)
            transaction.set_rollback(True)
    finally:
        client.cookies.pop("messages", None)
    return answer


_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b|nonce-[^' ;]+|nonce=\"[^\"]+\"")
# Headers that carry the time of the answer (a page that must not be cached expires "now").
TIMED_HEADERS = {"Expires", "Date", "Last-Modified"}


def _normalised(answer: Answer, path: str, missing_path: str) -> tuple:
    def same(text: str) -> str:
        text = text.replace(path, "<path>").replace(missing_path, "<path>")
        quoted = path.replace("/", "%2F")
        text = text.replace(quoted, "<path>").replace(missing_path.replace("/", "%2F"), "<path>")
        return _TOKEN.sub("<token>", text)

    headers = {
        k: "<time>" if k in TIMED_HEADERS else same(v)
        for k, v in answer.headers.items()
        if k != "Content-Length"
    }
    return answer.status, same(answer.body.decode("utf-8", "replace")), headers


def readable_text(body: bytes) -> str:
    """What a person reads in a page, export or file: HTML and CSV as they are, spreadsheets
    and other zip files from their members, PDFs from their (compressed) content streams."""
    parts = [body]
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            parts = [archive.read(name) for name in archive.namelist()]
    elif body[:4] == b"%PDF":
        for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
            try:
                parts.append(zlib.decompress(stream))
            except zlib.error:
                parts.append(stream)
    text = "\n".join(part.decode("utf-8", "replace") for part in parts)
    return text + "\n" + html.unescape(text)


def _leaks(crawl: CrawlWorld, viewer: str, answer: Answer) -> list[str]:
    if answer.status >= 300 or not answer.body:
        return []
    text = readable_text(answer.body)
    allowed = crawl.reach[viewer]
    return [
        needle
        for person, needles in crawl.needles.items()
        if person not in allowed
        for needle in needles
        if needle in text
    ]


# --- the crawl ---------------------------------------------------------------------------------


@dataclass
class Target:
    """An address filled with one object, and the same address with ids that exist nowhere."""

    address: Address
    path: str
    missing_path: str
    may_see: dict[str, bool]
    asked_by: frozenset[str]  # the people who request it (see `targets`)


class Sight:
    """Who of the crawled people may see an object (by its owner's "view" rule)."""

    def __init__(self, people: dict):
        self.people = people
        self.visible: dict[tuple[str, type], set] = {}

    def __call__(self, entry, obj) -> dict[str, bool]:
        if entry.visible_to is not None:
            return {
                name: bool(p.is_authenticated and (p.is_superuser or entry.visible_to(p, obj)))
                for name, p in self.people.items()
            }
        owner = entry.owner(obj) if entry.owner else obj
        return {name: owner.pk in self._visible(name, type(owner)) for name in self.people}

    def _visible(self, name: str, model: type) -> set:
        key = (name, model)
        if key not in self.visible:
            self.visible[key] = set(
                permissions.visible(self.people[name], model).values_list("pk", flat=True)
            )
        return self.visible[key]


def _covering(candidates: list[tuple[object, dict[str, bool]]]) -> list[tuple]:
    """Few objects such that every person meets one they may see and one they may not (where
    the world has them): greedily, the object that adds the most such encounters first."""
    chosen, covered = [], set()
    remaining = list(candidates)
    while remaining:
        best = max(remaining, key=lambda c: len(set(c[1].items()) - covered))
        if not set(best[1].items()) - covered:
            break
        chosen.append(best)
        covered |= set(best[1].items())
        remaining.remove(best)
    return chosen


def _variants(entry, address: Address, obj) -> list[dict]:
    if entry.kwargs is None:
        (param,) = address.params
        return [{param: obj.pk}]
    made = entry.kwargs(obj)
    return made if isinstance(made, list) else [made]


def _missing(kwargs: dict) -> dict:
    return {k: MISSING if isinstance(v, int) else v for k, v in kwargs.items()}


def targets(crawl: CrawlWorld) -> list[Target]:
    """Every address with ids, filled with objects of every county and programme: as few as
    make every person meet, on every address, an object they may see and one they may not.
    Each person asks for every one of them they may see (where names could leak, and the pages
    differ), and for the first one out of their scope (the others would answer as it does, as
    a missing object does: 404 at the same cost, which `get_visible_or_404` gives every view)."""
    by_name = {a.name: a for a in addresses()}
    sight = Sight(crawl.people)
    made = []
    for entry in crawl_pages():
        first = by_name[entry.names[0]]
        candidates = [
            (obj, sight(entry, obj))
            for obj in entry.model._default_manager.all()
            if _variants(entry, first, obj)  # (a programme's role has no address of its own)
        ]
        chosen = _covering(candidates)
        first_out_of_scope: dict[str, object] = {}
        for obj, may_see in chosen:
            for person, sees in may_see.items():
                if not sees:
                    first_out_of_scope.setdefault(person, obj)
        for name in entry.names:
            address = by_name[name]
            for obj, may_see in chosen:
                for kwargs in _variants(entry, address, obj):
                    made.append(
                        Target(
                            address,
                            reverse(name, kwargs=kwargs),
                            reverse(name, kwargs=_missing(kwargs)),
                            may_see,
                            frozenset(
                                person
                                for person, sees in may_see.items()
                                if sees or first_out_of_scope[person] is obj
                            ),
                        )
                    )
    return made


def _methods(client: Client, crawl: CrawlWorld, target_list: list[Target]) -> dict[str, tuple]:
    """The methods each address answers (a site admin asking for a missing object: a view that
    takes only POST, or only GET, says so before it looks for the object)."""
    client.force_login(crawl.people["site_admin"])
    methods = {}
    for target in target_list:
        if target.address.name in methods:
            continue
        methods[target.address.name] = tuple(
            method
            for method in ("get", "post")
            if request(client, method, target.missing_path).status != 405
        )
    return methods


def _sign_in(client: Client, person) -> None:
    client.logout()
    if person.is_authenticated:
        client.force_login(person)


def test_every_address_with_ids_is_named_by_an_app():
    """A new app's addresses join the crawl through its tests/world.py `PAGES` and `TOKENS`."""
    named = {name for entry in crawl_pages() for name in entry.names}
    named |= {name for module in world_modules() for name in getattr(module, "TOKENS", ())}
    unnamed = sorted(
        f"{a.name or a.route}" for a in addresses() if a.params and a.name not in named
    )
    assert not unnamed, (
        "addresses with ids that no app names in <app>/tests/world.py PAGES or TOKENS "
        f"(so the crawl cannot fill them): {unnamed}"
    )


@dataclass
class Plan:
    """What every viewer's crawl requests: the filled addresses and the methods each answers."""

    targets: list[Target]
    methods: dict[str, tuple]
    plain: list[Address]


@pytest.fixture(scope="module")
def crawl_plan(crawl_world) -> Plan:
    target_list = targets(crawl_world)
    return Plan(
        targets=target_list,
        methods=_methods(Client(), crawl_world, target_list),
        plain=[a for a in addresses() if not a.params],
    )


# Each person's crawl is a test of its own, so that the suite's workers share the crawl.
VIEWERS = (
    *World.PEOPLE,
    *(f"second_{name}" for name in SECOND_PROGRAMME_PEOPLE),
    "anonymous",
)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_crawl_every_address_as_every_person(crawl_world, crawl_plan, viewer):
    crawl, plan = crawl_world, crawl_plan
    client = Client()
    failures: list[str] = []
    out_of_scope: set[str] = set()  # the addresses where the viewer met an object out of scope
    _sign_in(client, crawl.people[viewer])
    for address in plan.plain:
        path = reverse(address.name) if address.name else "/" + address.route
        for method in ("get", "post"):
            answer = request(client, method, path)
            _check(crawl, failures, viewer, method, path, answer)
    missing_answers: dict[tuple[str, str], tuple] = {}
    for target in plan.targets:
        if viewer not in target.asked_by:
            continue
        for method in plan.methods[target.address.name]:
            answer = request(client, method, target.path)
            if not target.may_see[viewer]:
                key = (method, target.missing_path)
                if key not in missing_answers:  # asked once, only where it is compared
                    missing = request(client, method, target.missing_path)
                    missing_answers[key] = (
                        _normalised(missing, target.missing_path, target.missing_path),
                        missing.queries,
                    )
                expected, expected_queries = missing_answers[key]
                out_of_scope.add(target.address.name)
                got = _normalised(answer, target.path, target.missing_path)
                if got != expected:
                    failures.append(
                        f"{viewer} {method.upper()} {target.path}: out of scope answers "
                        f"{answer.status}, unlike a missing object "
                        f"({expected[0]}){_difference(got, expected)}"
                    )
                elif answer.queries != expected_queries:
                    failures.append(
                        f"{viewer} {method.upper()} {target.path}: out of scope costs "
                        f"{answer.queries} queries, a missing object {expected_queries}"
                    )
            _check(crawl, failures, viewer, method, target.path, answer)
    # Everyone but the site admin met an object out of their scope on every address.
    if viewer != "site_admin":
        assert out_of_scope == {target.address.name for target in plan.targets}
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:80])


def _difference(got: tuple, expected: tuple) -> str:
    if got[2] != expected[2]:
        keys = {
            k for k in got[2].keys() | expected[2].keys() if got[2].get(k) != expected[2].get(k)
        }
        return f"; headers differ: {sorted(keys)}"
    if got[1] != expected[1]:
        for index, (a, b) in enumerate(zip(got[1], expected[1], strict=False)):
            if a != b:
                return f"; body differs at: {got[1][index - 40 : index + 60]!r}"
        return "; body length differs"
    return ""


def _check(crawl, failures, viewer, method, path, answer: Answer) -> None:
    where = f"{viewer} {method.upper()} {path}"
    if answer.status >= 500:
        failures.append(f"{where}: server error {answer.status} {answer.error or ''}")
        return
    leaks = _leaks(crawl, viewer, answer)
    if leaks:
        failures.append(f"{where}: names people outside the viewer's reach: {sorted(set(leaks))}")
    refused = answer.status in REFUSED or (
        answer.status == 302 and "/accounts/login/" in answer.headers.get("Location", "")
    )
    if method == "post" and refused and answer.writes:
        failures.append(f"{where}: refused ({answer.status}) but wrote {dict(answer.writes)}")
