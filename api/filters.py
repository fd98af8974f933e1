"""Filters of the list endpoints: every parameter is validated, and one the endpoint does not
know answers 400 (a misspelt filter would otherwise return everything, silently)."""

from __future__ import annotations

import django_filters as filters
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from courses.models import Course, Gathering, Registration
from hospitering.models import Offer, Placement
from modelbibliotek.models import Indicator, ModelLibrary, ProgressReport
from portal.models import County, Library, Programme
from surveys.models import Survey

BIGGEST_ID = 2**63 - 1  # PostgreSQL's bigint: a larger number is "not found", never an error
PAGING_PARAMETERS = frozenset({"page", "page_size", "format"})


class IdField(forms.IntegerField):
    """Django's IntegerField takes "12.0" as 12; an id is written in ASCII digits only (a minus
    sign is left to min_value, which says what is wrong)."""

    def to_python(self, value):
        digits = value.strip().removeprefix("-") if isinstance(value, str) else ""
        if digits and not (digits.isascii() and digits.isdigit()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": BIGGEST_ID})
class IdFilter(filters.NumberFilter):
    """An id: a whole number (an id out of the person's scope simply matches nothing)."""

    field_class = IdField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGGEST_ID)
        super().__init__(*args, **kwargs)


def _date_from(field_name: str, label):
    return filters.DateFilter(field_name=field_name, lookup_expr="date__gte", label=label)


def _date_until(field_name: str, label):
    return filters.DateFilter(field_name=field_name, lookup_expr="date__lte", label=label)


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        known = set(filterset_class.base_filters) if filterset_class else set()
        unknown = sorted(set(request.query_params) - known - PAGING_PARAMETERS)
        if unknown:
            message = _("Unknown parameter. This list takes: %(names)s.") % {
                "names": ", ".join(sorted(known | {"page", "page_size"}))
            }
            raise ValidationError(dict.fromkeys(unknown, [message]))
        # An empty value would silently mean "no filter": say so instead.
        empty = sorted(name for name, value in request.query_params.items() if not value.strip())
        if empty:
            message = _("Give a value, or leave the parameter out.")
            raise ValidationError(dict.fromkeys(empty, [message]))
        return super().filter_queryset(request, queryset, view)


class ProgrammeFilter(filters.FilterSet):
    county = IdFilter(field_name="counties", distinct=True, label=gettext_lazy("county id"))

    class Meta:
        model = Programme
        fields = []


class CountyFilter(filters.FilterSet):
    programme = IdFilter(field_name="programmes", distinct=True, label=gettext_lazy("programme id"))

    class Meta:
        model = County
        fields = []


class LibraryFilter(filters.FilterSet):
    county = IdFilter(field_name="county_id", label=gettext_lazy("county id"))
    programme = IdFilter(
        field_name="county__programmes", distinct=True, label=gettext_lazy("programme id")
    )
    kind = filters.ChoiceFilter(choices=Library.Kind.choices)

    class Meta:
        model = Library
        fields = []


class SurveyFilter(filters.FilterSet):
    programme = IdFilter(field_name="programme_id", label=gettext_lazy("programme id"))
    county = IdFilter(field_name="county_id", label=gettext_lazy("county id (the owner)"))
    status = filters.ChoiceFilter(choices=Survey.Status.choices)
    closes_from = _date_from("closes_at", gettext_lazy("closes on or after (YYYY-MM-DD)"))
    closes_until = _date_until("closes_at", gettext_lazy("closes on or before (YYYY-MM-DD)"))

    class Meta:
        model = Survey
        fields = []


class CourseFilter(filters.FilterSet):
    programme = IdFilter(field_name="programme_id", label=gettext_lazy("programme id"))
    county = IdFilter(field_name="county_id", label=gettext_lazy("county id (the owner)"))

    class Meta:
        model = Course
        fields = []


class CourseCompletionFilter(filters.FilterSet):
    programme = IdFilter(field_name="programme_id", label=gettext_lazy("programme id"))
    county = IdFilter(field_name="county_id", label=gettext_lazy("county id (the owner)"))
    course = IdFilter(field_name="pk", label=gettext_lazy("course id"))

    class Meta:
        model = Course
        fields = []


class GatheringFilter(filters.FilterSet):
    programme = IdFilter(field_name="course__programme_id", label=gettext_lazy("programme id"))
    course = IdFilter(field_name="course_id", label=gettext_lazy("course id"))
    county = IdFilter(field_name="county_id", label=gettext_lazy("county id (where it is held)"))
    starts_from = _date_from("starts_at", gettext_lazy("starts on or after (YYYY-MM-DD)"))
    starts_until = _date_until("starts_at", gettext_lazy("starts on or before (YYYY-MM-DD)"))

    class Meta:
        model = Gathering
        fields = []


class RegistrationFilter(filters.FilterSet):
    programme = IdFilter(
        field_name="gathering__course__programme_id", label=gettext_lazy("programme id")
    )
    course = IdFilter(field_name="gathering__course_id", label=gettext_lazy("course id"))
    gathering = IdFilter(field_name="gathering_id", label=gettext_lazy("gathering id"))
    library = IdFilter(field_name="library_id", label=gettext_lazy("library id"))
    county = IdFilter(field_name="library__county_id", label=gettext_lazy("county id (library)"))
    status = filters.ChoiceFilter(choices=Registration.Status.choices)
    starts_from = _date_from("gathering__starts_at", gettext_lazy("gathering starts on or after"))
    starts_until = _date_until(
        "gathering__starts_at", gettext_lazy("gathering starts on or before")
    )

    class Meta:
        model = Registration
        fields = []


class OfferFilter(filters.FilterSet):
    programme = IdFilter(field_name="programme_id", label=gettext_lazy("programme id"))
    county = IdFilter(field_name="host_library__county_id", label=gettext_lazy("host county id"))
    library = IdFilter(field_name="host_library_id", label=gettext_lazy("host library id"))
    status = filters.ChoiceFilter(choices=Offer.Status.choices)

    class Meta:
        model = Offer
        fields = []


class PlacementFilter(filters.FilterSet):
    programme = IdFilter(
        field_name="application__offer__programme_id", label=gettext_lazy("programme id")
    )
    county = IdFilter(
        field_name="application__home_library__county_id",
        label=gettext_lazy("home county id (the participant's)"),
    )
    library = IdFilter(
        field_name="application__home_library_id", label=gettext_lazy("home library id")
    )
    host_county = IdFilter(
        field_name="application__offer__host_library__county_id",
        label=gettext_lazy("host county id"),
    )
    starts_from = filters.DateFilter(
        field_name="starts_on", lookup_expr="gte", label=gettext_lazy("first day on or after")
    )
    starts_until = filters.DateFilter(
        field_name="starts_on", lookup_expr="lte", label=gettext_lazy("first day on or before")
    )

    class Meta:
        model = Placement
        fields = []


class ModelLibraryFilter(filters.FilterSet):
    programme = IdFilter(field_name="programme_id", label=gettext_lazy("programme id"))
    county = IdFilter(field_name="library__county_id", label=gettext_lazy("county id"))
    library = IdFilter(field_name="library_id", label=gettext_lazy("library id"))

    class Meta:
        model = ModelLibrary
        fields = []


class IndicatorFilter(filters.FilterSet):
    programme = IdFilter(
        field_name="goal__model_library__programme_id", label=gettext_lazy("programme id")
    )
    county = IdFilter(
        field_name="goal__model_library__library__county_id", label=gettext_lazy("county id")
    )
    model_library = IdFilter(
        field_name="goal__model_library_id", label=gettext_lazy("model library id")
    )

    class Meta:
        model = Indicator
        fields = []


class ProgressReportFilter(filters.FilterSet):
    programme = IdFilter(
        field_name="model_library__programme_id", label=gettext_lazy("programme id")
    )
    county = IdFilter(
        field_name="model_library__library__county_id", label=gettext_lazy("county id")
    )
    model_library = IdFilter(field_name="model_library_id", label=gettext_lazy("model library id"))
    period = IdFilter(field_name="period_id", label=gettext_lazy("report period id"))
    status = filters.ChoiceFilter(choices=ProgressReport.Status.choices)

    class Meta:
        model = ProgressReport
        fields = []
