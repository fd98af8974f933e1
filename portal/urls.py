from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from . import views

# The admin logs in through allauth, so it shares its rate limits and two-factor step.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Kompetanseportalen"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", views.language_set, name="language_set"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("programmer/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("programmer/<int:pk>/oversikt/", views.programme_dashboard, name="programme_dashboard"),
    path("bibliotek/", views.library_list, name="library_list"),
    path("bibliotek/<int:pk>/", views.library_detail, name="library_detail"),
    path("bibliotek/<int:pk>/inviter/", views.invitation_create, name="invitation_create"),
    path("bibliotek/<int:pk>/ansattliste/", views.staff_list_import, name="staff_list_import"),
    path("bibliotek/<int:pk>/roller/<int:role_pk>/fjern/", views.role_remove, name="role_remove"),
    path("invitasjon/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("undersokelser/", include("surveys.urls")),
    path("kurs/", include("courses.urls")),
    path("laering/", include("courses.learning.urls")),
    path("hospitering/", include("hospitering.urls")),
]

handler500 = "portal.views.server_error"
