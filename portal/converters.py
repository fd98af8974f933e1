"""Path converters shared by every app's urls.py (registered in PortalConfig.ready).

`<token:...>`: a secret from a link (invitation, survey answer, open survey, calendar feed). They
are made by `secrets.token_urlsafe`, so anything outside that alphabet (a NUL byte, which the
database refuses, or any other stray character) is not an address at all: 404 from the resolver,
before a view or the database sees it.
"""


class TokenConverter:
    regex = r"[A-Za-z0-9_-]{1,128}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value
