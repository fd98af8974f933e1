"""Pages of the model libraries. Thin: fetch through the policy, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions, querystring
from portal.forms import add_service_errors
from portal.models import Library, Programme
from portal.table_versions import kept_html

from . import exports, pdf, selectors, services
from .forms import (
    ApproveForm,
    AttachmentForm,
    CommentForm,
    GoalForm,
    IndicatorForm,
    MilestoneForm,
    ModelLibraryForm,
    PlanAnchoringForm,
    ReportCreateForm,
    ReportForm,
    ReportPeriodForm,
    ReturnForm,
)
from .models import (
    Goal,
    Indicator,
    Milestone,
    ModelLibrary,
    PlanAnchoring,
    ProgressReport,
    ReportAttachment,
    ReportPeriod,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _render_form(request, template, context):
    return render(request, template, context, status=400 if request.method == "POST" else 200)


def _programme(request) -> Programme | None:
    """The programme chosen by ?programme=, else the person's newest."""
    chosen = querystring.object_id_from_query(request, "programme")
    if chosen is not None:
        return permissions.get_visible_or_404(request, Programme, pk=chosen)
    return permissions.visible(request.user, Programme).order_by("-start_date", "name").first()


def _model_library(request, pk, action: str | None = None) -> ModelLibrary:
    model_library = permissions.get_visible_or_404(
        request, selectors.model_library_related(ModelLibrary.objects.all()), pk=pk
    )
    if action:
        permissions.require(request, action, model_library)
    return model_library


def _report(request, pk, action: str | None = None) -> ProgressReport:
    report = permissions.get_visible_or_404(
        request,
        ProgressReport.objects.select_related(
            "model_library__library__county", "model_library__programme", "period"
        ),
        pk=pk,
    )
    if action:
        permissions.require(request, action, report)
    return report


# --- model libraries and the programme's report periods --------------------------------------


@login_required
def model_library_list(request):
    programme = _programme(request)
    context = {"programme": programme}
    if programme is not None:
        today = timezone.localdate()
        # The overview is kept as HTML while its rows are unchanged, once for everyone who sees
        # the same model libraries and reports (a hit: their tables' states, one query).
        scope = ":".join(
            permissions.scope_key(request.user, model) for model in (ModelLibrary, ProgressReport)
        )
        (overview,) = kept_html(
            f"modelbibliotek:overview:{programme.pk}:{scope}:{today}",
            ["modelbibliotek/_overview.html"],
            lambda: {
                "programme_id": programme.pk,
                "rows": selectors.programme_overview(
                    user=request.user, programme=programme, today=today
                ),
            },
        )
        context.update(
            overview=overview,
            may_appoint=permissions.can(request.user, "manage_content", programme),
            may_set_periods=permissions.can(request.user, "change", programme),
        )
    return render(request, "modelbibliotek/model_library_list.html", context)


@login_required
def overview_export(request, fmt):
    programme = _programme(request)
    if programme is None:
        raise Http404
    rows = selectors.programme_overview(
        user=request.user, programme=programme, today=timezone.localdate()
    )
    filename = f"modellbibliotek-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        body, content_type = exports.overview_csv(rows), "text/csv; charset=utf-8"
    else:
        body, content_type = exports.overview_xlsx(rows), XLSX
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _appointable_libraries(user, programme):
    libraries = Library.objects.filter(county__programmes=programme).select_related("county")
    allowed = [
        lib.pk
        for lib in libraries
        if permissions.can(user, "appoint", ModelLibrary(programme=programme, library=lib))
    ]
    return Library.objects.filter(pk__in=allowed).select_related("county")


@login_required
def model_library_appoint(request):
    programme = _programme(request)
    libraries = _appointable_libraries(request.user, programme) if programme else None
    if libraries is None or not libraries.exists():
        raise PermissionDenied
    form = ModelLibraryForm(request.POST or None, programme=programme, libraries=libraries)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            model_library = services.model_library_appoint(
                programme=programme,
                appointed_by=request.user,
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The library is appointed as a model library."))
            return redirect("modelbibliotek:model_library_detail", pk=model_library.pk)
    return _render_form(
        request, "modelbibliotek/model_library_form.html", {"form": form, "programme": programme}
    )


@login_required
def model_library_update(request, pk):
    model_library = _model_library(request, pk, "appoint")
    form = ModelLibraryForm(
        request.POST or None,
        instance=model_library,
        programme=model_library.programme,
        people=permissions.users_for("edit", model_library).order_by("full_name", "email"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.model_library_update(
                model_library=model_library, updated_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The project was saved."))
            return redirect("modelbibliotek:model_library_detail", pk=model_library.pk)
    return _render_form(
        request,
        "modelbibliotek/model_library_form.html",
        {"form": form, "programme": model_library.programme, "model_library": model_library},
    )


@login_required
def model_library_detail(request, pk):
    model_library = permissions.get_visible_or_404(
        request, ModelLibrary.objects.select_related("library"), pk=pk
    )
    today = timezone.localdate()
    may_edit = permissions.can(request.user, "edit", model_library)
    may_appoint = permissions.can(request.user, "appoint", model_library)
    periods = selectors.model_library_periods(model_library=model_library, today=today)
    # The project, its goals, milestones and plans (the page's heaviest part) are kept as HTML
    # while their rows are unchanged: a hit costs one query of their tables' states.
    project, plan = kept_html(
        f"modelbibliotek:plan:{model_library.pk}:{today}:{may_edit:d}{may_appoint:d}",
        ["modelbibliotek/_model_library_project.html", "modelbibliotek/_model_library_plan.html"],
        lambda: {
            **selectors.model_library_plan_status(model_library_id=model_library.pk, today=today),
            "may_edit": may_edit,
            "may_appoint": may_appoint,
        },
    )
    context = {
        "model_library": model_library,
        "project": project,
        "plan": plan,
        "periods": periods,
        "may_edit": may_edit,
        "report_form": ReportCreateForm(
            programme=model_library.programme_id, periods=[row["period"] for row in periods]
        ),
    }
    return render(request, "modelbibliotek/model_library_detail.html", context)


@login_required
def period_list(request):
    programme = _programme(request)
    if programme is None:
        raise PermissionDenied
    permissions.require(request, "change", programme)
    return render(
        request,
        "modelbibliotek/period_list.html",
        {"programme": programme, "periods": programme.model_library_report_periods.all()},
    )


@login_required
def period_save(request, period_pk=None):
    programme = _programme(request)
    if programme is None:
        raise PermissionDenied
    permissions.require(request, "change", programme)
    period = None
    if period_pk is not None:
        period = programme.model_library_report_periods.filter(pk=period_pk).first()
        if period is None:
            raise Http404
    form = ReportPeriodForm(request.POST or None, instance=period)
    if request.method == "POST" and "delete" in request.POST and period is not None:
        return _period_delete(request, period)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_period_save(
                programme=programme, saved_by=request.user, period=period, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report period was saved."))
            return redirect(_periods_url(programme))
    return _render_form(
        request,
        "modelbibliotek/period_form.html",
        {"form": form, "programme": programme, "period": period},
    )


def _periods_url(programme) -> str:
    from django.urls import reverse

    return reverse("modelbibliotek:period_list") + f"?programme={programme.pk}"


def _period_delete(request, period: ReportPeriod):
    try:
        services.report_period_delete(period=period, deleted_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The report period was removed."))
    return redirect(_periods_url(period.programme))


# --- the plan ---------------------------------------------------------------------------------


def _plan_part(request, model, part_pk, **lookup):
    """A goal, indicator, milestone or plan of this model library (404 otherwise)."""
    if part_pk is None:
        return None
    part = permissions.get_visible_or_404(request, model, pk=part_pk, **lookup)
    permissions.require(request, "edit", part)
    return part


def _plan_form(request, form, model_library, part, titles: tuple[str, str], *, deletable=False):
    """The form page of a part of the plan; titles = (when adding, when changing)."""
    context = {"form": form, "model_library": model_library, "part": part}
    context.update(title=titles[1] if part is not None else titles[0], deletable=deletable)
    return _render_form(request, "modelbibliotek/plan_form.html", context)


def _back(model_library):
    return redirect("modelbibliotek:model_library_detail", pk=model_library.pk)


def _delete(request, model_library, service, **kwargs):
    try:
        service(deleted_by=request.user, **kwargs)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Removed."))
    return _back(model_library)


@login_required
def goal_save(request, pk, goal_pk=None):
    model_library = _model_library(request, pk, "edit")
    goal = _plan_part(request, Goal, goal_pk, model_library=model_library)
    if request.method == "POST" and "delete" in request.POST and goal is not None:
        return _delete(request, model_library, services.goal_delete, goal=goal)
    form = GoalForm(request.POST or None, instance=goal, programme=model_library.programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.goal_save(
                model_library=model_library, saved_by=request.user, goal=goal, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The goal was saved."))
            return _back(model_library)
    return _plan_form(
        request, form, model_library, goal, (_("Add a goal"), _("Change the goal")), deletable=True
    )


@login_required
def indicator_save(request, pk, goal_pk, indicator_pk=None):
    model_library = _model_library(request, pk, "edit")
    goal = _plan_part(request, Goal, goal_pk, model_library=model_library)
    indicator = _plan_part(request, Indicator, indicator_pk, goal=goal)
    if request.method == "POST" and "delete" in request.POST and indicator is not None:
        return _delete(request, model_library, services.indicator_delete, indicator=indicator)
    initial = IndicatorForm.initial_for(indicator) if indicator else None
    form = IndicatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_save(
                goal=goal, saved_by=request.user, indicator=indicator, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The indicator was saved."))
            return _back(model_library)
    return _plan_form(
        request,
        form,
        model_library,
        indicator,
        (_("Add an indicator"), _("Change the indicator")),
        deletable=True,
    )


@login_required
def milestone_save(request, pk, milestone_pk=None):
    model_library = _model_library(request, pk, "edit")
    milestone = _plan_part(request, Milestone, milestone_pk, model_library=model_library)
    if request.method == "POST" and "delete" in request.POST and milestone is not None:
        return _delete(request, model_library, services.milestone_delete, milestone=milestone)
    form = MilestoneForm(request.POST or None, instance=milestone, model_library=model_library)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_save(
                model_library=model_library,
                saved_by=request.user,
                milestone=milestone,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The milestone was saved."))
            return _back(model_library)
    return _plan_form(
        request,
        form,
        model_library,
        milestone,
        (_("Add a milestone"), _("Change the milestone")),
        deletable=True,
    )


@login_required
def plan_save(request, pk, plan_pk=None):
    model_library = _model_library(request, pk, "edit")
    plan = _plan_part(request, PlanAnchoring, plan_pk, model_library=model_library)
    form = PlanAnchoringForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        report = selectors.open_report(model_library=model_library)
        try:
            services.plan_save(
                model_library=model_library,
                saved_by=request.user,
                plan=plan,
                report=report,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The plan anchoring was saved."))
            return _back(model_library)
    return _plan_form(
        request, form, model_library, plan, (_("Add a plan"), _("Change the plan anchoring"))
    )


# --- reports ----------------------------------------------------------------------------------


@login_required
@require_POST
def report_create(request, pk):
    model_library = _model_library(request, pk, "edit")
    form = ReportCreateForm(request.POST, programme=model_library.programme)
    if form.is_valid():
        try:
            report = services.report_create(
                model_library=model_library,
                period=form.cleaned_data["period"],
                created_by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return redirect("modelbibliotek:report_edit", pk=report.pk)
    messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    return _back(model_library)


@login_required
def report_detail(request, pk, forms=None):
    report = _report(request, pk)
    context = {
        "report": report,
        "model_library": report.model_library,
        "content": selectors.report_display(report=report),
        "history": selectors.report_history(report=report),
        "comments": report.comments.select_related("author"),
        "attachments": report.attachments.all(),
        "may_edit": report.is_editable and permissions.can(request.user, "edit", report),
        "may_decide": report.status == report.Status.SUBMITTED
        and permissions.can(request.user, "decide", report),
        "may_comment": permissions.can(request.user, "comment", report),
        "overdue": report.is_overdue(timezone.localdate()),
        "return_form": ReturnForm(),
        "approve_form": ApproveForm(),
        "comment_form": CommentForm(),
        "attachment_form": AttachmentForm(),
        **(forms or {}),
    }
    status = 400 if forms else 200
    return render(request, "modelbibliotek/report_detail.html", context, status=status)


@login_required
def report_pdf(request, pk):
    report = _report(request, pk)
    body = pdf.report_pdf(
        report=report,
        content=selectors.report_display(report=report),
        comments=list(report.comments.select_related("author")),
        history=selectors.report_history(report=report),
    )
    filename = f"rapport-{slugify(report.model_library.library.name)}-{report.period_id}.pdf"
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def report_edit(request, pk):
    report = _report(request, pk, "edit")
    if not report.is_editable:
        messages.error(request, _("This report is submitted and can no longer be changed."))
        return redirect("modelbibliotek:report_detail", pk=report.pk)
    form = ReportForm(request.POST or None, instance=report, **selectors.report_form_parts(report))
    if request.method == "POST" and form.is_valid():
        try:
            services.report_update(
                report=report,
                updated_by=request.user,
                narrative=form.narrative(),
                values=form.values(),
                milestones=form.milestone_changes(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report was saved. Submit it when it is ready."))
            return redirect("modelbibliotek:report_detail", pk=report.pk)
    return _render_form(
        request, "modelbibliotek/report_form.html", {"form": form, "report": report}
    )


def _transition(request, report, service, success: str, **kwargs):
    try:
        service(report=report, **kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            return error
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return None


@login_required
@require_POST
def report_submit(request, pk):
    report = _report(request, pk, "edit")
    _transition(
        request,
        report,
        services.report_submit,
        _("The report is submitted to the county's coordinator."),
        submitted_by=request.user,
    )
    return redirect("modelbibliotek:report_detail", pk=report.pk)


@login_required
@require_POST
def report_decide(request, pk):
    report = _report(request, pk, "decide")
    returning = request.POST.get("decision") == "return"
    form = (ReturnForm if returning else ApproveForm)(request.POST)
    form.is_valid()
    comment = form.cleaned_data.get("comment", "")
    if returning:
        error = _transition(
            request,
            report,
            services.report_return,
            _("The report is returned to the library with your comment."),
            returned_by=request.user,
            comment=comment,
        )
    else:
        error = _transition(
            request,
            report,
            services.report_approve,
            _("The report is approved; its content is kept as it is now."),
            approved_by=request.user,
            comment=comment,
        )
    if error is not None:
        add_service_errors(form, error)
        return report_detail(request, report.pk, forms={"return_form": form})
    return redirect("modelbibliotek:report_detail", pk=report.pk)


@login_required
@require_POST
def report_comment(request, pk):
    report = _report(request, pk, "comment")
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        services.report_comment(
            report=report, author=request.user, text=form.cleaned_data.get("text", "")
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return report_detail(request, report.pk, forms={"comment_form": form})
    messages.success(request, _("Your comment was added."))
    return redirect("modelbibliotek:report_detail", pk=report.pk)


@login_required
@require_POST
def attachment_add(request, pk):
    report = _report(request, pk, "edit")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_attachment_add(
                report=report, uploaded_by=request.user, file=form.cleaned_data["file"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if form.errors:
        return report_detail(request, report.pk, forms={"attachment_form": form})
    messages.success(request, _("The attachment was added."))
    return redirect("modelbibliotek:report_detail", pk=report.pk)


@login_required
def attachment_download(request, pk):
    attachment = permissions.get_visible_or_404(request, ReportAttachment, pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


@login_required
@require_POST
def attachment_delete(request, pk):
    attachment = permissions.get_visible_or_404(request, ReportAttachment, pk=pk)
    permissions.require(request, "edit", attachment)
    try:
        services.report_attachment_delete(attachment=attachment, deleted_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The attachment was removed."))
    return redirect("modelbibliotek:report_detail", pk=attachment.report_id)
