"""The courses' panel of the programme dashboard: courses on the competence areas, and who came.

The third and fourth step of the programme's loop: courses on the areas where the baseline survey
found gaps, and attendance (registered, attended, libraries reached) per county; then, per
competence area, the attendances in courses tagged with that area, so the reader sees which gaps
were worked on.

Grouping: a course is counted under its own county (the county whose coordinator runs it). A
programme-wide course (no county) is counted in a row of its own, "Programme-wide courses", and
not split over the counties of its gatherings: `course_statistics` counts per course, and a
programme-wide course's participants come from every county. That row is shown only to those who
see the whole programme (the project leader), since its figures include every county's
participants; a coordinator sees the courses of the counties they coordinate.

Completion: "completed online" counts the participants who completed a course's online part
(every lesson done, every assignment approved: they get its certificate); a person counts once
per course.

Gatherings: those not cancelled. Figures come from `courses.selectors.course_statistics` (three
queries: per course, per course county and in total) and
`courses.learning.selectors.online_completer_counts` (one query, counted in the database), so the
panel's queries are fixed: they grow neither with counties nor with courses or registrations, and
no registration or lesson completion is read into Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.dashboard import (
    ActivityCosts,
    DashboardPanel,
    DashboardTable,
    KeyFigure,
    LoopFigure,
    TimelineEvent,
    dashboard_areas,
    dashboard_counties,
    register,
    register_costs,
    register_timeline,
    share_figure,
)
from portal.models import Library

from .models import Course, Gathering
from .selectors import (
    course_statistics,
    gathering_costs,
    libraries_reached,
    programme_participation,
)

PROGRAMME_WIDE = "programme"


@dataclass
class CourseGroupRow:
    """The figures of one county's courses (or of the programme-wide courses, or all)."""

    label: str
    courses: int
    gatherings: int
    registered: int
    attended: int
    libraries_reached: int
    completed_online: int = 0
    area_attendances: list[int] = field(default_factory=list)


@dataclass
class CourseRow:
    course: Course
    gatherings: int
    registered: int
    attended: int
    libraries_reached: int
    completed_online: int
    area_names: list[str]


def _group_row(
    label: str, courses: list[Course], areas, completers: dict[int, int], per_course, totals
) -> CourseGroupRow:
    """The group's row: `totals` are `course_statistics`' figures of exactly these courses."""
    return CourseGroupRow(
        label=label,
        courses=len(courses),
        gatherings=sum(c.gathering_count for c in courses),
        registered=totals["registered"],
        attended=totals["attended"],
        libraries_reached=totals["libraries_reached"],
        completed_online=sum(completers[c.pk] for c in courses),
        area_attendances=[
            sum(
                per_course[c.pk]["attended"]
                for c in courses
                if any(a.pk == area.pk for a in c.competence_areas.all())
            )
            for area in areas
        ],
    )


@register
def course_panel(*, programme, county_ids, user, period=None, **kwargs) -> DashboardPanel:
    counties = dashboard_counties(programme=programme, county_ids=county_ids)
    areas = dashboard_areas(programme=programme)
    courses = Course.objects.filter(programme=programme)
    if county_ids is not None:
        courses = courses.filter(county_id__in=county_ids)
    if period is not None:  # the courses with a gathering in the period
        courses = courses.filter(
            gatherings__starts_at__date__gte=period.start,
            gatherings__starts_at__date__lte=period.end,
        ).distinct()
    courses = list(
        courses.select_related("county")
        .prefetch_related("competence_areas")
        .annotate(
            gathering_count=Count("gatherings", filter=Q(gatherings__cancelled_at__isnull=True))
        )
        .order_by("county__number", "title", "id")
    )
    context = {
        "areas": [area.localized_name for area in areas],
        "groups": [],
        "total": None,
        "courses": [],
        "course_list_url": reverse("courses:course_list"),
    }
    panel = DashboardPanel(
        key="courses",
        title=gettext_lazy("Courses and attendance"),
        template="portal/dashboard/courses.html",
        context=context,
        order=30,
    )
    _add_county_figures(panel, programme, counties, areas, county_ids, period)
    # "Held" counts the gatherings started: the figures change when the next one starts.
    panel.valid_until = Gathering.objects.filter(
        course__programme=programme, cancelled_at__isnull=True, starts_at__gt=timezone.now()
    ).aggregate(next=Min("starts_at"))["next"]
    if county_ids is not None:  # a coordinator drills down to each library of their county
        libraries = list(
            libraries_reached(programme=programme, county_ids=county_ids, period=period)
        )
        context["libraries"] = libraries
        panel.tables.append(
            DashboardTable(
                key="libraries",
                title=_("Libraries reached by the courses"),
                columns=[_("Library"), _("County"), _("People with a role"), _("Participants")],
                rows=[
                    [lib.name, lib.county.name, lib.staff, lib.participants] for lib in libraries
                ],
            )
        )
    if not courses:
        return panel
    from .learning.selectors import online_completer_counts

    completers = online_completer_counts(course_ids=[c.pk for c in courses])
    # One computation for all rows: per course, per course county and in total.
    statistics = course_statistics(courses=courses, by_county=True)
    per_course, per_county = statistics["per_course"], statistics["per_county"]
    nothing = dict.fromkeys(("registered", "attended", "libraries_reached"), 0)

    def row(label, group, totals):
        return _group_row(label, group, areas, completers, per_course, totals)

    for county in counties:
        group = [c for c in courses if c.county_id == county.pk]
        context["groups"].append(row(county.name, group, per_county.get(county.pk, nothing)))
    if county_ids is None:
        programme_wide = [c for c in courses if c.county_id is None]
        if programme_wide:
            totals = per_county.get(None, nothing)
            context["groups"].append(row(_("Programme-wide courses"), programme_wide, totals))
        context["total"] = row(_("All courses"), courses, statistics)
    # The course list shows exactly the courses counted in the rows above.
    context["courses"] = [
        CourseRow(
            course=course,
            gatherings=course.gathering_count,
            registered=per_course[course.pk]["registered"],
            attended=per_course[course.pk]["attended"],
            libraries_reached=per_course[course.pk]["libraries_reached"],
            completed_online=completers[course.pk],
            area_names=[a.localized_name for a in course.competence_areas.all()],
        )
        for course in courses
        if course.pk in per_course
    ]
    total = [context["total"]] if context["total"] else []
    panel.tables.append(
        DashboardTable(
            key="courses",
            title=_("Courses, gatherings and attendance per county"),
            columns=[
                _("County"),
                _("Courses"),
                _("Gatherings"),
                _("Registered"),
                _("Attended"),
                _("Libraries reached"),
                _("Completed online"),
            ],
            rows=[
                [
                    r.label,
                    r.courses,
                    r.gatherings,
                    r.registered,
                    r.attended,
                    r.libraries_reached,
                    r.completed_online,
                ]
                for r in [*context["groups"], *total]
            ],
        )
    )
    return panel


def _add_county_figures(panel, programme, counties, areas, county_ids, period) -> None:
    """Each county's card (gatherings, registrations, attendance rate, libraries reached,
    learning-arena completion, by the participants' county) and its course attendances per
    area in the loop. Five queries."""
    from .learning.selectors import learning_completion_by_county

    figures = programme_participation(programme=programme, county_ids=county_ids, period=period)
    learning = learning_completion_by_county(
        programme=programme, county_ids=county_ids, period=period
    )
    libraries = dict(
        Library.objects.filter(county__in=counties)
        .values_list("county_id")
        .annotate(count=Count("id"))
        .order_by()
    )
    for county in counties:
        held = figures["gatherings"].get(county.pk, {})
        people = figures["people"].get(county.pk, {})
        attended, absent = people.get("attended", 0), people.get("absent", 0)
        panel.key_figures[county.pk] = [
            KeyFigure(
                _("Gatherings held / planned"),
                f"{held.get('held', 0)} / {held.get('planned', 0)}",
                order=30,
                key="gatherings-held-planned",
            ),
            KeyFigure(
                _("Course registrations"),
                str(people.get("registered", 0)),
                order=31,
                key="course-registrations",
            ),
            share_figure(
                _("Attendance rate"), attended, attended + absent, order=32, key="attendance-rate"
            ),
            share_figure(
                _("Libraries with a participant"),
                people.get("libraries_reached", 0),
                libraries.get(county.pk, 0),
                order=33,
                key="libraries-with-participant",
            ),
            share_figure(
                _("Completed the learning arena"),
                learning.get(county.pk, (0, 0))[1],
                learning.get(county.pk, (0, 0))[0],
                order=34,
                key="learning-arena-completed",
            ),
        ]
        for area in areas:
            count = figures["per_area"].get((county.pk, area.pk), 0)
            panel.loop[(county.pk, area.pk)] = [LoopFigure(3, _("Attended courses"), str(count))]


@register_costs
def gathering_costs_for_budget(*, programme, county_ids, period=None) -> ActivityCosts:
    """The gatherings' recorded costs for the dashboard's budget, in the gathering's county."""
    costs = gathering_costs(programme=programme, county_ids=county_ids, period=period)
    return ActivityCosts(label=_("gatherings"), order=30, **costs)


@register_timeline
def gathering_timeline(*, programme, county_ids, period=None) -> list[TimelineEvent]:
    """The gatherings (not cancelled) in the counties the reader sees. One query."""
    gatherings = Gathering.objects.filter(
        course__programme=programme, cancelled_at__isnull=True
    ).select_related("course", "county")
    if county_ids is not None:
        gatherings = gatherings.filter(county_id__in=county_ids)
    if period is not None:
        gatherings = gatherings.filter(
            starts_at__date__gte=period.start, starts_at__date__lte=period.end
        )
    return [
        TimelineEvent(
            day=timezone.localtime(g.starts_at).date(),
            until=timezone.localtime(g.ends_at).date(),
            kind="gathering",
            kind_label=_("Gathering"),
            title=f"{g.course.title}: {g}" if g.title else str(g),
            county=g.county,
        )
        for g in gatherings
    ]
