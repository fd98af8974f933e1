"""The surveys app's addresses, one module per part; every name is "surveys:<name>"."""

from django.urls import include, path

app_name = "surveys"
urlpatterns = [
    path("", include("surveys.builder.urls")),
    path("", include("surveys.answering.urls")),
    path("", include("surveys.interchange.urls")),
    path("", include("surveys.results.urls")),
]
