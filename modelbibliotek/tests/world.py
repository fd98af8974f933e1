"""The model libraries' part of the crawl world: in each county of the `world` fixture a model
library (goals, indicators, milestones, plan anchoring) with a report in every state — draft,
submitted, returned, resubmitted and approved, one per report period — and an attachment on the
draft, for the generic policy test and the crawl."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from modelbibliotek import services

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
