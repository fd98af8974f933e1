"""The home page is assembled from what each app offers a person in each programme.

An app registers a provider in its AppConfig.ready(); a provider is called as
`provider(user=..., programme=...)` and returns the actions that person may take there. It asks
the access policy (`portal.permissions`) what the person may do, never their roles: a text on the
home page must not promise what the person cannot do.

An action with a `count` is something waiting for the person (surveys to answer, registrations to
decide...): the home page leads with those whose count is above 0, the count beside the label.
Providers count in the database (one query per count), so the home page keeps a fixed number of
queries whatever the amount of data.

A provider registered with `register_kept` has its actions kept between requests, per person,
programme, language and day, for exactly as long as the tables it read stay as they were
(`portal.selectors.home_overview`; `portal.table_versions.kept`). Only for a provider whose
actions follow from the rows it reads and the day: never from the time of day, and never from a
column whose changes leave its table's state as it was (a participation's start, a person's last
sign-in: see `portal.table_versions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeAction:
    label: str
    url: str
    description: str = ""
    count: int | None = None  # what waits for the person; None for a plain link
    links: tuple[tuple[str, str], ...] = ()  # further (label, url) links, e.g. a calendar file

    @property
    def waits(self) -> bool:
        return bool(self.count)


HomeProvider = Callable[..., list[HomeAction]]
providers: list[HomeProvider] = []


kept_providers: list[HomeProvider] = []


def register(provider: HomeProvider) -> HomeProvider:
    providers.append(provider)
    return provider


def register_kept(provider: HomeProvider) -> HomeProvider:
    """Register a provider whose actions may be kept between requests (see the module)."""
    kept_providers.append(provider)
    return register(provider)


# Apps add their own demo content (a survey, a course) to each demo programme here. A loader is
# called as `loader(programme=..., calendar=...)` with a `portal.demo.DemoCalendar` (the day its
# dates count from, and whether the programme is over); it adds nothing the second time.
DemoLoader = Callable[..., None]
demo_loaders: list[DemoLoader] = []


def register_demo(loader: DemoLoader) -> DemoLoader:
    demo_loaders.append(loader)
    return loader
