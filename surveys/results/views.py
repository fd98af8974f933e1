"""Results pages and exports (thin: the figures come from .selectors, files from .exports)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from portal import permissions, querystring
from portal.forms import LongSelect

from ..models import Question, Survey
from . import exports
from .selectors import (
    ROLE_CHOICES,
    ResultFilters,
    my_answers,
    survey_results,
    survey_results_overview,
)

RESULT_SURVEYS = Survey.objects.select_related(
    "programme", "county", "result_snapshot", "baseline", "baseline__result_snapshot"
)


class ResultFilterForm(forms.Form):
    """The filters above the figures; only choices inside the person's scope are offered."""

    county = forms.TypedChoiceField(
        label=gettext_lazy("County"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=LongSelect,
    )
    library = forms.TypedChoiceField(
        label=gettext_lazy("Library"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=LongSelect,
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), required=False, widget=LongSelect)

    def __init__(self, *args, counties=(), libraries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["county"].choices = [("", _("All counties"))] + [
            (c.id, c.name) for c in counties
        ]
        self.fields["library"].choices = [("", _("All libraries"))] + [
            (lib.id, f"{lib.name} ({lib.county_name})") for lib in libraries
        ]
        self.fields["role"].choices = [
            ("", _("All roles")),
            *ROLE_CHOICES,
            ("open_link", _("Open link (no role)")),
        ]
        for bound_field in self.fields.values():
            bound_field.widget.attrs["class"] = "form-select"


def filters_from_query(request) -> ResultFilters:
    """Filters from the query string; malformed values are ignored with a message, never an
    error."""
    role = querystring.choice_from_query(request, "role", [*dict(ROLE_CHOICES), "open_link"])
    if role == "open_link":
        role = ""
    return ResultFilters(
        county_id=querystring.id_from_query(request, "county"),
        library_id=querystring.id_from_query(request, "library"),
        role=role,
    )


def _survey_for_results(request, pk) -> Survey:
    survey = permissions.get_visible_or_404(request, RESULT_SURVEYS, pk=pk)
    permissions.require(request, "view_results", survey)
    return survey


def _filter_form(result) -> ResultFilterForm:
    """The filters chosen, offered the counties and libraries of the results (`SurveyResults`
    or `ResultsOverview`)."""
    filters = result.filters
    return ResultFilterForm(
        initial={
            "county": filters.county_id,
            "library": filters.library_id,
            "role": "open_link" if filters.role == "" else filters.role,
        },
        counties=result.counties,
        libraries=result.libraries,
    )


@login_required
@require_GET
def results(request, pk):
    """The overview: count, response rate, areas and heatmaps; each question on its own page."""
    survey = _survey_for_results(request, pk)
    overview = survey_results_overview(
        survey=survey, user=request.user, filters=filters_from_query(request)
    )
    return render(
        request,
        "surveys/results/results.html",
        {
            "survey": survey,
            "overview": overview,
            "form": _filter_form(overview),
            "query": request.GET.urlencode(),
            "may_export_responses": permissions.can(request.user, "export_responses", survey),
            "raw_exports": RAW_EXPORTS,
        },
    )


@login_required
@require_GET
def results_question(request, pk, question_pk):
    """One question's figures and free text, under the same filters and rules."""
    survey = _survey_for_results(request, pk)
    if not Question.objects.filter(survey=survey, pk=question_pk).exists():
        raise Http404
    result = survey_results(
        survey=survey,
        user=request.user,
        filters=filters_from_query(request),
        part=question_pk,
        fresh_enough=True,
    )
    ids = [question.pk for question in result.question_list]
    index = ids.index(question_pk)
    return render(
        request,
        "surveys/results/results_question.html",
        {
            "survey": survey,
            "results": result,
            "question_result": result.questions[0],
            "previous": result.question_list[index - 1] if index > 0 else None,
            "next": result.question_list[index + 1] if index + 1 < len(ids) else None,
            "form": _filter_form(result),
            "query": request.GET.urlencode(),
        },
    )


RAW_EXPORTS = {
    "responses-wide.csv": gettext_lazy("Responses, one row per response (CSV)"),
    "codebook.csv": gettext_lazy("Codebook for the wide file (CSV)"),
    "responses-long.csv": gettext_lazy("Answers, one row per answer (CSV)"),
    "responses-wide.xlsx": gettext_lazy("Responses, one row per response, with codebook (XLSX)"),
    "responses-long.xlsx": gettext_lazy("Answers, one row per answer (XLSX)"),
}
AGGREGATE_EXPORTS = ("results.csv", "results.xlsx")


def _filename(survey: Survey, name: str) -> str:
    return f"survey-{survey.pk}-{name}"


@login_required
@require_GET
def results_export(request, pk, name):
    survey = _survey_for_results(request, pk)
    if name in AGGREGATE_EXPORTS:
        result = survey_results(
            survey=survey, user=request.user, filters=filters_from_query(request)
        )
        if name.endswith(".csv"):
            return _csv_response(
                request, exports.aggregate_csv_rows(result), _filename(survey, name)
            )
        return _xlsx_response(exports.aggregate_tables(result), _filename(survey, name))
    if name not in RAW_EXPORTS:
        raise Http404
    permissions.require(request, "export_responses", survey)
    if survey.raw_answers_purged_at:
        return render(
            request, "surveys/results/export_unavailable.html", {"survey": survey}, status=410
        )
    if name == "codebook.csv":
        rows = exports.codebook_rows(survey)
    elif name.startswith("responses-wide"):
        rows = exports.wide_rows(survey)
    else:
        rows = exports.long_rows(survey)
    if name.endswith(".csv"):
        return _csv_response(request, rows, _filename(survey, name))
    sheets = {"responses" if "wide" in name else "answers": rows}
    if "wide" in name:
        sheets["codebook"] = exports.codebook_rows(survey)
    return _xlsx_response(sheets, _filename(survey, name))


def _csv_response(request, rows, filename):
    """`?sep=semicolon`: the semicolon-separated variant (Norwegian Excel)."""
    semicolon = request.GET.get("sep") == "semicolon"
    response = StreamingHttpResponse(
        exports.csv_stream(rows, semicolon=semicolon), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _xlsx_response(sheets, filename):
    response = FileResponse(
        exports.xlsx_file(sheets),
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def results_list(request):
    """Surveys whose results this person may see."""
    surveys = (
        permissions.for_action(request.user, Survey, "view_results")
        .exclude(status=Survey.Status.DRAFT)
        .select_related("programme", "county")
        .order_by("-opens_at", "-id")
    )
    return render(
        request, "surveys/results/results_list.html", {"surveys": surveys, "now": timezone.now()}
    )


@login_required
@require_GET
def my_answers_view(request, pk):
    """A person's own answers to a confidential survey they took part in."""
    survey = permissions.get_visible_or_404(request, Survey, pk=pk)
    return render(
        request,
        "surveys/results/my_answers.html",
        {"survey": survey, "answers": my_answers(survey=survey, user=request.user)},
    )
