"""Demo material for the learning arena: a module, lessons, an assignment and a discussion."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import Course
from portal.home import register_demo
from portal.models import User

from . import services
from .models import Module


@register_demo
@transaction.atomic
def learning_demo_load(*, programme) -> None:
    """Material for the programme's first course (the demo course series), once."""
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
    services.assignment_create(
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
        deadline=timezone.now() + timedelta(days=30),
    )
    services.thread_create(
        user=author,
        course=course,
        title="Velkommen til læringsarenaen",
        body="Presenter deg gjerne her: hvilket bibliotek kommer du fra, og hva vil du lære?",
    )
