import sys

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import dashboard as programme_dashboard_panels
from . import permissions, selectors, services
from .adapters import SESSION_INVITATION
from .forms import InvitationForm, LanguageForm, StaffListForm, add_service_errors
from .health import health_report
from .models import County, Library, Programme


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


@login_required
@require_GET
def programme_dashboard(request, pk):
    """The programme's loop on one page; a coordinator sees only the counties they coordinate."""
    programme = permissions.get_visible_or_404(
        request, Programme.objects.prefetch_related("counties", "competence_areas"), pk=pk
    )
    permissions.require(request, "view_dashboard", programme)
    county_ids = programme_dashboard_panels.dashboard_county_ids(
        programme=programme, user=request.user
    )
    return render(
        request,
        "portal/dashboard.html",
        {
            "programme": programme,
            "panels": programme_dashboard_panels.programme_dashboard(
                programme=programme, user=request.user
            ),
            "shown_counties": None
            if county_ids is None
            else programme_dashboard_panels.dashboard_counties(
                programme=programme, county_ids=county_ids
            ),
        },
    )


@login_required
def library_list(request):
    county_id = request.GET.get("fylke", "")
    county_id = int(county_id) if county_id.isdigit() else None
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
        "invitations": selectors.library_open_invitations(library=library) if may_manage else [],
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
            services.invitation_create(
                invited_by=request.user, library=library, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("An invitation was sent to %(email)s.") % form.cleaned_data)
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
                invited_by=request.user, library=library, raw=form.cleaned_data["file"].read()
            )
        except services.StaffListError as error:
            row_errors = error.errors
            form.add_error("file", _("Nobody was invited. Correct the file and upload it again."))
        else:
            messages.success(
                request,
                _("Invitations were sent to %(count)s people.") % {"count": len(invitations)},
            )
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
