"""The read API, /api/v1/: every list is exactly what the one policy lets the caller see
(`permissions.for_action`), and every object is fetched inside it (`get_visible_or_404`: out of
scope answers 404, like a missing one). No view checks anything of its own."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from courses.learning.selectors import (
    course_completion_table,
    courses_with_online_totals,
    online_completer_counts,
)
from courses.models import Course, Gathering, Registration
from courses.selectors import gatherings_with_counts
from hospitering.models import Offer, Placement
from modelbibliotek.models import Indicator, IndicatorValue, ModelLibrary, ProgressReport
from modelbibliotek.selectors import TOLD
from portal import permissions
from portal.dashboard import dashboard_cards
from portal.models import County, Library, Programme
from surveys.models import Page, Question, Survey
from surveys.results.selectors import survey_results_kept

from . import filters, key_figures, results, serializers

CSV = "csv"


def _as_csv(request) -> bool:
    return request.accepted_renderer.format == CSV


@extend_schema_view(
    list=extend_schema(description=_("The objects you may see, in a stable order, page by page.")),
    retrieve=extend_schema(description=_("One object you may see; any other id answers 404.")),
)
class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only resource over one model with a policy: what the caller may `view` (or, with
    `policy_action`, what they may do that to: an object they may see but not that answers 403)."""

    model: type
    policy_action = "view"
    ordering: tuple[str, ...] = ("pk",)

    def related(self, queryset):
        """Select and prefetch what the serializer reads (a fixed number of queries)."""
        return queryset

    def get_queryset(self):
        allowed = permissions.for_action(self.request.user, self.model, self.policy_action)
        return self.related(allowed).order_by(*self.ordering)

    def get_object(self):
        obj = permissions.get_visible_or_404(
            self.request, self.related(self.model._default_manager.all()), pk=self.kwargs["pk"]
        )
        if self.policy_action != "view":
            permissions.require(self.request, self.policy_action, obj)
        return obj


class ProgrammeViewSet(PolicyViewSet):
    model = Programme
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = filters.ProgrammeFilter

    def related(self, queryset):
        return queryset.prefetch_related("counties", "competence_areas")

    @extend_schema(
        responses={
            (200, "application/json"): key_figures.CountyFiguresSerializer(many=True),
            (200, "text/csv"): key_figures.KeyFigureRowSerializer(many=True),
        },
        description=_(
            "The key figures of the programme's dashboard, per county, as on the county cards: "
            "only the counties whose figures you see on the dashboard (a coordinator their own), "
            "with what the minimum group size holds back left out as there. Each figure has a key "
            "that stays the same in every language; a figure with items (the largest gaps) has "
            "them as rows of their own in the CSV. 403 if you may see the programme but not its "
            "dashboard."
        ),
    )
    @action(
        detail=True,
        url_path="key-figures",
        filterset_class=None,
        pagination_class=None,
        serializer_class=key_figures.KeyFigureRowSerializer,  # the CSV's columns
    )
    def key_figures(self, request, pk=None):
        programme = permissions.get_visible_or_404(
            request, Programme.objects.prefetch_related("counties", "competence_areas"), pk=pk
        )
        permissions.require(request, "view_dashboard", programme)
        data = key_figures.key_figures_data(dashboard_cards(programme=programme, user=request.user))
        return Response(key_figures.key_figure_rows(data) if _as_csv(request) else data)


class CountyViewSet(PolicyViewSet):
    model = County
    serializer_class = serializers.CountySerializer
    filterset_class = filters.CountyFilter
    ordering = ("number", "pk")


class LibraryViewSet(PolicyViewSet):
    model = Library
    serializer_class = serializers.LibrarySerializer
    filterset_class = filters.LibraryFilter


class SurveyViewSet(PolicyViewSet):
    model = Survey
    filterset_class = filters.SurveyFilter

    def get_serializer_class(self):
        if self.action == "retrieve":
            return serializers.SurveyDetailSerializer
        return serializers.SurveySerializer

    def related(self, queryset):
        if self.action != "retrieve":
            return queryset
        questions = Question.objects.prefetch_related("options", "statements").order_by(
            "position", "id"
        )
        return queryset.prefetch_related(
            Prefetch(
                "pages",
                Page.objects.prefetch_related(Prefetch("questions", questions)).order_by(
                    "position", "id"
                ),
            )
        )

    @extend_schema(
        parameters=[results.ResultQuerySerializer],
        responses={
            (200, "application/json"): results.SurveyResultsSerializer,
            (200, "text/csv"): results.ResultRowSerializer(many=True),
        },
        description=_(
            "The survey's aggregated results, as on its results page: only for the counties and "
            "libraries you may see, no figure about fewer respondents than the survey's minimum "
            "group size (nor one that would reveal a smaller group by subtraction), never an "
            "answer or a free text. 403 if you may see the survey but not its results. As CSV, "
            "one figure a row (a figure held back is empty there). While responses come in, the "
            "figures may be as they were up to a few minutes ago (as on the results page): "
            "as_of says when; it is null when they are as the answers are now."
        ),
    )
    @action(
        detail=True,
        filterset_class=None,
        pagination_class=None,
        serializer_class=results.ResultRowSerializer,  # the CSV's columns
    )
    def results(self, request, pk=None):
        survey = permissions.get_visible_or_404(
            request, Survey.objects.select_related("programme", "baseline"), pk=pk
        )
        permissions.require(request, "view_results", survey)
        query = results.ResultQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asked = query.filters()
        kept = survey_results_kept(
            survey=survey, user=request.user, filters=asked, of=results.RESULTS_DATA
        )
        refused = query.refused_filters(asked, kept.filters)
        if refused:
            raise ValidationError(refused)
        data = {**kept.value, "as_of": kept.as_of}  # (the same answer serves a state later)
        return Response(results.result_rows(data) if _as_csv(request) else data)


class CourseViewSet(PolicyViewSet):
    model = Course
    serializer_class = serializers.CourseSerializer
    filterset_class = filters.CourseFilter

    def related(self, queryset):
        return queryset.prefetch_related("competence_areas")


@extend_schema_view(
    list=extend_schema(
        description=_(
            "The online part (learning arena) of each course you manage, as on its completion "
            "page: its modules, lessons and assignments, its participants, and how many of them "
            "completed it (every lesson done, every assignment approved: they get its "
            "certificate). Only the courses you manage; the course's id is the id here."
        )
    ),
    retrieve=extend_schema(
        description=_(
            "One course's online part. 404 for a course you may not see, 403 for one you see "
            "but do not manage."
        )
    ),
)
class CourseCompletionViewSet(PolicyViewSet):
    model = Course
    policy_action = "manage"  # the figures of a course's arena are its managers' (as its pages)
    serializer_class = serializers.CourseCompletionSerializer
    filterset_class = filters.CourseCompletionFilter

    def related(self, queryset):
        return courses_with_online_totals(queryset)

    @staticmethod
    def _with_completers(courses):
        counts = online_completer_counts(course_ids=[course.pk for course in courses])
        for course in courses:
            course.completed_count = counts[course.pk]
        return courses

    def paginate_queryset(self, queryset):
        return self._with_completers(super().paginate_queryset(queryset))

    def retrieve(self, request, *args, **kwargs):
        course = self._with_completers([self.get_object()])[0]
        return Response(self.get_serializer(course).data)

    @extend_schema(
        responses=serializers.ParticipantCompletionSerializer(many=True),
        description=_(
            "Each participant of the course (holding a seat or having attended) with their "
            "progress through its online part, as on its completion page. For the course's "
            "managers: 404 for a course you may not see, 403 for one you see but do not manage."
        ),
    )
    @action(
        detail=True,
        filterset_class=None,
        pagination_class=None,
        serializer_class=serializers.ParticipantCompletionSerializer,
    )
    def participants(self, request, pk=None):
        table = course_completion_table(course=self.get_object())
        serializer = self.get_serializer(
            table.rows,
            many=True,
            context={
                **self.get_serializer_context(),
                "lessons_total": table.lessons_total,
                "assignments_total": table.assignments_total,
            },
        )
        return Response(serializer.data)


class GatheringViewSet(PolicyViewSet):
    model = Gathering
    serializer_class = serializers.GatheringSerializer
    filterset_class = filters.GatheringFilter
    ordering = ("starts_at", "pk")

    def related(self, queryset):
        return gatherings_with_counts(queryset)


class RegistrationViewSet(PolicyViewSet):
    model = Registration
    serializer_class = serializers.RegistrationSerializer
    filterset_class = filters.RegistrationFilter

    def related(self, queryset):
        return queryset.select_related("gathering", "user")


class OfferViewSet(PolicyViewSet):
    model = Offer
    serializer_class = serializers.OfferSerializer
    filterset_class = filters.OfferFilter

    def related(self, queryset):
        return queryset.select_related("host_library").prefetch_related(
            "competence_areas", "periods"
        )


class PlacementViewSet(PolicyViewSet):
    model = Placement
    serializer_class = serializers.PlacementSerializer
    filterset_class = filters.PlacementFilter
    ordering = ("starts_on", "pk")

    def related(self, queryset):
        return queryset.select_related(
            "application__offer", "application__home_library", "application__applicant"
        ).prefetch_related("budget_lines__funding_source")


class ModelLibraryViewSet(PolicyViewSet):
    model = ModelLibrary
    serializer_class = serializers.ModelLibrarySerializer
    filterset_class = filters.ModelLibraryFilter

    def related(self, queryset):
        return queryset.select_related("library").prefetch_related("competence_areas")


class IndicatorViewSet(PolicyViewSet):
    model = Indicator
    serializer_class = serializers.IndicatorSerializer
    filterset_class = filters.IndicatorFilter
    ordering = ("goal__model_library_id", "goal__position", "position", "pk")

    def related(self, queryset):
        # Values over time: those of the submitted and approved reports the person may see, as
        # the model library's own page draws them (modelbibliotek.selectors.indicator_series).
        reports = permissions.visible(self.request.user, ProgressReport).filter(status__in=TOLD)
        values = (
            IndicatorValue.objects.filter(report__in=reports)
            .select_related("report__period")
            .order_by("report__period__starts_on", "report__period_id")
        )
        return queryset.select_related("goal").prefetch_related(
            Prefetch("values", queryset=values, to_attr="reported_values")
        )


class ProgressReportViewSet(PolicyViewSet):
    model = ProgressReport
    serializer_class = serializers.ProgressReportSerializer
    filterset_class = filters.ProgressReportFilter

    def related(self, queryset):
        return queryset.select_related("period")


@extend_schema(exclude=True)
@api_view(["GET", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Any other address under /api/: a 404 in JSON, like a missing object."""
    raise NotFound
