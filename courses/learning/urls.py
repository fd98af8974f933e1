from django.urls import path

from . import views

app_name = "learning"
urlpatterns = [
    path("kurs/<int:course_pk>/", views.course_arena, name="course_arena"),
    path("kurs/<int:course_pk>/moduler/ny/", views.module_create, name="module_create"),
    path("moduler/<int:pk>/endre/", views.module_update, name="module_update"),
    path("moduler/<int:pk>/slett/", views.module_delete, name="module_delete"),
    path("moduler/<int:pk>/flytt/", views.module_move, name="module_move"),
    path("moduler/<int:module_pk>/leksjoner/ny/", views.lesson_create, name="lesson_create"),
    path("leksjoner/<int:pk>/", views.lesson_detail, name="lesson_detail"),
    path("leksjoner/<int:pk>/endre/", views.lesson_update, name="lesson_update"),
    path("leksjoner/<int:pk>/slett/", views.lesson_delete, name="lesson_delete"),
    path("leksjoner/<int:pk>/flytt/", views.lesson_move, name="lesson_move"),
    path("leksjoner/<int:pk>/fullfort/", views.lesson_done, name="lesson_done"),
    path("leksjoner/<int:pk>/fil/", views.lesson_file, name="lesson_file"),
    path("kurs/<int:course_pk>/forum/", views.board, name="board"),
    path("kurs/<int:course_pk>/forum/ny/", views.thread_create, name="thread_create"),
    path("traader/<int:pk>/", views.thread_detail, name="thread_detail"),
    path("traader/<int:pk>/endre/", views.thread_edit, name="thread_edit"),
    path("traader/<int:pk>/moderer/", views.thread_moderate, name="thread_moderate"),
    path("traader/<int:thread_pk>/svar/", views.post_create, name="post_create"),
    path("innlegg/<int:pk>/endre/", views.post_edit, name="post_edit"),
    path("innlegg/<int:pk>/moderer/", views.post_moderate, name="post_moderate"),
    path("kurs/<int:course_pk>/oppgaver/", views.assignment_list, name="assignment_list"),
    path("kurs/<int:course_pk>/oppgaver/ny/", views.assignment_create, name="assignment_create"),
    path("oppgaver/<int:pk>/", views.assignment_detail, name="assignment_detail"),
    path("oppgaver/<int:pk>/endre/", views.assignment_update, name="assignment_update"),
    path("oppgaver/<int:assignment_pk>/lever/", views.submission_create, name="submission_create"),
    path("besvarelser/<int:pk>/", views.submission_detail, name="submission_detail"),
    path("besvarelser/<int:pk>/fil/", views.submission_file, name="submission_file"),
    path("kurs/<int:course_pk>/fullforing/", views.completion, name="completion"),
]
