from django.urls import path

from . import views

app_name = "modelbibliotek"
urlpatterns = [
    path("", views.model_library_list, name="model_library_list"),
    path("<int:pk>/", views.model_library_detail, name="model_library_detail"),
    path("rapporter/<int:pk>/", views.report_detail, name="report_detail"),
]
