"""The API's pages for the accessibility sweep (tests/sweep.py): its documentation. The rest is
JSON, and the tokens are made and revoked on the profile page (swept with the portal's pages)."""

from api.urls import router
from tests.sweep import Page

NOT_PAGES = {
    **{f"api:{url.name}": "JSON of the API" for url in router.urls},
    "api:schema": "the OpenAPI description (YAML)",
    "api:not_found": "the API's JSON answer to an address it does not have",
    "api_token_create": "a form's POST only (the new token's page: api/tests/test_browser.py)",
    "api_token_revoke": "a form's POST only",
}


def pages(world) -> list[Page]:
    return [Page("api:docs", world.project_leader)]
