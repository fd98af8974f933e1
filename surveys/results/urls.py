from django.urls import path

from . import views as results_views

# Results, analysis and exports (included from surveys/urls.py, app_name "surveys").
urlpatterns = [
    path("resultater/", results_views.results_list, name="results_list"),
    path("<int:pk>/resultater/", results_views.results, name="results"),
    path(
        "<int:pk>/resultater/sporsmal/<int:question_pk>/",
        results_views.results_question,
        name="results_question",
    ),
    path(
        "<int:pk>/resultater/eksport/<str:name>",
        results_views.results_export,
        name="results_export",
    ),
    path("<int:pk>/mine-svar/", results_views.my_answers_view, name="my_answers"),
]
