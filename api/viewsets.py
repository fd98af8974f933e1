"""The read API, /api/v1/: every list is exactly what the one policy lets the caller see
(`permissions.for_action`), and every object is fetched inside it (`get_visible_or_404`: out of
scope answers 404, like a missing one). No view checks anything of its own."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from courses.models import Course, Gathering, Registration
from courses.selectors import gatherings_with_counts
from hospitering.models import Offer, Placement
from modelbibliotek.models import Indicator, IndicatorValue, ModelLibrary, ProgressReport
from modelbibliotek.selectors import TOLD
from portal import permissions
from portal.models import County, Library, Programme
from surveys.models import Page, Question, Survey
from surveys.results.selectors import survey_results

from . import filters, results, serializers


@extend_schema_view(
    list=extend_schema(description=_("The objects you may see, in a stable order, page by page.")),
    retrieve=extend_schema(description=_("One object you may see; any other id answers 404.")),
)
class PolicyViewSet(viewsets.ReadOnlyModelViewSet):
    """A read-only resource over one model with a policy: what the caller may `view`."""

    model: type
    ordering: tuple[str, ...] = ("pk",)

    def related(self, queryset):
        """Select and prefetch what the serializer reads (a fixed number of queries)."""
        return queryset

    def get_queryset(self):
        visible = permissions.for_action(self.request.user, self.model, "view")
        return self.related(visible).order_by(*self.ordering)

    def get_object(self):
        return permissions.get_visible_or_404(
            self.request, self.related(self.model._default_manager.all()), pk=self.kwargs["pk"]
        )


class ProgrammeViewSet(PolicyViewSet):
    model = Programme
    serializer_class = serializers.ProgrammeSerializer
    filterset_class = filters.ProgrammeFilter

    def related(self, queryset):
        return queryset.prefetch_related("counties", "competence_areas")


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
        responses=results.SurveyResultsSerializer,
        description=_(
            "The survey's aggregated results, as on its results page: only for the counties and "
            "libraries you may see, no figure about fewer respondents than the survey's minimum "
            "group size (nor one that would reveal a smaller group by subtraction), never an "
            "answer or a free text. 403 if you may see the survey but not its results."
        ),
    )
    @action(
        detail=True,
        filterset_class=None,
        pagination_class=None,
        renderer_classes=[JSONRenderer],  # the figures have no table shape of one row each
    )
    def results(self, request, pk=None):
        survey = permissions.get_visible_or_404(
            request, Survey.objects.select_related("programme", "baseline"), pk=pk
        )
        permissions.require(request, "view_results", survey)
        query = results.ResultQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        asked = query.filters()
        answer = survey_results(
            survey=survey, user=request.user, filters=asked, language=get_language()
        )
        refused = query.refused_filters(asked, answer.filters)
        if refused:
            raise ValidationError(refused)
        return Response(results.results_data(answer))


class CourseViewSet(PolicyViewSet):
    model = Course
    serializer_class = serializers.CourseSerializer
    filterset_class = filters.CourseFilter

    def related(self, queryset):
        return queryset.prefetch_related("competence_areas")


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
