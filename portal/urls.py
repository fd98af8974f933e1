from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from api.urls import token_patterns

from . import views

# The admin logs in through allauth, so it shares its rate limits and two-factor step.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Kompetanseportalen"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.language_set, name="language_set"),
    # Before allauth's own: sign-up fills in the invited name; SSO says when a provider is down.
    path("accounts/signup/", views.InvitedSignupView.as_view()),
    path("accounts/oidc/<str:provider_id>/login/", views.sso_login),
    path("accounts/", include("allauth.urls")),
    path("profil/", views.profile, name="profile"),
    path("profil/mine-data/", views.profile_data, name="profile_data"),
    path(
        "profil/mine-data/<int:pk>/last-ned/",
        views.profile_data_download,
        name="profile_data_download",
    ),
    path("personvern/", views.privacy_notice, name="privacy_notice"),
    path("tilgjengelighet/", views.accessibility_statement, name="accessibility_statement"),
    path("admin/", admin.site.urls),
    path("programmer/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmer/<int:pk>/oversikt/", views.programme_dashboard, name="programme_dashboard"),
    path(
        "programmer/<int:pk>/oversikt/tabeller.<str:fmt>",
        views.dashboard_export,
        name="dashboard_export",
    ),
    path("programmer/<int:pk>/rapport/<int:year>/", views.funder_report, name="funder_report"),
    path(
        "programmer/<int:pk>/rapport/<int:year>/lag/",
        views.funder_report_generate,
        name="funder_report_generate",
    ),
    path(
        "programmer/<int:pk>/rapporter/<int:report_pk>/",
        views.funder_report_status,
        name="funder_report_status",
    ),
    path(
        "programmer/<int:pk>/rapporter/<int:report_pk>/last-ned.<str:fmt>",
        views.funder_report_download,
        name="funder_report_download",
    ),
    path(
        "programmer/<int:pk>/rapport/<int:year>/tabeller.<str:fmt>",
        views.dashboard_export,
        name="funder_report_export",
    ),
    path("bibliotek/", views.library_list, name="library_list"),
    path("bibliotek/<int:pk>/", views.library_detail, name="library_detail"),
    path("bibliotek/<int:pk>/inviter/", views.invitation_create, name="invitation_create"),
    path("bibliotek/<int:pk>/ansattliste/", views.staff_list_import, name="staff_list_import"),
    path("bibliotek/<int:pk>/roller/<int:role_pk>/fjern/", views.role_remove, name="role_remove"),
    path(
        "bibliotek/<int:pk>/invitasjoner/<int:invitation_pk>/trekk-tilbake/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path(
        "bibliotek/<int:pk>/invitasjoner/<int:invitation_pk>/send-igjen/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("invitasjon/<token:token>/", views.invitation_accept, name="invitation_accept"),
    path("undersokelser/", include("surveys.urls")),
    path("kurs/", include("courses.urls")),
    path("laering/", include("courses.learning.urls")),
    path("hospitering/", include("hospitering.urls")),
    path("modellbibliotek/", include("modelbibliotek.urls")),
    path("profil/api-nokler/", include(token_patterns)),
    path("api/", include("api.urls")),
]

handler500 = "portal.views.server_error"

if settings.PORTAL_BENCHMARK_VIEWS:
    urlpatterns.append(path("benchmark/ok/", views.benchmark_trivial, name="benchmark_trivial"))
