from django.urls import path

from . import views

app_name = "courses"
urlpatterns = [
    path("", views.course_list, name="course_list"),
    path("ny/", views.course_create, name="course_create"),
    path("<int:pk>/", views.course_detail, name="course_detail"),
    path("<int:pk>/endre/", views.course_update, name="course_update"),
    path("<int:pk>/samlinger/ny/", views.gathering_create, name="gathering_create"),
    path("samlinger/<int:pk>/endre/", views.gathering_update, name="gathering_update"),
    path("samlinger/<int:pk>/avlys/", views.gathering_cancel, name="gathering_cancel"),
    path("samlinger/<int:pk>/slett/", views.gathering_delete, name="gathering_delete"),
    path("samlinger/<int:pk>/kostnader/", views.gathering_costs, name="gathering_costs"),
    path(
        "samlinger/<int:pk>/kostnader/<int:cost_pk>/",
        views.gathering_costs,
        name="gathering_cost_update",
    ),
    path("<int:pk>/sporsmal/", views.question_list, name="question_list"),
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
    path("samlinger/<int:pk>/ansatte/", views.staff_register, name="staff_register"),
    path("ansatte/", views.staff_registrations, name="staff_registrations"),
    path("samlinger/<int:pk>/pamelding/", views.registration_create, name="registration_create"),
    path("samlinger/<int:pk>/deltakere/", views.participant_list, name="participant_list"),
    path(
        "samlinger/<int:pk>/deltakere.<str:fmt>",
        views.participant_export,
        name="participant_export",
    ),
    path("samlinger/<int:pk>/oppmote/", views.attendance, name="attendance"),
    path("samlinger/<int:pk>/samling.ics", views.gathering_ics, name="gathering_ics"),
    path("samlinger/<int:pk>/evaluering/", views.gathering_evaluation, name="gathering_evaluation"),
    path("pameldinger/", views.registration_list, name="registration_list"),
    path("pameldinger/<int:pk>/avmeld/", views.registration_cancel, name="registration_cancel"),
    path("pameldinger/<int:pk>/kursbevis.pdf", views.certificate, name="certificate"),
    path(
        "pameldinger/<int:pk>/godkjenning/", views.registration_decide, name="registration_decide"
    ),
    path("pameldinger/<int:pk>/avslag/", views.registration_decline, name="registration_decline"),
    path("pameldinger/<int:pk>/svar/", views.registration_answers, name="registration_answers"),
    path("pameldinger/<int:pk>/tilbud/", views.registration_offer, name="registration_offer"),
    path("godkjenning/", views.approval_list, name="approval_list"),
    path("kalender/", views.calendar_feed_manage, name="calendar_feed_manage"),
    path("kalender/<token:token>.ics", views.calendar_feed, name="calendar_feed"),
]
