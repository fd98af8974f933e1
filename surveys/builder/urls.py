from django.urls import path

from . import views

# The builder and running a survey (included from surveys/urls.py, app_name "surveys").
urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("ny/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/endre/", views.survey_update, name="survey_update"),
    path("<int:pk>/slett/", views.survey_delete, name="survey_delete"),
    path("<int:pk>/forhandsvis/", views.survey_preview, name="survey_preview"),
    path("<int:pk>/apne/", views.survey_open, name="survey_open"),
    path("<int:pk>/forleng/", views.survey_extend, name="survey_extend"),
    path("<int:pk>/steng/", views.survey_close, name="survey_close"),
    path("<int:pk>/paminnelser/", views.survey_reminders, name="survey_reminders"),
    path("<int:pk>/arkiver/", views.survey_archive, name="survey_archive"),
    path("<int:pk>/kopier/", views.survey_copy, name="survey_copy"),
    path("<int:pk>/inviter/", views.survey_invite, name="survey_invite"),
    path("<int:pk>/lenker/", views.survey_links, name="survey_links"),
    path("<int:pk>/sider/ny/", views.page_create, name="page_create"),
    path("<int:pk>/sider/<int:page_pk>/endre/", views.page_update, name="page_update"),
    path("<int:pk>/sider/<int:page_pk>/slett/", views.page_delete, name="page_delete"),
    path("<int:pk>/sider/<int:page_pk>/flytt/", views.page_move, name="page_move"),
    path(
        "<int:pk>/sider/<int:page_pk>/sporsmal/ny/",
        views.question_create,
        name="question_create",
    ),
    path(
        "<int:pk>/sporsmal/<int:question_pk>/endre/",
        views.question_update,
        name="question_update",
    ),
    path(
        "<int:pk>/sporsmal/<int:question_pk>/slett/",
        views.question_delete,
        name="question_delete",
    ),
    path("<int:pk>/sporsmal/<int:question_pk>/flytt/", views.question_move, name="question_move"),
]
