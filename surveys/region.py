"""The surveys' part of the generated regional programme: a baseline and a follow-up survey.

Both have 40 questions (`synthetic.wide_survey`); every staff member is invited and 2,500 of
them have answered each. The baseline shows a competence gap in every area, the follow-up a
smaller one, so that the loop (gap → courses → less gap) is visible on the results and dashboard.
The follow-up is open: the staff who have not answered it yet can answer in a load test.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from django.urls import reverse

from portal.region import PageVisit, Region, register_pages, register_region

from .models import Participation, Survey
from .synthetic import add_responses, wide_survey

RESPONSES = 2500
QUESTIONS = 40


def _survey_with_responses(region: Region, *, part: str, gaps: dict, **fields) -> Survey:
    rng = region.random(part)
    survey = wide_survey(
        programme=region.programme, areas=region.areas, questions=QUESTIONS, **fields
    )
    respondents = rng.sample(region.staff, min(region.size(RESPONSES), len(region.staff)))
    answered = {u.pk for u in respondents}
    day = region.now.replace(hour=0, minute=0, second=0, microsecond=0)
    Participation.objects.bulk_create(
        [
            Participation(
                survey=survey,
                user=user,
                token_hash=f"unsent-{rng.getrandbits(128):032x}",
                invited_by=region.leader,
                started_at=day if user.pk in answered else None,
                completed_at=day if user.pk in answered else None,
            )
            for user in region.staff
        ],
        batch_size=2000,
    )
    per_library = Counter(region.library_of[u.pk] for u in respondents)
    for index, (library, count) in enumerate(sorted(per_library.items(), key=lambda i: i[0].pk)):
        add_responses(
            survey, count=count, library=library, seed=rng.randrange(2**32) + index, gaps=gaps
        )
    return survey


@register_region
def surveys_region(region: Region) -> str:
    now = region.now
    baseline = _survey_with_responses(
        region,
        part="surveys:baseline",
        gaps={area.pk: 1.6 + 0.1 * i for i, area in enumerate(region.areas)},
        title="Kompetansekartlegging 2011",
        status=Survey.Status.CLOSED,
        opens_at=now - timedelta(days=400),
        closes_at=now - timedelta(days=370),
        created_by=region.leader,
    )
    follow_up = _survey_with_responses(
        region,
        part="surveys:follow-up",
        gaps={area.pk: 0.7 + 0.1 * i for i, area in enumerate(region.areas)},
        title="Oppfølgingskartlegging 2012",
        status=Survey.Status.OPEN,
        opens_at=now - timedelta(days=10),
        closes_at=now + timedelta(days=60),
        baseline=baseline,
        created_by=region.leader,
    )
    responses = baseline.responses.count() + follow_up.responses.count()
    return (
        f"2 surveys of {QUESTIONS} questions (baseline closed, follow-up open), "
        f"{responses} responses"
    )


@register_pages
def survey_pages(programme) -> list[PageVisit]:
    follow_up = (
        Survey.objects.filter(programme=programme, status=Survey.Status.OPEN).order_by("pk").first()
    )
    pages = [
        PageVisit("survey list", reverse("surveys:survey_list"), "staff"),
        PageVisit("survey list", reverse("surveys:survey_list"), "coordinator"),
    ]
    if follow_up:
        results = reverse("surveys:results", args=[follow_up.pk])
        pages += [
            PageVisit("results", results, "coordinator"),
            PageVisit("results", results, "leader"),
        ]
        # A question's figures: a competence pair (the widest) and a free-text question.
        for kind in ("competence_pair", "short_text"):
            question = follow_up.questions.filter(kind=kind).order_by("position", "id").first()
            if question is None:
                continue
            url = reverse("surveys:results_question", args=[follow_up.pk, question.pk])
            pages += [
                PageVisit("results: question", url, "coordinator"),
                PageVisit("results: question", url, "leader"),
            ]
    return pages
