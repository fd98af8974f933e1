from django.urls import path

from . import views

# Answering (included from surveys/urls.py, app_name "surveys").
urlpatterns = [
    path("<int:pk>/svar/", views.answer_mine, name="answer_mine"),
    path("svar/<token:token>/", views.answer_token, name="answer_token"),
    path("apen/<token:token>/", views.answer_open, name="answer_open"),
]
