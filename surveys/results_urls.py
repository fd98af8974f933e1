from django.urls import path  # noqa: F401

# Results, analysis and exports.
urlpatterns: list = []
