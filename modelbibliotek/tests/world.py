"""The model libraries' part of the crawl world: in each county of the `world` fixture a model
library (goals, indicators, milestones, plan anchoring) with a report in every state — draft,
submitted, returned, resubmitted and approved, one per report period — and an attachment on the
draft, for the generic policy test and the crawl."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from modelbibliotek import services
from modelbibliotek.models import (
    Goal,
    Indicator,
    Milestone,
    ModelLibrary,
    PlanAnchoring,
    ProgressReport,
    ReportAttachment,
    ReportPeriod,
)
from portal.permissions import path_value
from tests.world import pages

from .factories import model_library, periods, report_at, writer

STATES = ("draft", "submitted", "returned", "resubmitted", "approved")


def populate(world) -> dict:
    report_periods = periods(world.programme, count=len(STATES))
    made: dict = {"model_libraries": {}, "reports": {}}
    for key, library in (("a", world.library_a), ("b", world.library_b)):
        project = model_library(world, library)
        made["model_libraries"][key] = project
        # Oldest period approved, newest a draft: the order a real cycle leaves them in.
        for state, period in zip(reversed(STATES), report_periods, strict=True):
            made["reports"][(key, state)] = report_at(project, period, state)
        draft = made["reports"][(key, "draft")]
        services.report_attachment_add(
            report=draft,
            uploaded_by=writer(draft),
            file=SimpleUploadedFile("notat.txt", b"Notat fra samlingen.", "text/plain"),
        )
    return made


def _in(owner_field: str, id_name: str, **more) -> dict:
    """An address of an object inside a model library: /modellbibliotek/<pk>/.../<id>/."""
    return dict(
        kwargs=lambda obj: {"pk": path_value(obj, owner_field), id_name: obj.pk},
        owner=lambda obj: obj,
        **more,
    )


PAGES = [
    pages(
        ReportPeriod,
        "modelbibliotek:period_update",
        kwargs=lambda period: {"period_pk": period.pk},
        owner=lambda period: period.programme,
    ),
    pages(
        ModelLibrary,
        "modelbibliotek:model_library_detail",
        "modelbibliotek:model_library_update",
        "modelbibliotek:goal_add",
        "modelbibliotek:milestone_add",
        "modelbibliotek:plan_add",
        "modelbibliotek:report_create",
    ),
    pages(Goal, "modelbibliotek:goal_update", **_in("model_library", "goal_pk")),
    pages(
        Goal,
        "modelbibliotek:indicator_add",
        **_in("model_library", "goal_pk"),
    ),
    pages(
        Indicator,
        "modelbibliotek:indicator_update",
        kwargs=lambda indicator: {
            "pk": indicator.goal.model_library_id,
            "goal_pk": indicator.goal_id,
            "indicator_pk": indicator.pk,
        },
    ),
    pages(Milestone, "modelbibliotek:milestone_update", **_in("model_library", "milestone_pk")),
    pages(PlanAnchoring, "modelbibliotek:plan_update", **_in("model_library", "plan_pk")),
    pages(
        ProgressReport,
        "modelbibliotek:report_detail",
        "modelbibliotek:report_pdf",
        "modelbibliotek:report_edit",
        "modelbibliotek:report_submit",
        "modelbibliotek:report_decide",
        "modelbibliotek:report_comment",
        "modelbibliotek:attachment_add",
    ),
    pages(
        ReportAttachment, "modelbibliotek:attachment_download", "modelbibliotek:attachment_delete"
    ),
]
