from django.urls import path

from . import views

app_name = "hospitering"
urlpatterns = [
    path("", views.offer_list, name="offer_list"),
    path("tilbud/ny/", views.offer_create, name="offer_create"),
    path("tilbud/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("tilbud/<int:pk>/endre/", views.offer_update, name="offer_update"),
    path("tilbud/<int:pk>/status/", views.offer_status, name="offer_status"),
    path("tilbud/<int:pk>/trekk/", views.offer_withdraw_confirm, name="offer_withdraw"),
    path("tilbud/<int:pk>/perioder/ny/", views.period_save, name="period_add"),
    path("tilbud/<int:pk>/perioder/<int:period_pk>/", views.period_save, name="period_update"),
    path("tilbud/<int:pk>/sok/", views.application_create, name="application_create"),
    path("soknader/", views.my_applications, name="my_applications"),
    path("soknader/<int:pk>/", views.application_detail, name="application_detail"),
    path("soknader/<int:pk>/endre/", views.application_update, name="application_update"),
    path("soknader/<int:pk>/vedtak/", views.application_decide, name="application_decide"),
    path("soknader/<int:pk>/trekk/", views.application_withdraw, name="application_withdraw"),
    path("til-behandling/", views.decide_list, name="decide_list"),
    path("opphold/<int:pk>/", views.placement_detail, name="placement_detail"),
    path("opphold/<int:pk>/endre/", views.placement_update, name="placement_update"),
    path("opphold/<int:pk>/budsjett/ny/", views.budget_line_save, name="budget_line_add"),
    path(
        "opphold/<int:pk>/budsjett/<int:line_pk>/",
        views.budget_line_save,
        name="budget_line_update",
    ),
    path("opphold/<int:pk>/rapport/", views.report_write, name="report_write"),
    path("opphold/<int:pk>/tilbakemelding/", views.feedback_write, name="feedback_write"),
    path("opphold/<int:pk>/hospitering.ics", views.placement_ics, name="placement_ics"),
    path("kalender/", views.calendar, name="calendar"),
    path("kalender.ics", views.calendar_ics, name="calendar_ics"),
    path("min-kalender.ics", views.my_calendar_ics, name="my_calendar_ics"),
]
