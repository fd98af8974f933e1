from django.http import Http404


def course_list(request, *args, **kwargs):
    raise Http404


def course_create(request, *args, **kwargs):
    raise Http404


def course_detail(request, *args, **kwargs):
    raise Http404


def course_update(request, *args, **kwargs):
    raise Http404


def gathering_create(request, *args, **kwargs):
    raise Http404


def gathering_update(request, *args, **kwargs):
    raise Http404


def gathering_cancel(request, *args, **kwargs):
    raise Http404


def registration_create(request, *args, **kwargs):
    raise Http404


def participant_list(request, *args, **kwargs):
    raise Http404


def participant_export(request, *args, **kwargs):
    raise Http404


def attendance(request, *args, **kwargs):
    raise Http404


def gathering_ics(request, *args, **kwargs):
    raise Http404


def gathering_evaluation(request, *args, **kwargs):
    raise Http404


def registration_list(request, *args, **kwargs):
    raise Http404


def registration_cancel(request, *args, **kwargs):
    raise Http404


def certificate(request, *args, **kwargs):
    raise Http404


def registration_decide(request, *args, **kwargs):
    raise Http404


def approval_list(request, *args, **kwargs):
    raise Http404


def calendar_feed_manage(request, *args, **kwargs):
    raise Http404


def calendar_feed(request, *args, **kwargs):
    raise Http404
