"""Importing survey structures from files, and downloading a survey's structure as JSON."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import Programme

from ..models import Question, Survey
from . import StructureError, survey_export_structure, survey_import_file
from .forms import SurveyImportForm

SESSION_REPORTS = "surveys.import_reports"
KIND_LABELS = dict(Question.Kind.choices)


@login_required
def survey_import(request):
    if not permissions.for_action(request.user, Programme, "manage_content").exists():
        raise PermissionDenied
    form = SurveyImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = survey_import_file(
                programme=form.cleaned_data["programme"],
                county=form.cleaned_data["county"],
                created_by=request.user,
                filename=upload.name,
                data=upload.read(),
            )
        except StructureError as error:
            form.add_error("file", str(error))
        else:
            reports = request.session.get(SESSION_REPORTS, {})
            # Keep only a few: the report is for reading right after the import.
            reports = dict(list(reports.items())[-4:])
            reports[str(result.survey.pk)] = result.report.as_dict()
            request.session[SESSION_REPORTS] = reports
            messages.success(request, _("The survey was imported as a draft."))
            return redirect("surveys:import_report", pk=result.survey.pk)
    return render(request, "surveys/interchange/import_form.html", {"form": form})


def survey_edit_url(survey: Survey) -> str | None:
    """Where the builder shows this survey (owned by the builder; looked up, not assumed)."""
    try:
        return reverse("surveys:survey_detail", args=[survey.pk])
    except NoReverseMatch:
        return None


@login_required
def survey_import_report(request, pk):
    survey = permissions.get_visible_or_404(request, Survey, pk=pk)
    permissions.require(request, "manage", survey)
    report = request.session.get(SESSION_REPORTS, {}).get(str(survey.pk))
    pages = survey.pages.prefetch_related("questions__statements", "questions__options").order_by(
        "position", "id"
    )
    return render(
        request,
        "surveys/interchange/import_report.html",
        {
            "survey": survey,
            "report": report,
            "pages": [
                {
                    "page": page,
                    "questions": [
                        {
                            "question": question,
                            "kind": KIND_LABELS.get(question.kind, question.kind),
                            "rows": len(question.statements.all()) or len(question.options.all()),
                        }
                        for question in page.questions.all()
                    ],
                }
                for page in pages
            ],
            "survey_url": survey_edit_url(survey),
            "may_view": permissions.can(request.user, "view", survey),
        },
    )


@login_required
def survey_export_structure_view(request, pk):
    survey = permissions.get_visible_or_404(request, Survey, pk=pk)
    permissions.require(request, "view", survey)
    data = json.dumps(survey_export_structure(survey), ensure_ascii=False, indent=2)
    response = HttpResponse(data, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-structure.json"'
    return response
