"""What the courses app holds about a person (portal/privacy.py): registrations (with the answers
to the registration questions and a leader's reason for declining), attendance, certificates and
the calendar feed."""

from django.urls import reverse

from portal.privacy import Section, register_erasure, register_export

from .models import CalendarFeed, Registration, RegistrationAnswer


@register_export
def registrations(*, user):
    rows = (
        Registration.objects.filter(user=user)
        .select_related("gathering__course", "gathering__county", "library")
        .prefetch_related("answers__question")
    )
    yield Section(
        "course-registrations",
        [
            {
                "course": r.gathering.course.title,
                "gathering": r.gathering.title,
                "starts": r.gathering.starts_at,
                "ends": r.gathering.ends_at,
                "venue": r.gathering.venue_name,
                "library": r.library and r.library.name,
                "status": r.get_status_display(),
                "registered": r.created_at,
                "decided": r.decided_at,
                "reason": r.decision_reason,
                "cancelled": r.cancelled_at,
                "answers": "; ".join(f"{a.question.text}: {a.value}" for a in r.answers.all()),
            }
            for r in rows
        ],
    )
    yield Section(
        "course-certificates",
        [
            {
                "course": r.gathering.course.title,
                "gathering": r.gathering.title,
                "date": r.gathering.starts_at.date(),
                "certificate": reverse("courses:certificate", args=[r.pk]),
            }
            for r in rows
            if r.status == Registration.Status.ATTENDED
        ],
    )


@register_erasure
def registrations_erase(*, user):
    # Registrations stay (seat and attendance figures count them), tied to the nameless
    # placeholder; their answers (diet, accessibility ...) and the private calendar feed go.
    CalendarFeed.objects.filter(user=user).delete()
    RegistrationAnswer.objects.filter(registration__user=user).delete()
    Registration.objects.filter(decided_by=user).update(decided_by=None)
    Registration.objects.filter(registered_by=user).update(registered_by=None)
