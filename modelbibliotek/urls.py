from django.urls import path

from . import views

app_name = "modelbibliotek"
urlpatterns = [
    path("", views.model_library_list, name="model_library_list"),
    path("ny/", views.model_library_appoint, name="model_library_appoint"),
    path("oversikt.csv", views.overview_export, {"fmt": "csv"}, name="overview_csv"),
    path("oversikt.xlsx", views.overview_export, {"fmt": "xlsx"}, name="overview_xlsx"),
    path("perioder/", views.period_list, name="period_list"),
    path("perioder/ny/", views.period_save, name="period_add"),
    path("perioder/<int:period_pk>/", views.period_save, name="period_update"),
    path("<int:pk>/", views.model_library_detail, name="model_library_detail"),
    path("<int:pk>/endre/", views.model_library_update, name="model_library_update"),
    path("<int:pk>/mal/ny/", views.goal_save, name="goal_add"),
    path("<int:pk>/mal/<int:goal_pk>/", views.goal_save, name="goal_update"),
    path("<int:pk>/mal/<int:goal_pk>/indikatorer/ny/", views.indicator_save, name="indicator_add"),
    path(
        "<int:pk>/mal/<int:goal_pk>/indikatorer/<int:indicator_pk>/",
        views.indicator_save,
        name="indicator_update",
    ),
    path("<int:pk>/milepaeler/ny/", views.milestone_save, name="milestone_add"),
    path("<int:pk>/milepaeler/<int:milestone_pk>/", views.milestone_save, name="milestone_update"),
    path("<int:pk>/planer/ny/", views.plan_save, name="plan_add"),
    path("<int:pk>/planer/<int:plan_pk>/", views.plan_save, name="plan_update"),
    path("<int:pk>/rapporter/ny/", views.report_create, name="report_create"),
    path("rapporter/<int:pk>/", views.report_detail, name="report_detail"),
    path("rapporter/<int:pk>/endre/", views.report_edit, name="report_edit"),
    path("rapporter/<int:pk>/pdf/", views.report_pdf, name="report_pdf"),
    path("rapporter/<int:pk>/send/", views.report_submit, name="report_submit"),
    path("rapporter/<int:pk>/vedtak/", views.report_decide, name="report_decide"),
    path("rapporter/<int:pk>/kommentar/", views.report_comment, name="report_comment"),
    path("rapporter/<int:pk>/vedlegg/", views.attachment_add, name="attachment_add"),
    path("vedlegg/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("vedlegg/<int:pk>/fjern/", views.attachment_delete, name="attachment_delete"),
]
