"""What the load test's simulated people do, prepared before a run: signed-in sessions, the pages
each role reads (from the apps' `register_pages`), the staff who answer the open survey and the
staff who register for gatherings whose registration has just opened.

The load-test command generates the regional data anew before each run, so that every run starts
from the same state (the answers and registrations of a run stay in the database until then).
"""

from __future__ import annotations

import random
from dataclasses import asdict

from django.urls import reverse
from django.utils import timezone

from courses.models import Gathering, Registration
from portal.models import Programme
from portal.region import page_providers, region_people
from surveys.models import Participation, Survey

from .sessions import signed_in_session

READING_STAFF = 200
RESPONDENTS = 400
REGISTRANTS = 1500


def _respondents(programme: Programme, rng: random.Random) -> list[dict]:
    """Staff invited to the open survey who have not answered it yet."""
    survey = Survey.objects.filter(programme=programme, status=Survey.Status.OPEN).order_by("pk")
    survey = survey.first()
    if survey is None:
        return []
    pool = list(
        Participation.objects.filter(survey=survey, started_at__isnull=True)
        .select_related("user")
        .order_by("pk")
    )
    pool = rng.sample(pool, min(RESPONDENTS, len(pool)))
    url = reverse("surveys:answer_mine", args=[survey.pk])
    return [{"session": signed_in_session(p.user), "url": url} for p in pool]


def _registrants(programme: Programme, rng: random.Random, staff) -> list[dict]:
    """Staff members, each with a gathering whose registration opened at generation."""
    now = timezone.now()
    gatherings = list(
        Gathering.objects.filter(
            course__programme=programme,
            registration_opens_at__lte=now,
            registration_deadline__gt=now,
            capacity__gte=200,
        ).select_related("course")
    )
    if not gatherings:
        return []
    registered = set(
        Registration.objects.filter(gathering__in=gatherings).values_list("user_id", "gathering_id")
    )
    pairs = []
    for user, library in rng.sample(staff, min(REGISTRANTS, len(staff))):
        eligible = [
            g
            for g in gatherings
            if (g.course.county_id is None or g.course.county_id == library.county_id)
            and (user.pk, g.pk) not in registered
        ]
        if eligible:
            pairs.append((user, rng.choice(eligible)))
    sessions = {}
    return [
        {
            "session": sessions.setdefault(user.pk, signed_in_session(user)),
            "url": reverse("courses:registration_create", args=[gathering.pk]),
        }
        for user, gathering in pairs
    ]


def loadtest_plan(programme: Programme, *, seed: int = 1) -> dict:
    rng = random.Random(seed)  # noqa: S311 - test data, not security
    people = region_people(programme)
    pages = [asdict(visit) for provider in page_providers for visit in provider(programme)]
    return {
        "leader": signed_in_session(people["leader"]),
        "coordinators": {
            str(county_id): signed_in_session(user)
            for county_id, user in people["coordinators"].items()
        },
        "staff": [
            signed_in_session(user)
            for user, _library in rng.sample(
                people["staff"], min(READING_STAFF, len(people["staff"]))
            )
        ],
        "pages": pages,
        "respondents": _respondents(programme, rng),
        "registrants": _registrants(programme, rng, people["staff"]),
    }
