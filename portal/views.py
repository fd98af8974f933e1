import sys

import requests
from allauth.account.adapter import get_adapter
from allauth.account.views import SignupView
from allauth.socialaccount.providers.openid_connect import views as oidc_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import dashboard as programme_dashboard_panels
from . import permissions, privacy, querystring, selectors, services
from .adapters import SESSION_INVITATION, invitation_in_session
from .dashboard import Period, programme_years
from .forms import (
    AccessibilityReportForm,
    FunderReportForm,
    InvitationForm,
    LanguageForm,
    ProfileForm,
    StaffListForm,
    add_service_errors,
)
from .funder_documents import report_sections
from .health import health_report
from .models import County, FunderReport, Invitation, Library, PersonalDataExport, Programme
from .profile import profile_sections
from .spreadsheets import XLSX_TYPE, csv_bytes, xlsx_bytes


def home(request):
    if not request.user.is_authenticated:
        return render(request, "portal/landing.html")
    return render(
        request, "portal/home.html", {"overview": selectors.home_overview(user=request.user)}
    )


@login_required
def programme_detail(request, pk):
    programme = permissions.get_visible_or_404(
        request,
        Programme.objects.select_related("lead_county").prefetch_related(
            "counties", "competence_areas", "funding"
        ),
        pk=pk,
    )
    return render(
        request,
        "portal/programme_detail.html",
        {
            "programme": programme,
            "may_view_funding": permissions.can(request.user, "view_dashboard", programme),
        },
    )


def _dashboard_programme(request, pk) -> Programme:
    programme = permissions.get_visible_or_404(
        request,
        Programme.objects.prefetch_related("counties", "competence_areas"),
        pk=pk,
    )
    permissions.require(request, "view_dashboard", programme)
    return programme


def _report_period(programme: Programme, year: int | None) -> Period | None:
    """The calendar year of a funder report (404 outside the programme's years)."""
    if year is None:
        return None
    if year not in programme_years(programme):
        raise Http404
    return Period.year(year)


@login_required
@require_GET
def programme_dashboard(request, pk):
    """The programme's loop on one page; a coordinator sees only the counties they coordinate."""
    programme = _dashboard_programme(request, pk)
    county_ids = programme_dashboard_panels.dashboard_county_ids(
        programme=programme, user=request.user
    )
    overview = programme_dashboard_panels.dashboard_overview(
        programme=programme, user=request.user, html=True, fresh_enough=True
    )
    return render(
        request,
        "portal/dashboard.html",
        {
            "programme": programme,
            "overview": overview,
            "overview_html": programme_dashboard_panels.dashboard_overview_html(overview),
            "panels": overview.panels,
            "years": programme_years(programme),
            "shown_counties": None if county_ids is None else [c.county for c in overview.cards],
            "as_of": programme_dashboard_panels.dashboard_as_of(overview.panels),
        },
    )


def _funder_report_page(
    request, programme: Programme, year: int, *, overview=None, form=None, status=200
):
    period = _report_period(programme, year)
    overview = overview or programme_dashboard_panels.dashboard_overview(
        programme=programme, user=request.user, period=period, html=True
    )
    if form is None and permissions.can(request.user, "generate_report", programme):
        form = FunderReportForm(
            programme=programme,
            years=programme_years(programme),
            sections=report_sections(overview),
            initial={"period": str(year), "language": translation.get_language()},
        )
    return render(
        request,
        "portal/funder_report.html",
        {
            "programme": programme,
            "overview": overview,
            "year": year,
            "period": period,
            "report_form": form,
            "stored_reports": selectors.funder_reports_for(user=request.user, programme=programme),
        },
        status=status,
    )


@login_required
@require_GET
def funder_report(request, pk, year):
    """The report to the funder for a calendar year: a printable page, and for the project
    leader the form that generates it as PDF and DOCX, with the reports made so far."""
    return _funder_report_page(request, _dashboard_programme(request, pk), year)


@login_required
@require_POST
def funder_report_generate(request, pk, year):
    programme = _dashboard_programme(request, pk)
    permissions.require(request, "generate_report", programme)
    overview = programme_dashboard_panels.dashboard_overview(
        programme=programme, user=request.user, period=_report_period(programme, year)
    )
    form = FunderReportForm(
        request.POST,
        programme=programme,
        years=programme_years(programme),
        sections=report_sections(overview),
    )
    if form.is_valid():
        try:
            services.funder_report_request(
                programme=programme,
                user=request.user,
                year=form.year(),
                language=form.cleaned_data["language"],
                foreword=form.cleaned_data["foreword"],
                comments=form.comments(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The report is being generated. It is listed below."))
            return redirect(reverse("funder_report", args=[pk, year]) + "#stored-reports")
    return _funder_report_page(request, programme, year, overview=overview, form=form, status=400)


def _stored_report(request, pk, report_pk, **lookup) -> FunderReport:
    """A stored report of this programme the person may see (404 for anyone else's)."""
    reports = FunderReport.objects.select_related("programme", "created_by").filter(
        programme_id=pk, **lookup
    )
    return permissions.get_visible_or_404(request, reports, pk=report_pk)


@login_required
@require_GET
def funder_report_status(request, pk, report_pk):
    """One stored report's row: the page polls it (htmx) while the report is being made."""
    report = _stored_report(request, pk, report_pk)
    return render(request, "portal/funder_report_row.html", {"report": report, "programme_pk": pk})


@login_required
@require_GET
def funder_report_download(request, pk, report_pk, fmt):
    if fmt not in ("pdf", "docx"):
        raise Http404
    report = _stored_report(request, pk, report_pk, status=FunderReport.Status.DONE)
    name = services.funder_report_file_name(report=report, programme=report.programme)
    return FileResponse(
        getattr(report, fmt).open("rb"), as_attachment=True, filename=f"{name}.{fmt}"
    )


@login_required
@require_GET
def dashboard_export(request, pk, fmt, year=None):
    """The dashboard's (or a year's report's) tables: all in one XLSX, or one as CSV/XLSX."""
    programme = _dashboard_programme(request, pk)
    period = _report_period(programme, year)
    overview = programme_dashboard_panels.dashboard_overview(
        programme=programme, user=request.user, period=period
    )
    tables = overview.tables
    if request.GET.get("tabell"):
        tables = [programme_dashboard_panels.dashboard_table(overview, request.GET["tabell"])]
    if None in tables or (fmt == "csv" and len(tables) != 1):
        raise Http404
    name = "-".join(
        [slugify(programme.short_name or programme.name), *([str(year)] if year else [])]
        + ([tables[0].key] if len(tables) == 1 else [])
    )
    if fmt == "csv":
        content, kind = csv_bytes(tables[0].columns, tables[0].rows), "text/csv; charset=utf-8"
    else:
        content = xlsx_bytes([(t.title, t.columns, t.rows) for t in tables])
        kind = XLSX_TYPE
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@login_required
def library_list(request):
    county_id = querystring.id_from_query(request, "fylke")
    return render(
        request,
        "portal/library_list.html",
        {
            "libraries": selectors.library_list(user=request.user, county_id=county_id),
            "counties": permissions.visible(request.user, County).order_by("number"),
            "selected_county": county_id,
        },
    )


def _get_library(request, pk):
    return permissions.get_visible_or_404(request, Library.objects.select_related("county"), pk=pk)


def _library_page(
    request,
    library,
    *,
    invitation_form=None,
    staff_list_form=None,
    staff_list_errors=(),
    status=200,
):
    may_manage = permissions.can(request.user, "manage_staff", library)
    context = {
        "library": library,
        "may_view_staff": permissions.can(request.user, "view_staff", library),
        "may_manage_staff": may_manage,
        "staff": selectors.library_staff(library=library),
        "invitations": selectors.invitations_pending(library=library) if may_manage else [],
        "invitation_form": invitation_form or InvitationForm(),
        "staff_list_form": staff_list_form or StaffListForm(),
        "staff_list_errors": staff_list_errors,
    }
    return render(request, "portal/library_detail.html", context, status=status)


@login_required
def library_detail(request, pk):
    return _library_page(request, _get_library(request, pk))


@login_required
@require_POST
def invitation_create(request, pk):
    library = _get_library(request, pk)
    permissions.require(request, "manage_staff", library)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            outcome = services.invitation_create(
                invited_by=request.user, library=library, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if isinstance(outcome, Invitation):
                message = _("An invitation was sent to %(email)s.") % form.cleaned_data
            else:
                message = _(
                    "%(person)s already has an account and now has the role %(role)s here. "
                    "We told them by e-mail."
                ) % {"person": outcome.user, "role": outcome.get_role_display()}
            messages.success(request, message)
            return redirect("library_detail", pk=library.pk)
    return _library_page(request, library, invitation_form=form, status=400)


@login_required
@require_POST
def staff_list_import(request, pk):
    library = _get_library(request, pk)
    permissions.require(request, "manage_staff", library)
    form = StaffListForm(request.POST, request.FILES)
    row_errors = []
    if form.is_valid():
        try:
            invitations = services.staff_list_import(
                invited_by=request.user,
                library=library,
                raw=form.cleaned_data["file"].read(),
                language=form.cleaned_data["language"],
            )
        except services.StaffListError as error:
            row_errors = error.errors
            form.add_error("file", _("Nobody was invited. Correct the file and upload it again."))
        else:
            sent = sum(isinstance(outcome, Invitation) for outcome in invitations)
            message = _("Invitations were sent to %(count)s people.") % {"count": sent}
            if sent < len(invitations):
                message += " " + _(
                    "%(count)s who already had an account got the role directly."
                ) % {"count": len(invitations) - sent}
            messages.success(request, message)
            return redirect("library_detail", pk=library.pk)
    return _library_page(
        request, library, staff_list_form=form, staff_list_errors=row_errors, status=400
    )


@login_required
@require_POST
def role_remove(request, pk, role_pk):
    library = _get_library(request, pk)
    permissions.require(request, "manage_staff", library)
    assignment = (
        library.role_assignments.select_related("user", "library__county")
        .filter(pk=role_pk)
        .first()
    )
    if assignment is None:
        raise Http404
    services.role_remove(removed_by=request.user, assignment=assignment)
    messages.success(
        request,
        _("%(person)s no longer has the role %(role)s at %(library)s.")
        % {"person": assignment.user, "role": assignment.get_role_display(), "library": library},
    )
    return redirect("library_detail", pk=library.pk)


def _pending_invitation(request, pk, invitation_pk) -> Invitation:
    library = _get_library(request, pk)
    permissions.require(request, "manage_staff", library)
    return get_object_or_404(
        library.invitations.select_related("library__county"),
        pk=invitation_pk,
        accepted_at__isnull=True,
    )


@login_required
@require_POST
def invitation_withdraw(request, pk, invitation_pk):
    invitation = _pending_invitation(request, pk, invitation_pk)
    try:
        services.invitation_withdraw(withdrawn_by=request.user, invitation=invitation)
    except ValidationError as error:  # accepted a moment ago
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect("library_detail", pk=pk)


@login_required
@require_POST
def invitation_resend(request, pk, invitation_pk):
    invitation = _pending_invitation(request, pk, invitation_pk)
    try:
        services.invitation_resend(resent_by=request.user, invitation=invitation)
    except ValidationError as error:  # accepted a moment ago
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The invitation was sent to %(email)s again, with a new link.")
            % {"email": invitation.email},
        )
    return redirect("library_detail", pk=pk)


@never_cache
@require_GET
def invitation_accept(request, token):
    invitation = selectors.invitation_by_token(token)
    if invitation is None:
        return render(request, "portal/invitation_invalid.html", status=404)
    if request.user.is_authenticated:
        messages.info(request, _("Sign out first to accept an invitation for another account."))
        return redirect("home")
    # The link proves the address: allauth will treat it as verified at sign-up.
    request.session[SESSION_INVITATION] = invitation.pk
    get_adapter(request).stash_verified_email(request, invitation.email)
    return render(request, "portal/invitation_welcome.html", {"invitation": invitation})


class InvitedSignupView(SignupView):
    """allauth's sign-up, with the name typed in the invitation already filled in."""

    def get_initial(self):
        initial = super().get_initial()
        invitation = invitation_in_session(self.request)
        if invitation:
            initial.setdefault("full_name", invitation.full_name)
            initial.setdefault("preferred_language", invitation.language)
        return initial


def sso_login(request, provider_id):
    """Start a single sign-on; a provider that does not answer gets a page that says so."""
    try:
        return oidc_views.login(request, provider_id)
    except requests.RequestException:
        return render(request, "socialaccount/provider_unavailable.html", status=503)


@login_required
def profile(request):
    """The person's own page: each app adds its sections through portal/profile.py."""
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=request.user)
        if form.is_valid():
            services.profile_update(user=request.user, **form.cleaned_data)
            messages.success(request, _("Your profile was saved."))
            return redirect("profile")
        request.profile_form = form
    sections = profile_sections(request=request, user=request.user)
    return render(
        request,
        "portal/profile.html",
        {"sections": sections},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def profile_data(request):
    """Ask for a copy of everything the portal holds about oneself; list the copies made."""
    if request.method == "POST":
        privacy.personal_data_export_request(user=request.user)
        messages.success(
            request,
            _("Your data is being collected. We will e-mail you when the file is ready."),
        )
        return redirect("profile_data")
    return render(
        request,
        "portal/profile_data.html",
        {
            "exports": PersonalDataExport.objects.filter(user=request.user),
            "kept_days": settings.PORTAL_RETENTION_EXPORT_DAYS,
        },
    )


@login_required
@require_GET
def profile_data_download(request, pk):
    # Only one's own: someone else's export answers exactly like a missing one.
    export = get_object_or_404(
        PersonalDataExport, pk=pk, user=request.user, status=PersonalDataExport.Status.READY
    )
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=f"kompetanseportalen-{export.pk}.zip"
    )


def privacy_notice(request):
    return render(
        request,
        "portal/privacy_notice.html",
        {
            "contact": settings.PORTAL_PRIVACY_CONTACT,
            "invitation_days": settings.PORTAL_INVITATION_VALID_DAYS,
            "retention_invitation_days": settings.PORTAL_RETENTION_INVITATION_DAYS,
            "retention_unverified_days": settings.PORTAL_RETENTION_UNVERIFIED_ACCOUNT_DAYS,
            "retention_audit_days": settings.PORTAL_RETENTION_AUDIT_DETAIL_DAYS,
            "retention_export_days": settings.PORTAL_RETENTION_EXPORT_DAYS,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
            "survey_group_size_floor": settings.SURVEYS_MIN_GROUP_SIZE_FLOOR,
            "survey_thanks_minutes": settings.SURVEYS_THANKS_COOKIE_MINUTES,
        },
    )


def accessibility_statement(request):
    form = AccessibilityReportForm(
        request.POST if request.method == "POST" else None,
        initial={"page_url": request.GET.get("side", "")[:500]},
    )
    if request.method == "POST" and form.is_valid():
        services.accessibility_report_send(reporter=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you. Your report was sent to the site administrators."))
        return redirect("accessibility_statement")
    return render(
        request,
        "portal/accessibility_statement.html",
        {"form": form, "contact": settings.PORTAL_PRIVACY_CONTACT},
        status=400 if request.method == "POST" else 200,
    )


@require_POST
def language_set(request):
    """Switch language; the choice is kept in a cookie and, when signed in, on the person."""
    form = LanguageForm(request.POST)
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    if form.is_valid():
        language = form.cleaned_data["language"]
        if request.user.is_authenticated:
            services.user_set_language(user=request.user, language=language)
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        )
    return response


def server_error(request):
    """The 500 page; 503 "try again shortly" when the database connection dropped midway.

    Nothing half-done was kept (services write in transactions), and the next request gets a
    fresh connection, so trying again works. Neither page touches the database."""
    if isinstance(sys.exc_info()[1], InterfaceError | OperationalError):
        return HttpResponse(render_to_string("503.html"), status=503, headers={"Retry-After": "10"})
    return defaults.server_error(request)


@never_cache
def healthz(request):
    """Each dependency's status as JSON (portal/health.py): 200 when all are well, 503 when not."""
    report, healthy = health_report()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
def benchmark_trivial(request):
    """The yardstick of the load test: the least a signed-in request costs on this server (the
    middleware, the session and the user). Only routed when PORTAL_BENCHMARK_VIEWS is on."""
    return HttpResponse("ok", content_type="text/plain")
