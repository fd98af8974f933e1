"""The account pages (sign-in, sign-up, password, e-mail, two-factor, SSO) speak one language.

For Nynorsk and English, each page is read as a person sees it (its text, its form errors) and
searched for strings of the wrong language: a Bokmål translation that is not also valid Nynorsk,
or an English source string that should have been translated. The strings come from the merged
translation catalogues of the project, django-allauth and Django themselves.
"""

import re
from html.parser import HTMLParser

import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import trans_real

from portal.adapters import SESSION_INVITATION
from portal.models import Invitation
from portal.tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db
PLACEHOLDER = re.compile(r"%(\([^)]*\))?[sd]|\{[^}]*\}|<[^>]+>")


class _Text(HTMLParser):
    """The text a person reads; parts marked as another language (lang="nb") are left out."""

    def __init__(self, language):
        super().__init__()
        self.language, self.chunks, self._skip, self._foreign = language, [], 0, []

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")
        lang = dict(attrs).get("lang")
        if lang and tag != "html" and lang != self.language:
            self._foreign.append(tag)
            self._skip += 1
        for name, value in attrs if not self._skip else ():
            if name in ("aria-label", "placeholder", "title", "alt") and value:
                self.chunks.append(value)
            if tag == "input" and name == "value" and ("type", "submit") in attrs and value:
                self.chunks.append(value)

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")
        if self._foreign and self._foreign[-1] == tag:
            self._foreign.pop()
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.chunks.append(" ".join(data.split()))


def _catalog(language: str) -> dict[str, str]:
    catalog = trans_real.translation(language)._catalog
    merged: dict[str, str] = {}
    for key, value in catalog.items():  # the catalogue that wins comes first
        if key and isinstance(value, str):
            merged.setdefault(key if isinstance(key, str) else key[0], value)
    return merged


def _fragments(text: str) -> list[str]:
    return [part.strip() for part in PLACEHOLDER.split(text or "") if part and part.strip()]


def _wrong_strings(language: str) -> tuple[set[str], set[str]]:
    """(long fragments found anywhere, short strings matched as whole text) of other languages."""
    own = _catalog(language)
    nb = _catalog("nb")
    right = {v for value in own.values() for v in _fragments(value)}
    if language == "en":
        right |= {v for key in nb for v in _fragments(key)}
    wrong = set()
    for msgid, bokmal in nb.items():
        if own.get(msgid, msgid) != bokmal:
            wrong |= set(_fragments(bokmal))
        if language != "en" and own.get(msgid, msgid) == msgid and msgid != bokmal:
            wrong |= set(_fragments(msgid))  # English left untranslated
    wrong -= right
    wrong = {w for w in wrong if len(w) >= 4 and re.search(r"[a-zæøå]{3}", w)}
    return {w for w in wrong if len(w) >= 24}, {w for w in wrong if len(w) < 24}


def _problems(html: str, language: str, wrong) -> list[str]:
    long_strings, short_strings = wrong
    parser = _Text(language)
    parser.feed(html)
    found = []
    for chunk in parser.chunks:
        if chunk.rstrip(":.") in short_strings or chunk in short_strings:
            found.append(chunk)
        found += [w for w in long_strings if w in chunk]
    return found


def _pages(client, world):
    """(name, response) for every account page a person meets, with errors shown."""
    invitation = Invitation.objects.create(
        email="ny@example.no",
        full_name="Nora Ny",
        library=world.library_a,
        token_hash="languages",
        expires_at=world.programme.end_date.replace(year=2099).isoformat() + "T00:00Z",
    )
    yield "login", client.get(reverse("account_login"))
    yield (
        "login error",
        client.post(
            reverse("account_login"), {"login": "ute@example.no", "password": "feil-passord"}
        ),
    )
    yield "password reset", client.get(reverse("account_reset_password"))
    yield "password reset error", client.post(reverse("account_reset_password"), {"email": "x"})
    yield "password reset done", client.get(reverse("account_reset_password_done"))
    yield "signup closed", client.get(reverse("account_signup"))
    session = client.session
    session[SESSION_INVITATION] = invitation.pk
    session.save()
    yield "signup", client.get(reverse("account_signup"))
    yield (
        "signup errors",
        client.post(
            reverse("account_signup"),
            {
                "email": "ny@example.no",
                "full_name": "",
                "password1": "kort1",
                "password2": "annet",
            },
        ),
    )
    client.force_login(world.staff_a)
    yield "reauthenticate", client.get(reverse("account_reauthenticate"))
    yield (
        "reauthenticate error",
        client.post(reverse("account_reauthenticate"), {"password": "feil-passord"}),
    )
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    yield "e-mail", client.get(reverse("account_email"))
    yield (
        "e-mail error",
        client.post(reverse("account_email"), {"action_add": "", "email": "ikke-en-adresse"}),
    )
    yield "password change", client.get(reverse("account_change_password"))
    yield (
        "password change errors",
        client.post(
            reverse("account_change_password"),
            {"oldpassword": "feil", "password1": "123", "password2": "456"},
        ),
    )
    yield "two-factor", client.get(reverse("mfa_index"))
    yield "two-factor activate", client.get(reverse("mfa_activate_totp"))
    yield "two-factor activate error", client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    yield "sso connections", client.get(reverse("socialaccount_connections"))
    yield "profile", client.get(reverse("profile"))
    yield "logout", client.get(reverse("account_logout"))
    Authenticator.objects.create(
        user=world.staff_a, type="totp", data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    yield "two-factor on", client.get(reverse("mfa_index"))
    yield "totp deactivate", client.get(reverse("mfa_deactivate_totp"))
    yield "recovery codes", client.get(reverse("mfa_generate_recovery_codes"))


@pytest.mark.parametrize("language", ["nn", "en"])
def test_account_pages_have_no_strings_of_another_language(world, client, language):
    cache.clear()  # the failed sign-ins below count against the rate limit
    world.staff_a.preferred_language = language
    world.staff_a.save()
    client.cookies["django_language"] = language
    wrong = _wrong_strings(language)
    problems = {}
    for name, response in _pages(client, world):
        assert response.status_code in (200, 400), (name, response.status_code)
        assert response.headers.get("Content-Language", language) == language, name
        found = _problems(response.content.decode(), language, wrong)
        if found:
            problems[name] = sorted(set(found))
    assert not problems, problems


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nb", "Passordet er for kort. Det må ha minst 12 tegn."),
        ("nn", "Passordet er for kort. Det må ha minst 12 teikn."),
        ("en", "This password is too short. It must contain at least 12 characters."),
    ],
)
def test_the_password_length_rule_speaks_the_persons_language(language, expected):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override(language), pytest.raises(ValidationError) as error:
        validate_password("kort-1")
    assert expected in error.value.messages
