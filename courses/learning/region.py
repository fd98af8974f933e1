"""The learning arena's part of the generated regional programme: for every course two modules of
lessons, an assignment with some answers, and a discussion board with threads and replies by the
course's participants."""

from __future__ import annotations

from datetime import timedelta

from courses.models import Course, Registration
from portal.region import Region, register_region

from .models import Assignment, Lesson, LessonCompletion, Module, Post, Submission, Thread

LESSON_BODY = (
    "<p>Bibliotekmeldingen ber om mer kompetente folkebibliotek. Denne leksjonen tar opp "
    "<strong>samarbeid</strong> og <strong>partnerskap</strong>.</p>"
    "<ul><li>Finn kommuneplanen i din kommune.</li><li>Noter hvor biblioteket er nevnt.</li></ul>"
)


@register_region
def learning_region(region: Region) -> str:
    rng = region.random("learning")
    courses = list(Course.objects.filter(programme=region.programme).order_by("id"))
    participants: dict[int, list[int]] = {}
    for course_id, user_id in (
        Registration.objects.filter(
            gathering__course__in=courses, status__in=Registration.PARTICIPANT_STATUSES
        )
        .values_list("gathering__course_id", "user_id")
        .order_by("gathering__course_id", "user_id")
        .distinct()
    ):
        participants.setdefault(course_id, []).append(user_id)

    modules = Module.objects.bulk_create(
        [
            Module(course=course, position=p, title=f"Modul {p + 1}", intro="Les før samlingen.")
            for course in courses
            for p in range(2)
        ]
    )
    lessons = Lesson.objects.bulk_create(
        [
            Lesson(
                module=module,
                position=p,
                title=f"Leksjon {p + 1}",
                kind=Lesson.Kind.LINK if p == 2 else Lesson.Kind.TEXT,
                body="" if p == 2 else LESSON_BODY,
                url="https://www.nb.no/bibliotekutvikling/" if p == 2 else "",
            )
            for module in modules
            for p in range(3)
        ]
    )
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
                course=course,
                title="Biblioteket i kommuneplanen",
                instructions="Beskriv hvor biblioteket er omtalt i kommuneplanen.",
                deadline=region.now + timedelta(days=30),
            )
            for course in courses
        ]
    )
    course_of_module = {module.pk: module.course_id for module in modules}
    lessons_of: dict[int, list[Lesson]] = {}
    for lesson in lessons:
        lessons_of.setdefault(course_of_module[lesson.module_id], []).append(lesson)
    completions, submissions, threads, replies = [], [], [], []
    for course, assignment in zip(courses, assignments, strict=True):
        people = participants.get(course.pk, [])
        for user_id in people:
            done = lessons_of[course.pk][: rng.randint(0, len(lessons_of[course.pk]))]
            completions += [LessonCompletion(user_id=user_id, lesson=lesson) for lesson in done]
        for user_id in rng.sample(people, min(len(people), 10)):
            submissions.append(
                Submission(
                    assignment=assignment,
                    user_id=user_id,
                    text="Biblioteket er nevnt under kultur, men ikke i samfunnsdelen.",
                    submitted_at=region.now,
                )
            )
        authors = people or [region.leader.pk]
        for t in range(rng.randint(3, 5)):
            threads.append(
                Thread(
                    course=course,
                    author_id=rng.choice(authors),
                    title=f"Erfaringer fra samling {t + 1}",
                    body="Hva tok dere med dere hjem fra samlingen?",
                )
            )
    LessonCompletion.objects.bulk_create(completions, batch_size=2000)
    Submission.objects.bulk_create(submissions, batch_size=2000)
    threads = Thread.objects.bulk_create(threads, batch_size=2000)
    for thread in threads:
        authors = participants.get(thread.course_id) or [region.leader.pk]
        replies += [
            Post(thread=thread, author_id=rng.choice(authors), body="Takk for innspillet!")
            for _ in range(rng.randint(3, 8))
        ]
    Post.objects.bulk_create(replies, batch_size=2000)
    return (
        f"{len(modules)} modules, {len(lessons)} lessons, {len(completions)} lessons done, "
        f"{len(submissions)} assignment answers, {len(threads)} threads, {len(replies)} replies"
    )
