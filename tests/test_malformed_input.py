"""Malformed values in addresses and filters never reach the database as they are: ids and tokens
that cannot exist answer 404, a filter that is not understood is ignored with a message. Never a
server error.

Every address with parameters is tried with huge ids, NUL bytes and stray characters in its
tokens and names; every filter of the query string with digits that are not ASCII ("²" passes
`str.isdigit`, "١" even `int`), numbers past the ids' range and NUL bytes.
"""

import re

import pytest
from django.urls import reverse

from courses.tests.factories import GatheringFactory
from surveys.models import Survey
from surveys.tests.factories import SurveyFactory

from .world import addresses, world_modules

pytestmark = pytest.mark.django_db

HUGE = "9" * 30  # an id past every integer column
BAD_IDS = ["²", "١٢", HUGE, "\x00", "1\x00", "-1", "1.5", "０"]
IGNORED = "Part of the address was not understood and has been ignored."


def _filled(address, *, number: str, text: str) -> str:
    if "(?P<" in address.route:  # a regular expression (the API's router): ids are text there
        return reverse(address.name, kwargs=dict.fromkeys(address.params, text or number))
    path = re.sub(r"<int:\w+>", number, address.route)
    return "/" + re.sub(r"<(?:str|token):\w+>", text, path)


def _tokens() -> set[str]:
    return {name for module in world_modules() for name in getattr(module, "TOKENS", ())}


@pytest.mark.parametrize("person", ["site_admin", None])
def test_every_address_with_ids_past_every_id_or_stray_text_answers_404(world, client, person):
    if person:
        client.force_login(getattr(world, person))
    tried = 0
    for address in addresses():
        if not address.params:
            continue
        regex = "(?P<" in address.route
        if regex:
            texts = (HUGE, "x\x00y", "²")
        elif "<str:" in address.route or "<token:" in address.route:
            texts = ("x%00y", "%C2%B2")
        else:
            texts = ("",)
        for text in texts:
            path = _filled(address, number=HUGE, text=text)
            for method in (client.get, client.post):
                status = method(path).status_code
                # Anonymous: sent to sign in, or refused by the API (nothing exists to give away).
                allowed = {404, 405} if person else {302, 401, 403, 404, 405}
                assert status in allowed, (person, method.__name__, path, status)
                tried += 1
    assert tried > 200


def test_a_nul_byte_or_stray_character_in_a_token_is_not_an_address(world, client):
    """Open-survey, personal survey, invitation and calendar-feed tokens: 404 before any view."""
    tokens = _tokens()
    assert {
        "invitation_accept",
        "surveys:answer_token",
        "surveys:answer_open",
        "courses:calendar_feed",
    } <= tokens
    for name in tokens:
        good = reverse(name, kwargs={"token": "abcDEF123_-"})
        for bad in ("abc%00DEF", "%00", "abc%C2%B2", "abc%20def", "a" * 200):
            path = good.replace("abcDEF123_-", bad)
            assert client.get(path).status_code == 404, path
            assert client.post(path).status_code == 404, path


def _message_shown(response) -> bool:
    return IGNORED in response.content.decode()


def test_malformed_ids_in_filters_are_ignored_with_a_message(world, client_for):
    survey = SurveyFactory(programme=world.programme, county=None, status=Survey.Status.CLOSED)
    pages = [
        ("/bibliotek/", "fylke", world.site_admin),
        (reverse("surveys:results", args=[survey.pk]), "county", world.site_admin),
        (reverse("surveys:results", args=[survey.pk]), "library", world.site_admin),
    ]
    for path, parameter, person in pages:
        client = client_for(person)
        for value in BAD_IDS:
            response = client.get(path, {parameter: value})
            assert response.status_code == 200, (path, parameter, value)
            assert _message_shown(response), (path, parameter, value)
        # A good value is no reason for a message.
        response = client.get(path, {parameter: str(world.county_a.pk)})
        assert response.status_code == 200
        assert not _message_shown(response), (path, parameter)


def test_a_malformed_id_of_the_chosen_programme_is_a_missing_programme(world, client_for):
    client = client_for(world.project_leader)
    for path in ("/hospitering/", "/kurs/ny/", "/modellbibliotek/"):
        for value in BAD_IDS:
            assert client.get(path, {"programme": value}).status_code == 404, (path, value)
        assert client.get(path, {"programme": world.programme.pk}).status_code == 200


def test_malformed_values_in_other_filters_never_fail(world, client_for):
    survey = SurveyFactory(programme=world.programme, county=None, status=Survey.Status.CLOSED)
    gathering = GatheringFactory(course__programme=world.programme, course__county=None)
    client = client_for(world.site_admin)
    cases = [
        (reverse("surveys:results", args=[survey.pk]), ["role"]),
        (
            reverse("surveys:results_export", args=[survey.pk, "results.csv"]),
            ["county", "library", "role"],
        ),
        (reverse("courses:attendance", args=[gathering.pk]), ["q"]),
        ("/hospitering/", ["area", "county", "from_date", "to_date", "free_places"]),
        ("/hospitering/kalender/", ["county", "host"]),
        ("/hospitering/kalender.ics", ["county", "host"]),
        (reverse("surveys:survey_preview", args=[survey.pk]), ["sprak"]),
        ("/tilgjengelighet/", ["side"]),
    ]
    for path, parameters in cases:
        for parameter in parameters:
            for value in [*BAD_IDS, "x" * 5000]:
                response = client.get(path, {parameter: value})
                assert response.status_code == 200, (path, parameter, value)


def test_malformed_ids_in_the_apis_filters_answer_400_naming_them(world, client_for):
    """Every id filter of every API list (the API says what is wrong instead of ignoring it)."""
    from api.filters import IdFilter
    from api.urls import router

    client = client_for(world.site_admin)  # the API takes the session too
    tried = 0
    for prefix, viewset, _name in router.registry:
        for name, declared in viewset.filterset_class.base_filters.items():
            if not isinstance(declared, IdFilter):
                continue
            for value in BAD_IDS:
                response = client.get(f"/api/v1/{prefix}/", {name: value})
                assert response.status_code == 400, (prefix, name, value)
                assert name in response.json(), (prefix, name, value)
                tried += 1
    assert tried > 200
