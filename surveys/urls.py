from django.urls import include, path

app_name = "surveys"
urlpatterns = [
    path("", include("surveys.interchange_urls")),
    path("", include("surveys.results_urls")),
]
