"""Each constraint of the model libraries, violated through the form a person would use (the
person is whoever the policy names for the action)."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse

from portal.permissions import users_for

from .factories import model_library, periods, report_at


def _as(client_for, action, obj):
    return client_for(users_for(action, obj).order_by("pk").first())


def _period(world, client_for, **changes):
    start = world.programme.start_date
    data = {
        "title": "Vår",
        "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=90)).isoformat(),
        "due_on": (start + timedelta(days=120)).isoformat(),
        **changes,
    }
    url = reverse("modelbibliotek:period_add") + f"?programme={world.programme.pk}"
    return client_for(world.project_leader).post(url, data)


def period_ends_before_start(world, client_for):
    start = world.programme.start_date
    return _period(world, client_for, ends_on=(start - timedelta(days=1)).isoformat())


def period_due_before_end(world, client_for):
    start = world.programme.start_date
    return _period(world, client_for, due_on=(start + timedelta(days=10)).isoformat())


def _appoint(world, client_for, **changes):
    programme = world.programme
    data = {
        "library": world.library_a.pk,
        "title": "Biblioteket i planene",
        "starts_on": programme.start_date.isoformat(),
        "ends_on": programme.end_date.isoformat(),
        **changes,
    }
    url = reverse("modelbibliotek:model_library_appoint") + f"?programme={programme.pk}"
    return client_for(world.coordinator_a).post(url, data)


def project_ends_before_start(world, client_for):
    start = world.programme.start_date
    return _appoint(world, client_for, ends_on=(start - timedelta(days=1)).isoformat())


def appointed_twice(world, client_for):
    model_library(world)
    return _appoint(world, client_for)


def _indicator(world, client_for, **changes):
    project = model_library(world)
    goal = project.goals.first()
    data = {"name": "Andel", "unit": "percent", "baseline": "10", "target": "80", **changes}
    url = reverse("modelbibliotek:indicator_add", args=[project.pk, goal.pk])
    return _as(client_for, "edit", project).post(url, data)


def target_before_baseline(world, client_for):
    start = world.programme.start_date
    return _indicator(
        world,
        client_for,
        baseline_on=(start + timedelta(days=10)).isoformat(),
        target_on=start.isoformat(),
    )


def percent_over_100(world, client_for):
    return _indicator(world, client_for, target="150")


def milestone_done_without_date(world, client_for):
    project = model_library(world)
    data = {
        "title": "Plan vedtatt",
        "due_on": world.programme.end_date.isoformat(),
        "status": "done",
    }
    url = reverse("modelbibliotek:milestone_add", args=[project.pk])
    return _as(client_for, "edit", project).post(url, data)


def plan_adopted_without_date(world, client_for):
    project = model_library(world)
    data = {
        "kind": "regional",
        "name": "Regional plan for kultur",
        "level": "regional",
        "status": "adopted",
    }
    url = reverse("modelbibliotek:plan_add", args=[project.pk])
    return _as(client_for, "edit", project).post(url, data)


def _report_form(world, client_for, changes: dict, *, twice: bool = False):
    project = model_library(world)
    report = report_at(project, periods(world.programme, 1)[0], "draft")
    data = {"activities": "Samlinger.", "results": "", "challenges": "", "next_steps": ""}
    for indicator in report.indicator_values.select_related("indicator"):
        i = indicator.indicator
        data[f"value_{i.pk}"] = "yes" if i.unit == "yes_no" else "40"
    for milestone in project.milestones.all():
        data[f"milestone_{milestone.pk}"] = milestone.status
    for key, value in changes.items():
        data[key(project) if callable(key) else key] = value
    client = _as(client_for, "edit", report)
    url = reverse("modelbibliotek:report_edit", args=[report.pk])
    if twice:
        client.post(url, data)
    return client.post(url, data, follow=True)


def _percent_field(project):
    return f"value_{project.goals.first().indicators.get(unit='percent').pk}"


def _milestone_field(project):
    return f"milestone_{project.milestones.first().pk}"


def value_text_in_number(world, client_for):
    return _report_form(world, client_for, {_percent_field: "mange"})


def value_percent_over_100(world, client_for):
    return _report_form(world, client_for, {_percent_field: "120"})


def value_saved_twice(world, client_for):
    return _report_form(world, client_for, {}, twice=True)


def milestone_status_saved_twice(world, client_for):
    return _report_form(world, client_for, {_milestone_field: "started"}, twice=True)


def milestone_update_done_without_date(world, client_for):
    return _report_form(world, client_for, {_milestone_field: "done"})


def report_twice_for_a_period(world, client_for):
    project = model_library(world)
    period = periods(world.programme, 1)[0]
    report_at(project, period, "draft")
    url = reverse("modelbibliotek:report_create", args=[project.pk])
    return _as(client_for, "edit", project).post(url, {"period": period.pk}, follow=True)


def approved_and_frozen(world, client_for):
    project = model_library(world)
    report = report_at(project, periods(world.programme, 1)[0], "submitted")
    url = reverse("modelbibliotek:report_decide", args=[report.pk])
    response = _as(client_for, "decide", report).post(url, {"decision": "approve"}, follow=True)
    report.refresh_from_db()
    assert report.status == "approved" and report.frozen
    return response


CASES = {
    "report_period_ends_after_start": (
        period_ends_before_start,
        "The period must end on or after the day it starts.",
    ),
    "report_period_due_after_end": (
        period_due_before_end,
        "The report can be due on the period&#x27;s last day at the earliest.",
    ),
    "model_library_ends_after_start": (
        project_ends_before_start,
        "The project must end on or after the day it starts.",
    ),
    "model_library_once_per_programme": (appointed_twice, "is already a model library"),
    "indicator_target_after_baseline": (
        target_before_baseline,
        "The target date must be on or after the baseline date.",
    ),
    "indicator_percent_within_range": (percent_over_100, "A percent must be between 0 and 100."),
    "milestone_done_has_date": (
        milestone_done_without_date,
        "Give the date the milestone was done.",
    ),
    "plan_adopted_has_decision_date": (
        plan_adopted_without_date,
        "Give the date the plan was adopted with library content.",
    ),
    "indicator_value_matches_unit": (value_text_in_number, "Enter a number"),
    "indicator_value_percent_within_range": (
        value_percent_over_100,
        "A percent must be between 0 and 100.",
    ),
    "indicator_value_once_per_report": (value_saved_twice, "The report was saved."),
    "milestone_update_once_per_report": (milestone_status_saved_twice, "The report was saved."),
    "milestone_update_done_has_date": (
        milestone_update_done_without_date,
        "Give the date the milestone was done.",
    ),
    "report_once_per_period": (report_twice_for_a_period, "There is already a report for"),
    "report_approved_is_frozen": (approved_and_frozen, "The report is approved"),
}
