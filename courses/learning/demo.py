"""Demo material for the learning arena: a module, lessons, an assignment and a discussion, and
the progress of those who came to the gatherings: lessons done and answers given feedback."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from courses.models import Course, Registration
from portal.demo import DemoCalendar
from portal.home import register_demo
from portal.models import User

from . import services
from .models import Lesson, LessonCompletion, Module, Submission


@register_demo
@transaction.atomic
def learning_demo_load(*, programme, calendar: DemoCalendar | None = None) -> None:
    """Material for the programme's first course (the demo course series), once."""
    calendar = calendar or DemoCalendar.current()
    course = Course.objects.filter(programme=programme).order_by("id").first()
    if course is None or Module.objects.filter(course__programme=programme).exists():
        return
    author = (
        User.objects.filter(email="prosjektleder@demo.no").first()
        or course.created_by
        or User.objects.filter(is_superuser=True).first()
    )
    module = services.module_create(
        user=author,
        course=course,
        title="Biblioteket i lokalsamfunnet",
        intro="Før første samling: les og se dette, og del erfaringer i forumet.",
    )
    services.lesson_create(
        user=author,
        module=module,
        title="Hvorfor en kursrekke?",
        kind="text",
        body=(
            "<p>Bibliotekmeldingen (St.meld. nr. 23 (2008–2009)) ber om mer kompetente "
            "folkebibliotek. Kursrekken tar opp <strong>samarbeid</strong>, "
            "<strong>partnerskap</strong> og bibliotekets rolle som samfunnsaktør.</p>"
            "<h2>Til samlingen</h2><ul><li>Finn kommuneplanen i din kommune.</li>"
            "<li>Noter hvor biblioteket er nevnt.</li></ul>"
        ),
    )
    services.lesson_create(
        user=author,
        module=module,
        title="Nasjonalbiblioteket om bibliotekutvikling",
        kind="link",
        url="https://www.nb.no/bibliotekutvikling/",
    )
    assignment = services.assignment_create(
        user=author,
        course=course,
        module=module,
        criteria=[
            (None, "Forankring", "Er bibliotekets plass i planen beskrevet konkret?"),
            (None, "Tiltak", "Foreslås tiltak som biblioteket selv kan gjøre?"),
        ],
        title="Biblioteket i kommuneplanen",
        instructions=(
            "Beskriv kort hvor og hvordan biblioteket er omtalt i kommuneplanen i din "
            "kommune, og hva dere kan gjøre for å komme tydeligere med."
        ),
        deadline=calendar.moment(30, 16),
    )
    services.thread_create(
        user=author,
        course=course,
        title="Velkommen til læringsarenaen",
        body="Presenter deg gjerne her: hvilket bibliotek kommer du fra, og hva vil du lære?",
    )
    _progress(course, assignment, author, calendar)


def _progress(course, assignment, author, calendar: DemoCalendar) -> None:
    """Those who attended a gathering of the course: in a finished programme four in five have
    done every lesson and had their answer approved; in a running one, some lessons are done and
    a few answers wait for feedback."""
    attendees = list(
        Registration.objects.filter(gathering__course=course, status=Registration.Status.ATTENDED)
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    lessons = list(Lesson.objects.filter(module__course=course).order_by("position", "id"))
    done_by = attendees[: len(attendees) * 4 // 5] if calendar.finished else attendees[::3]
    LessonCompletion.objects.bulk_create(
        [
            LessonCompletion(user_id=user_id, lesson=lesson)
            for index, user_id in enumerate(done_by)
            for lesson in (lessons if calendar.finished else lessons[: 1 + index % len(lessons)])
        ],
        batch_size=1000,
    )
    if calendar.finished:
        answered, answerers = calendar.moment(20, 14), done_by
        reviewed = {
            "status": Submission.Status.APPROVED,
            "feedback": "Godt beskrevet – ta det med til planavdelingen.",
            "grade": "Godkjent",
            "feedback_by": author,
            "feedback_at": answered + timedelta(days=3),
        }
    else:
        answered, answerers, reviewed = calendar.moment(-2, 14), done_by[:3], {}
    Submission.objects.bulk_create(
        [
            Submission(
                assignment=assignment,
                user_id=user_id,
                text="Biblioteket er nevnt under kultur, men ikke i samfunnsdelen.",
                submitted_at=answered,
                **reviewed,
            )
            for user_id in answerers
        ]
    )
