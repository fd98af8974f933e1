"""The profile page is assembled from sections, so that other apps add theirs without editing it.

An app puts a `profile_sections.py` module beside its models (found by autodiscovery, like
`dashboard.py`) and registers a provider there:

    from portal.profile import ProfileSection, register

    @register(order=60)
    def api_tokens(*, request, user):
        return ProfileSection(
            key="api-tokens",                       # the section's id (anchor: /profil/#api-tokens)
            title=_("API tokens"),
            template="api/profile_tokens.html",     # rendered with `section` and `user`
            context={"tokens": ...},
        )

A provider returns None to show nothing (for example to people without the right role). Sections
are shown in `order`; the portal's own use 10–90 in steps of 10.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ProfileSection:
    key: str
    title: str
    template: str
    context: dict = field(default_factory=dict)


ProfileProvider = Callable[..., ProfileSection | None]
providers: list[tuple[int, ProfileProvider]] = []


def register(*, order: int) -> Callable[[ProfileProvider], ProfileProvider]:
    def decorator(provider: ProfileProvider) -> ProfileProvider:
        providers.append((order, provider))
        providers.sort(key=lambda item: item[0])
        return provider

    return decorator


def profile_sections(*, request, user) -> list[ProfileSection]:
    sections = []
    for _order, provider in providers:
        section = provider(request=request, user=user)
        if section is not None:
            sections.append(section)
    return sections
