"""The retention period: after it, the raw answers are deleted and only aggregates are kept.

Before deleting, the figures every results page can ask for are computed and stored in the
survey's ResultSnapshot: the whole survey, each county, each library, each role and each
county × role, already suppressed below the minimum group size and without free text (free
text is raw answers). Results pages then read the snapshot (see surveys.results).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from portal.audit import audit_log

from .models import Answer, Response, ResultSnapshot, Survey
from .results import compute_numbers, response_rate_data, suppress

SNAPSHOT_VERSION = 1


def _group(responses, min_group_size: int) -> dict:
    numbers = suppress(compute_numbers(responses, with_texts=False), min_group_size)
    numbers.pop("texts", None)
    return numbers


def result_snapshot_data(*, survey: Survey) -> dict:
    """The aggregates kept after the purge (JSON-ready)."""
    submitted = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    size = survey.min_group_size
    keys = submitted.values_list("county_id", "library_id", "role").distinct().order_by()
    counties = sorted({c for c, _l, _r in keys if c is not None})
    libraries = sorted({lib for _c, lib, _r in keys if lib is not None})
    roles = sorted({r for _c, _l, r in keys})
    groups = {"all": _group(submitted, size)}
    for role in roles:
        groups[f"role:{role}"] = _group(submitted.filter(role=role), size)
    for county_id in counties:
        in_county = submitted.filter(county_id=county_id)
        groups[f"county:{county_id}"] = _group(in_county, size)
        for role in roles:
            groups[f"county:{county_id}|role:{role}"] = _group(in_county.filter(role=role), size)
    for library_id in libraries:
        groups[f"library:{library_id}"] = _group(submitted.filter(library_id=library_id), size)
    return {
        "version": SNAPSHOT_VERSION,
        "min_group_size": size,
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
