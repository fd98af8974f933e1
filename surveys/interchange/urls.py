from django.urls import path

from . import views

# Import/export of survey structures (LimeSurvey .lss, the portal's own JSON).
urlpatterns = [
    path("importer/", views.survey_import, name="import"),
    path("<int:pk>/importrapport/", views.survey_import_report, name="import_report"),
    path("<int:pk>/struktur.json", views.survey_export_structure_view, name="export_structure"),
]
