"""The API's part of the test world: a personal token for two people (see tests/world.py)."""

from __future__ import annotations

from api import services


def populate(world) -> dict:
    return {
        name: services.api_token_create(user=getattr(world, name), name=f"Rapport {name}")[0]
        for name in ("staff_a", "coordinator_b")
    }
