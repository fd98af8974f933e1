"""Two people submitting, returning or approving the same report at the same moment: exactly one
transition happens, the others are told what happened (PostgreSQL, one connection per thread)."""

import pytest
from django.core.exceptions import ValidationError

from courses.tests.test_concurrency import run_at_once
from modelbibliotek import services
from modelbibliotek.models import ProgressReport
from portal.models import AuditLogEntry

from .factories import decider, model_library, periods, report_at, writer

Status = ProgressReport.Status


@pytest.fixture
def submitted(world):
    project = model_library(world)
    return report_at(project, periods(world.programme, 1)[0], "submitted")


def _transitions(report, action):
    return AuditLogEntry.objects.filter(
        object_type="modelbibliotek.progressreport", object_id=str(report.pk), action=action
    ).count()


@pytest.mark.django_db(transaction=True)
def test_approve_and_return_at_once_make_one_decision(world, submitted):
    coordinator = decider(submitted)
    jobs = [
        lambda: services.report_approve(report=submitted, approved_by=coordinator),
        lambda: services.report_return(report=submitted, returned_by=coordinator, comment="Nei."),
    ] * 3
    errors = run_at_once(jobs)
    submitted.refresh_from_db()
    assert len(errors) == 5
    assert all(isinstance(e, ValidationError) for e in errors)
    assert all("a moment ago; nothing was changed" in str(e) for e in errors)
    decided = _transitions(submitted, "modelbibliotek.report.approved") + _transitions(
        submitted, "modelbibliotek.report.returned"
    )
    assert decided == 1
    if submitted.status == Status.APPROVED:
        assert submitted.frozen and not submitted.comments.exists()
    else:
        assert submitted.status == Status.RETURNED and submitted.comments.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_submissions_at_once_submit_once(world):
    project = model_library(world)
    report = report_at(project, periods(world.programme, 1)[0], "draft")
    person = writer(report)
    errors = run_at_once(
        [lambda: services.report_submit(report=report, submitted_by=person) for _ in range(4)]
    )
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert len(errors) == 3
    assert all("was submitted a moment ago" in str(e) for e in errors)
    assert _transitions(report, "modelbibliotek.report.submitted") == 1
