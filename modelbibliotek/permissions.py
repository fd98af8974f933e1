"""Who may do what with model libraries, as rules built from the shared pieces of
portal.permissions (the model library's programme and its library's county); no role checks here.

- The model library's own people (its library's leader and staff) and its county's coordinator
  write: the plan (goals, indicators, milestones, plan anchoring) and the reports.
- The county's coordinator decides on reports (returns or approves them); the project leader
  reads everything and comments. Appointing a model library (and changing its project facts) is
  the county's coordinator's or the project leader's.
- Coordinators of the programme's other counties see the model libraries and their submitted and
  approved reports, never drafts or returned reports.

Report periods belong to the programme: they are the project leader's (`change` on Programme).
Status rules (a submitted report is read-only, only a submitted report is decided) are the
services'.
"""

from __future__ import annotations

from django.db.models import Q

from portal.permissions import Policy, Rule, register, rules

from .models import Goal, Indicator, Milestone, ModelLibrary, PlanAnchoring, ProgressReport
from .models import ReportAttachment as Attachment

Status = ProgressReport.Status
PUBLISHED = (Status.SUBMITTED, Status.APPROVED)


def _parties(p: str = "") -> dict[str, Rule]:
    """The parties of a model library, as rules on an object `p` away from it."""
    programme, library, county = f"{p}programme", f"{p}library", f"{p}library__county"
    return {
        "members": rules.library_member(library=library),
        "leaders": rules.library_leader(library=library),
        "coordinator": rules.county_coordinator(programme=programme, county=county),
        "managers": rules.county_manager(programme=programme, county=county),
        "other_coordinators": rules.programme_coordinator(programme=programme),
    }


def _plan_rules(p: str) -> dict[str, Rule]:
    """A part of the plan (goal, indicator, milestone, plan anchoring): seen by everyone who
    sees the model library, written by its people and its county's coordinator."""
    parties = _parties(p)
    return {
        "view": parties["managers"] | parties["members"] | parties["other_coordinators"],
        "edit": parties["members"] | parties["coordinator"],
    }


_ml = _parties()


@register
class ModelLibraryPolicy(Policy):
    model = ModelLibrary
    county_path = "library__county"
    rules = {
        **_plan_rules(""),
        # Appoint the library and change the project's facts (title, period, areas, contacts).
        "appoint": _ml["coordinator"] | rules.programme_leader(programme="programme"),
        # The library's own people (leaders and staff): their reports are on their home page.
        "member": _ml["members"],
        # The library's leaders hear of decisions when the project names no contact people.
        "lead": _ml["leaders"],
    }


@register
class GoalPolicy(Policy):
    model = Goal
    county_path = "model_library__library__county"
    rules = _plan_rules("model_library__")


@register
class IndicatorPolicy(Policy):
    model = Indicator
    county_path = "goal__model_library__library__county"
    rules = _plan_rules("goal__model_library__")


@register
class MilestonePolicy(Policy):
    model = Milestone
    county_path = "model_library__library__county"
    rules = _plan_rules("model_library__")


@register
class PlanAnchoringPolicy(Policy):
    model = PlanAnchoring
    county_path = "model_library__library__county"
    rules = _plan_rules("model_library__")


def _report_rules(report: str) -> dict[str, Rule]:
    """The rules of a report (`report` = "") or of an object of it (`report` = "report__")."""
    parties = _parties(f"{report}model_library__")
    published = rules.where(
        Q(**{f"{report}status__in": PUBLISHED}),
        lambda o: (o.report if report else o).status in PUBLISHED,
    )
    return {
        "view": parties["managers"]
        | parties["members"]
        | parties["other_coordinators"] & published,
        "edit": parties["members"] | parties["coordinator"],
        "decide": parties["coordinator"],
        "comment": parties["managers"] | parties["members"],
    }


@register
class ProgressReportPolicy(Policy):
    model = ProgressReport
    county_path = "model_library__library__county"
    rules = _report_rules("")


@register
class ReportAttachmentPolicy(Policy):
    model = Attachment
    county_path = "report__model_library__library__county"
    # Seen by whoever sees the report; removed by whoever writes it (while it is editable).
    rules = {
        action: rule
        for action, rule in _report_rules("report__").items()
        if action in ("view", "edit")
    }
