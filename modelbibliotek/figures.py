"""The portal's own figures beside a model library's indicators: the share of the library's
staff (its leaders and staff in the portal) who attended a gathering of the programme, answered
one of its surveys, or completed the online part of one of its courses.

The survey figure says who took part, which is less than what they answered but still about
people: like every survey figure it is shown only when the library has at least the surveys'
minimum group size of staff; smaller libraries see that it is withheld, and why.

Computed for many libraries at once in a fixed number of queries (for the overview of every
model library side by side).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from courses.learning.selectors import online_completers
from courses.models import Course, Registration
from portal.models import RoleAssignment
from surveys.models import Participation, Survey

from .models import Indicator

Figure = Indicator.PortalFigure


def min_group_size(programme=None) -> int:
    """The surveys' minimum group size in force: the largest of the programme's surveys (never
    below the portal's floor: `Survey.group_size_threshold`)."""
    surveys = Survey.objects.filter(programme=programme) if programme is not None else []
    return max([s.group_size_threshold for s in surveys] or [Survey().group_size_threshold])


@dataclass(frozen=True)
class PortalFigure:
    count: int
    staff: int
    withheld: bool = False
    # The group size it was withheld under (kept with a frozen report).
    threshold: int | None = None

    @property
    def percent(self) -> int | None:
        if self.withheld or not self.staff:
            return None
        return round(100 * self.count / self.staff)

    def display(self) -> str:
        if self.withheld:
            return _("Not shown: the library has fewer than %(size)s staff in the portal.") % {
                "size": self.threshold or min_group_size()
            }
        if not self.staff:
            return _("No staff in the portal yet.")
        return _("%(percent)s %% (%(count)s of %(staff)s staff)") % {
            "percent": self.percent,
            "count": self.count,
            "staff": self.staff,
        }


def portal_figures(*, programme, library_ids) -> dict[int, dict[str, PortalFigure]]:
    """Library id → figure code → the figure, for the programme."""
    staff: dict[int, set[int]] = defaultdict(set)
    for library_id, user_id in RoleAssignment.objects.filter(
        library_id__in=list(library_ids), user__is_active=True
    ).values_list("library_id", "user_id"):
        staff[library_id].add(user_id)
    people = set().union(*staff.values()) if staff else set()
    if not people:
        return {library_id: {} for library_id in library_ids}
    attended = set(
        Registration.objects.filter(
            gathering__course__programme=programme,
            status=Registration.Status.ATTENDED,
            user_id__in=people,
        ).values_list("user_id", flat=True)
    )
    answered = set(
        Participation.objects.filter(
            survey__programme=programme, completed_at__isnull=False, user_id__in=people
        ).values_list("user_id", flat=True)
    )
    completed: set[int] = set()
    course_ids = Course.objects.filter(programme=programme).values_list("pk", flat=True)
    for users in online_completers(course_ids=course_ids).values():
        completed |= users
    smallest = min_group_size(programme)
    figures = {}
    for library_id in library_ids:
        members = staff.get(library_id, set())
        figures[library_id] = {
            Figure.GATHERING: PortalFigure(len(members & attended), len(members)),
            Figure.SURVEY: PortalFigure(
                len(members & answered),
                len(members),
                withheld=len(members) < smallest,
                threshold=smallest,
            ),
            Figure.LEARNING: PortalFigure(len(members & completed), len(members)),
        }
    return figures


def figure_for(figures: dict, library_id: int, code: str) -> dict | None:
    """A figure as plain data for a report's content (frozen at approval with the rest)."""
    figure = figures.get(library_id, {}).get(code) if code else None
    if figure is None:
        return None
    if figure.withheld:  # nothing about the few is kept, not even in a frozen report
        return {"count": 0, "staff": 0, "withheld": True, "threshold": figure.threshold}
    return {"count": figure.count, "staff": figure.staff, "withheld": False}
