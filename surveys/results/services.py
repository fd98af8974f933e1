"""The retention period: after it, the raw answers are deleted and only aggregates are kept.

Before deleting, the figures every results page can ask for are computed and stored in the
survey's ResultSnapshot: the whole survey, each county, each library, each role and each
county × role, already under the disclosure rule and without free text (free text is raw
answers). Results pages then read the snapshot (see surveys.results.selectors).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.audit import audit_log

from ..models import Answer, Response, ResultSnapshot, Survey
from .disclosure import survey_disclosure
from .selectors import (
    ResultFilters,
    ResultScope,
    compute_numbers,
    disclose,
    response_rate_data,
    selection,
    submitted_responses,
)

SNAPSHOT_VERSION = 2  # 2: groups under the block rule of surveys/results/disclosure.py


def result_snapshot_data(*, survey: Survey) -> dict:
    """The aggregates kept after the purge (JSON-ready), each group under the same disclosure
    rule as the live pages (surveys/results/disclosure.py), without free text."""
    submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    disclosure = survey_disclosure(survey)
    keys = submitted.values_list("county_id", "library_id", "role").distinct().order_by()
    counties = sorted({c for c, _l, _r in keys if c is not None})
    libraries = sorted({lib for _c, lib, _r in keys if lib is not None})
    roles = sorted({r for _c, _l, r in keys})
    groups: dict[str, dict] = {}

    def add(key: str, filters: ResultFilters) -> None:
        raw = compute_numbers(submitted_responses(survey, ResultScope(), filters), with_texts=False)
        numbers = disclose(raw, disclosure, selection(ResultScope(), filters))
        numbers.pop("texts", None)
        numbers.pop("texts_hidden", None)
        groups[key] = numbers

    add("all", ResultFilters())
    for role in roles:
        add(f"role:{role}", ResultFilters(role=role))
    for county_id in counties:
        add(f"county:{county_id}", ResultFilters(county_id=county_id))
        for role in roles:
            add(f"county:{county_id}|role:{role}", ResultFilters(county_id=county_id, role=role))
    for library_id in libraries:
        add(f"library:{library_id}", ResultFilters(library_id=library_id))
    return {
        "version": SNAPSHOT_VERSION,
        "min_group_size": disclosure.threshold,
        "groups": groups,
        "response_rates": response_rate_data(survey=survey),
    }


def survey_purge_raw_answers(*, survey: Survey, user=None) -> bool:
    """Keep the aggregates, delete the responses and answers; False if already purged."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.raw_answers_purged_at:
            return False
        data = result_snapshot_data(survey=survey)
        ResultSnapshot.objects.update_or_create(
            survey=survey, defaults={"data": data, "computed_at": timezone.now()}
        )
        # Answers first (a fast bulk delete), then the responses, now without answers.
        answers, _by_model = Answer.objects.filter(response__survey=survey).delete()
        responses, _by_model = Response.objects.filter(survey=survey).delete()
        survey.raw_answers_purged_at = timezone.now()
        survey.save(update_fields=["raw_answers_purged_at", "updated_at"])
        audit_log(
            "surveys.survey.raw_answers_purged",
            user=user,
            obj=survey,
            county=survey.county,
            data={
                "responses_deleted": responses,
                "answers_deleted": answers,
                "retention_days": survey.retention_days,
            },
        )
    return True


def surveys_due_for_purge(now: datetime | None = None) -> list[Survey]:
    """Closed surveys whose retention period has run out and whose raw answers remain."""
    now = now or timezone.now()
    candidates = Survey.objects.filter(
        raw_answers_purged_at__isnull=True, closes_at__isnull=False, closes_at__lt=now
    ).exclude(status=Survey.Status.DRAFT)
    return [s for s in candidates if s.closes_at + timedelta(days=s.retention_days) <= now]


def surveys_purge_expired(now: datetime | None = None) -> int:
    """Purge every survey past its retention period; returns how many were purged."""
    return sum(
        1 for survey in surveys_due_for_purge(now) if survey_purge_raw_answers(survey=survey)
    )
