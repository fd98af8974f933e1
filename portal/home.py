"""The home page is assembled from what each app offers a person in each programme.

An app registers a provider in its AppConfig.ready(); a provider is called as
`provider(user=..., programme=...)` and returns the actions that person may take there. It asks
the access policy (`portal.permissions`) what the person may do, never their roles: a text on the
home page must not promise what the person cannot do.

An action with a `count` is something waiting for the person (surveys to answer, registrations to
decide...): the home page leads with those whose count is above 0, the count beside the label.
Providers count in the database (one query per count), so the home page keeps a fixed number of
queries whatever the amount of data.
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


def register(provider: HomeProvider) -> HomeProvider:
    providers.append(provider)
    return provider


# Apps add their own demo content (a survey, a course) to each demo programme here. A loader is
# called as `loader(programme=..., calendar=...)` with a `portal.demo.DemoCalendar` (the day its
# dates count from, and whether the programme is over); it adds nothing the second time.
DemoLoader = Callable[..., None]
demo_loaders: list[DemoLoader] = []


def register_demo(loader: DemoLoader) -> DemoLoader:
    demo_loaders.append(loader)
    return loader
