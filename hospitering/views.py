"""Pages of the job-shadowing exchange. Thin: fetch through the policy, call a service, render."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import permissions, querystring
from portal.forms import add_service_errors
from portal.models import County, Library, Programme
from portal.table_versions import kept_html

from . import selectors, services
from .forms import (
    ApplicationForm,
    BudgetLineForm,
    CalendarFilterForm,
    DecisionForm,
    FeedbackForm,
    OfferFilterForm,
    OfferForm,
    PeriodForm,
    PeriodFormSet,
    PlacementForm,
    ReportForm,
)
from .ical import placement_calendar
from .models import Application, BudgetLine, Offer, Placement
from .permissions import offer_host_choices


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _programme(request) -> Programme | None:
    """The programme chosen by ?programme=, else the person's newest."""
    programmes = permissions.visible(request.user, Programme).order_by("-start_date", "name")
    chosen = querystring.object_id_from_query(request, "programme")
    if chosen is not None:
        return permissions.get_visible_or_404(request, Programme, pk=chosen)
    return programmes.first()


# --- offers ----------------------------------------------------------------------------------


@login_required
def offer_list(request):
    programme = _programme(request)
    if programme is None:
        return render(request, "hospitering/offer_list.html", {"programme": None})
    areas = selectors.programme_areas(programme=programme)
    counties = selectors.programme_counties(programme=programme)
    gaps = selectors.applicant_gaps(
        user=request.user, programme=programme, areas=areas, counties=counties
    )
    context = {
        "programme": programme,
        "gaps": gaps,
        "offers": _offers_html(request, programme=programme, gaps=gaps),
        "managed": selectors.offers_managed(user=request.user, programme=programme),
        "may_publish": offer_host_choices(user=request.user, programme=programme).exists(),
    }
    return render(request, "hospitering/offer_list.html", context)


def _offers_html(request, *, programme: Programme, gaps: list[selectors.Gap]) -> str:
    """The filter form and the open offers it leaves. Unfiltered (as most people read it), kept
    as HTML while the rows it shows are unchanged, once for everyone who sees the same offers
    with the same gaps first; a filtered list is computed (a key per query string would let
    anyone fill the cache)."""
    if set(request.GET) - {"programme"}:
        return render_to_string(
            "hospitering/_offers.html", _offers_shown(request, programme=programme, gaps=gaps)
        )
    matched = ",".join(f"{gap.area.pk}{gap.source[0]}" for gap in gaps)
    scope = permissions.scope_key(request.user, Offer)
    (offers,) = kept_html(
        f"hospitering:offers:{programme.pk}:{scope}:{matched}",
        ["hospitering/_offers.html"],
        lambda: _offers_shown(request, programme=programme, gaps=gaps),
    )
    return offers


def _offers_shown(request, *, programme: Programme, gaps: list[selectors.Gap]) -> dict:
    """The filter form and the open offers it leaves, read anew (for `kept_html`: every row
    shown is read here, the gaps' areas too)."""
    areas = selectors.programme_areas(programme=programme)
    counties = selectors.programme_counties(programme=programme)
    by_pk = {area.pk: area for area in areas}
    gaps = [replace(gap, area=by_pk[gap.area.pk]) for gap in gaps if gap.area.pk in by_pk]
    form = OfferFilterForm(request.GET or None, programme=programme, areas=areas, counties=counties)
    filters = selectors.OfferFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.OfferFilters(
            area_id=data["area"].pk if data["area"] else None,
            county_id=data["county"].pk if data["county"] else None,
            from_date=data["from_date"],
            to_date=data["to_date"],
            free_places=data["free_places"],
        )
    rows = selectors.offer_list(
        user=request.user, programme=programme, filters=filters, gaps=gaps, areas=areas
    )
    return {"programme_id": programme.pk, "form": form, "rows": rows}


def _get_offer(request, pk):
    return permissions.get_visible_or_404(
        request, selectors.offers_prefetched(Offer.objects.all()), pk=pk
    )


@login_required
def offer_detail(request, pk):
    offer = _get_offer(request, pk)
    may_manage = permissions.can(request.user, "manage", offer)
    return render(
        request,
        "hospitering/offer_detail.html",
        {
            "offer": offer,
            "periods": list(offer.periods.all()),
            "may_manage": may_manage,
            "may_apply": offer.is_open and permissions.can(request.user, "apply", offer),
            "applications": selectors.offer_applications(offer=offer) if may_manage else [],
        },
    )


@login_required
def offer_create(request):
    programme = _programme(request)
    hosts = offer_host_choices(user=request.user, programme=programme) if programme else None
    if hosts is None or not hosts.exists():
        raise PermissionDenied
    form = OfferForm(request.POST or None, programme=programme, host_choices=hosts)
    periods = PeriodFormSet(request.POST or None, prefix="periods")
    if request.method == "POST" and form.is_valid() and periods.is_valid():
        data = dict(form.cleaned_data)
        try:
            offer = services.offer_create(
                created_by=request.user,
                programme=programme,
                host_library=data.pop("host_library"),
                competence_areas=data.pop("competence_areas"),
                periods=periods.periods(),
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The offer is published and open for applications."))
            return redirect("hospitering:offer_detail", pk=offer.pk)
    return render(
        request,
        "hospitering/offer_form.html",
        {"form": form, "periods": periods, "programme": programme, "offer": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def offer_update(request, pk):
    offer = _get_offer(request, pk)
    permissions.require(request, "manage", offer)
    form = OfferForm(request.POST or None, instance=offer, programme=offer.programme)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.offer_update(
                offer=offer,
                updated_by=request.user,
                competence_areas=data.pop("competence_areas"),
                **data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The offer was saved."))
            return redirect("hospitering:offer_detail", pk=offer.pk)
    return render(
        request,
        "hospitering/offer_form.html",
        {"form": form, "programme": offer.programme, "offer": offer},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def offer_status(request, pk):
    """Close, reopen or withdraw an offer (withdrawing asks for confirmation first)."""
    offer = _get_offer(request, pk)
    permissions.require(request, "manage", offer)
    action = request.POST.get("action")
    try:
        if action == "withdraw":
            services.offer_withdraw(
                offer=offer, withdrawn_by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The offer was withdrawn; everyone who applied is told."))
        else:
            services.offer_close(offer=offer, closed_by=request.user, reopen=action == "reopen")
            messages.success(request, _("The offer was saved."))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    return redirect("hospitering:offer_detail", pk=offer.pk)


@login_required
def offer_withdraw_confirm(request, pk):
    offer = _get_offer(request, pk)
    permissions.require(request, "manage", offer)
    approved = offer.applications.filter(status=Application.Status.APPROVED).count()
    return render(
        request, "hospitering/offer_withdraw.html", {"offer": offer, "approved": approved}
    )


@login_required
def period_save(request, pk, period_pk=None):
    """Add a period to an offer (period_pk None) or change one."""
    offer = _get_offer(request, pk)
    permissions.require(request, "manage", offer)
    period = offer.periods.filter(pk=period_pk).first() if period_pk else None
    if period_pk and period is None:
        raise Http404
    form = PeriodForm(request.POST or None, instance=period, prefix="new" if not period else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if period is None:
                services.period_add(offer=offer, added_by=request.user, **data)
            elif "delete" in request.POST:
                services.period_delete(period=period, deleted_by=request.user)
            else:
                services.period_update(period=period, updated_by=request.user, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The periods were saved."))
            return redirect("hospitering:offer_detail", pk=offer.pk)
    return render(
        request,
        "hospitering/period_form.html",
        {"form": form, "offer": offer, "period": period},
        status=400 if request.method == "POST" else 200,
    )


# --- applications ----------------------------------------------------------------------------


@login_required
def application_create(request, pk):
    offer = _get_offer(request, pk)
    permissions.require(request, "apply", offer)
    libraries = services.application_libraries(user=request.user, programme=offer.programme)
    form = ApplicationForm(
        request.POST or None,
        periods=selectors.periods_with_places(offer.periods.all()),
        libraries=libraries,
        initial={"period": request.GET.get("period")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            application = services.application_create(
                applicant=request.user, offer=offer, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Your application is sent. You are told by e-mail at every step.")
            )
            return redirect("hospitering:application_detail", pk=application.pk)
    return render(
        request,
        "hospitering/application_form.html",
        {"form": form, "offer": offer, "application": None},
        status=400 if request.method == "POST" else 200,
    )


def _get_application(request, pk):
    return permissions.get_visible_or_404(
        request, selectors.applications_related(Application.objects.all()), pk=pk
    )


@login_required
def application_detail(request, pk, decision_form=None):
    application = _get_application(request, pk)
    may_decide = application.step and permissions.can(request.user, "decide", application)
    return render(
        request,
        "hospitering/application_detail.html",
        {
            "application": application,
            "decisions": application.decisions.select_related("decided_by"),
            "placement": Placement.objects.filter(application=application).first(),
            "may_decide": may_decide,
            "decision_form": decision_form or (DecisionForm() if may_decide else None),
            "may_withdraw": permissions.can(request.user, "withdraw", application)
            and application.status in Application.ACTIVE_STATUSES,
            "may_edit": permissions.can(request.user, "edit", application)
            and application.status == Application.Status.CHANGES_REQUESTED,
        },
        status=400 if decision_form is not None else 200,
    )


@login_required
def application_update(request, pk):
    application = _get_application(request, pk)
    permissions.require(request, "edit", application)
    form = ApplicationForm(request.POST or None, instance=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_update(
                application=application, updated_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your changes are sent; the application goes on."))
            return redirect("hospitering:application_detail", pk=application.pk)
    return render(
        request,
        "hospitering/application_form.html",
        {"form": form, "offer": application.offer, "application": application},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def application_decide(request, pk):
    application = _get_application(request, pk)
    permissions.require(request, "decide", application)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.application_decide(
                application=application, decided_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your decision is saved; everyone involved is told."))
            return redirect("hospitering:decide_list")
    return application_detail(request, pk, decision_form=form)


@login_required
def application_withdraw(request, pk):
    application = _get_application(request, pk)
    permissions.require(request, "withdraw", application)
    if request.method == "POST":
        try:
            services.application_withdraw(application=application, withdrawn_by=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("The application was withdrawn."))
        return redirect("hospitering:application_detail", pk=application.pk)
    return render(request, "hospitering/application_withdraw.html", {"application": application})


@login_required
def my_applications(request):
    return render(
        request,
        "hospitering/my_applications.html",
        {"applications": selectors.my_applications(user=request.user)},
    )


@login_required
def decide_list(request):
    return render(
        request,
        "hospitering/decide_list.html",
        {"applications": selectors.applications_to_decide(user=request.user)},
    )


# --- placements ------------------------------------------------------------------------------


def _get_placement(request, pk):
    return permissions.get_visible_or_404(
        request,
        Placement.objects.select_related(
            "application__applicant",
            "application__home_library__county",
            "application__offer__host_library__county",
            "application__offer__programme",
            "application__period",
        ),
        pk=pk,
    )


@login_required
def placement_detail(request, pk):
    placement = _get_placement(request, pk)
    user = request.user
    context = {
        "placement": placement,
        "application": placement.application,
        "may_manage": permissions.can(user, "manage", placement),
        "may_budget": permissions.can(user, "edit_budget", placement),
        "may_report": permissions.can(user, "write_report", placement),
        "may_feedback": permissions.can(user, "give_feedback", placement),
        "report": getattr(placement, "report", None)
        if permissions.can(user, "view_report", placement)
        else None,
        "feedback": getattr(placement, "feedback", None)
        if permissions.can(user, "view_feedback", placement)
        else None,
        "lines": list(placement.budget_lines.select_related("funding_source")),
    }
    context["planned"] = sum(line.planned for line in context["lines"])
    context["actual"] = sum(line.actual or 0 for line in context["lines"])
    return render(request, "hospitering/placement_detail.html", context)


@login_required
def placement_update(request, pk):
    placement = _get_placement(request, pk)
    permissions.require(request, "manage", placement)
    form = PlacementForm(request.POST or None, instance=placement)
    if request.method == "POST" and form.is_valid():
        try:
            services.placement_update(
                placement=placement, updated_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The placement was saved; the participant is told."))
            return redirect("hospitering:placement_detail", pk=placement.pk)
    return render(
        request,
        "hospitering/placement_step_form.html",
        {"form": form, "placement": placement, "title": _("Confirm days, contact and programme")},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def budget_line_save(request, pk, line_pk=None):
    placement = _get_placement(request, pk)
    permissions.require(request, "edit_budget", placement)
    line = None
    if line_pk is not None:
        line = BudgetLine.objects.filter(placement=placement, pk=line_pk).first()
        if line is None:
            raise Http404
    programme = placement.application.offer.programme
    form = BudgetLineForm(request.POST or None, instance=line, programme=programme)
    if request.method == "POST" and "delete" in request.POST and line is not None:
        services.budget_line_delete(line=line, deleted_by=request.user)
        messages.success(request, _("The budget line was removed."))
        return redirect("hospitering:placement_detail", pk=placement.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.budget_line_save(
                placement=placement, saved_by=request.user, line=line, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The budget was saved."))
            return redirect("hospitering:placement_detail", pk=placement.pk)
    return render(
        request,
        "hospitering/placement_step_form.html",
        {"form": form, "placement": placement, "line": line, "title": _("Budget line")},
        status=400 if request.method == "POST" else 200,
    )


def _afterwards(request, pk, *, action, form_class, service, title, instance_of):
    placement = _get_placement(request, pk)
    permissions.require(request, action, placement)
    form = form_class(request.POST or None, instance=getattr(placement, instance_of, None))
    if request.method == "POST" and form.is_valid():
        try:
            service(placement=placement, written_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Thank you! It was saved."))
            return redirect("hospitering:placement_detail", pk=placement.pk)
    return render(
        request,
        "hospitering/placement_step_form.html",
        {"form": form, "placement": placement, "title": title},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def report_write(request, pk):
    return _afterwards(
        request,
        pk,
        action="write_report",
        form_class=ReportForm,
        service=services.report_save,
        title=_("Report from the job shadowing"),
        instance_of="report",
    )


@login_required
def feedback_write(request, pk):
    return _afterwards(
        request,
        pk,
        action="give_feedback",
        form_class=FeedbackForm,
        service=services.feedback_save,
        title=_("Feedback on the visit"),
        instance_of="feedback",
    )


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def placement_ics(request, pk):
    placement = _get_placement(request, pk)
    return _ics(placement_calendar([placement]), f"hospitering-{placement.pk}.ics")


@login_required
def my_calendar_ics(request):
    """The person's own placements and those they host, for their calendar."""
    placements = selectors.participant_calendar(user=request.user)
    return _ics(placement_calendar(placements, name=_("Job shadowing")), "hospitering.ics")


def _calendar_filters(request):
    counties = permissions.visible(request.user, County).order_by("number")
    hosts = Library.objects.filter(
        pk__in=permissions.visible(request.user, Offer).values("host_library")
    ).order_by("name")
    form = CalendarFilterForm(request.GET or None, counties=counties, hosts=hosts)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    county, host = data.get("county"), data.get("host")
    return form, (county.pk if county else None), (host.pk if host else None)


@login_required
def calendar(request):
    form, county_id, host_id = _calendar_filters(request)
    placements = selectors.calendar_placements(
        user=request.user, county_id=county_id, host_library_id=host_id
    )
    return render(
        request,
        "hospitering/calendar.html",
        {
            "form": form,
            "months": selectors.calendar_months(placements),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def calendar_ics(request):
    _form, county_id, host_id = _calendar_filters(request)
    placements = selectors.calendar_placements(
        user=request.user, county_id=county_id, host_library_id=host_id
    )
    return _ics(placement_calendar(placements, name=_("Job shadowing")), "hospitering-kalender.ics")
