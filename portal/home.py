"""The home page is assembled from what each app offers a person in each programme.

An app registers a provider in its AppConfig.ready(); a provider gets the user, the programme and
the user's Scope and returns the actions that person may take there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class HomeAction:
    label: str
    url: str
    description: str = ""


HomeProvider = Callable[..., list[HomeAction]]
providers: list[HomeProvider] = []


def register(provider: HomeProvider) -> HomeProvider:
    providers.append(provider)
    return provider


# Apps add their own demo content (a survey, a course) to the demo programme here.
DemoLoader = Callable[..., None]
demo_loaders: list[DemoLoader] = []


def register_demo(loader: DemoLoader) -> DemoLoader:
    demo_loaders.append(loader)
    return loader
