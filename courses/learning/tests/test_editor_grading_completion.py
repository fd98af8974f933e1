"""The rich-text lesson's images, grading on the course's scale with a rubric, the online part's
certificate and completion figures, and the course navigation on every arena page."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from courses.learning import selectors, services
from courses.learning.models import CriterionFeedback, LessonImage, Submission

from .conftest import enrol
from .factories import (
    PNG,
    AssignmentFactory,
    CriterionFactory,
    LessonFactory,
    LessonImageFactory,
    SubmissionFactory,
)

pytestmark = pytest.mark.django_db


def _png(name="kart.png", content=PNG):
    return SimpleUploadedFile(name, content, content_type="image/png")


# --- images in lessons ---


def test_image_upload_checked_and_answered_as_json(world, arena, signed_in):
    url = reverse("learning:lesson_image_upload", args=[arena.course_a.pk])
    client = signed_in(world.coordinator_a)
    response = client.post(url, {"image": _png()})
    assert response.status_code == 201
    image = LessonImage.objects.get()
    assert response.json() == {"url": reverse("learning:lesson_image", args=[image.pk])}
    assert image.file_name == "kart.png" and image.uploaded_by == world.coordinator_a
    for bad, why in (
        (_png("kart.png", b"not really a png"), "content is not one"),
        (_png("notat.pdf", b"%PDF-1.4"), "Use PNG or JPG"),
    ):
        refused = client.post(url, {"image": bad})
        assert refused.status_code == 400 and why in refused.json()["error"]
    assert client.post(url, {}).status_code == 400
    assert LessonImage.objects.count() == 1
    # Participants may not upload; others do not even see the course.
    assert signed_in(world.staff_a).post(url, {"image": _png()}).status_code == 403
    assert signed_in(world.coordinator_b).post(url, {"image": _png()}).status_code == 404


def test_images_served_through_the_policy(world, arena, signed_in):
    image = LessonImageFactory(course=arena.course_a)
    url = reverse("learning:lesson_image", args=[image.pk])
    response = signed_in(world.staff_a).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG
    for person in (world.staff_b, world.coordinator_b, world.outsider, arena.waiting):
        assert signed_in(person).get(url).status_code == 404, person


def test_lesson_text_with_an_image_is_kept_clean(world, arena):
    image = LessonImageFactory(course=arena.course_a)
    module = LessonFactory(module__course=arena.course_a).module
    src = reverse("learning:lesson_image", args=[image.pk])
    lesson = services.lesson_create(
        user=world.coordinator_a,
        module=module,
        title="Kart",
        kind="text",
        body=f'<p>Se&nbsp;kartet:</p><p><img src="{src}" alt="Kart over fylket"></p>'
        '<p><img src="https://tracker.example/p.gif"></p>',
    )
    assert lesson.body == f'<p>Se kartet:</p><p><img src="{src}" alt="Kart over fylket"></p><p></p>'


# --- grading ---


def test_grade_scale_rules(world, arena):
    course = arena.course_a
    for levels, why in (
        ([("Bestått", True)], "at least two"),
        ([("Bra", True), ("bra", False)], "its own name"),
        ([("Bra", False), ("Dårlig", False)], "must pass"),
        ([("Bra", True), ("Greit", True)], "revision"),
    ):
        with pytest.raises(Exception, match=why):
            services.grade_scale_set(user=world.coordinator_a, course=course, levels=levels)
    services.grade_scale_set(
        user=world.coordinator_a,
        course=course,
        levels=[("Svært godt", True), ("", False), ("Godt", True), ("Ikke ennå", False)],
    )
    assert [(g.label, g.passes) for g in services.course_grades(course)] == [
        ("Svært godt", True),
        ("Godt", True),
        ("Ikke ennå", False),
    ]
    services.grade_scale_set(user=world.coordinator_a, course=course, levels=[])
    assert [g.key for g in services.course_grades(course)] == ["approved", "revise"]


def test_review_on_the_scale_with_a_rubric(
    world, arena, signed_in, django_capture_on_commit_callbacks
):
    course = arena.course_a
    services.grade_scale_set(
        user=world.coordinator_a,
        course=course,
        levels=[("Svært godt", True), ("Godt", True), ("Ikke ennå", False)],
    )
    assignment = AssignmentFactory(course=course, title="Kommuneplanen")
    plan = CriterionFactory(assignment=assignment, title="Forankring i planen")
    sources = CriterionFactory(assignment=assignment, title="Kilder")
    submission = SubmissionFactory(assignment=assignment, user=world.staff_a)
    grades = {g.label: g.key for g in services.course_grades(course)}
    review = reverse("learning:submission_detail", args=[submission.pk])
    client = signed_in(world.coordinator_a)
    page = client.get(review).content.decode()
    assert "Grade: Forankring i planen" in page and "Svært godt" in page
    missing = client.post(review, {"grade": grades["Godt"], "feedback": "Bra."})
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            review,
            {
                "grade": grades["Ikke ennå"],
                "feedback": "Nesten der.",
                f"c{plan.pk}_grade": grades["Godt"],
                f"c{plan.pk}_feedback": "Godt forankret.",
                f"c{sources.pk}_grade": grades["Ikke ennå"],
                f"c{sources.pk}_feedback": "Mangler kilder.",
            },
        )
    submission.refresh_from_db()
    assert (submission.status, submission.grade) == (Submission.Status.REVISE, "Ikke ennå")
    given = {
        f.criterion.title: (f.grade, f.passes, f.feedback) for f in CriterionFeedback.objects.all()
    }
    assert given == {
        "Forankring i planen": ("Godt", True, "Godt forankret."),
        "Kilder": ("Ikke ennå", False, "Mangler kilder."),
    }
    body = mail.outbox[-1].body
    assert "Grade: Ikke ennå" in body and "Kilder: Ikke ennå" in body and "Mangler kilder." in body
    # The participant sees the grade and the rubric with its comments.
    page = signed_in(world.staff_a).get(review).content.decode()
    assert "Ikke ennå" in page and "Mangler kilder." in page and "Give feedback" not in page
    detail = signed_in(world.staff_a).get(
        reverse("learning:assignment_detail", args=[assignment.pk])
    )
    assert "Kilder" in detail.content.decode() and "Godt forankret." in detail.content.decode()


def test_default_scale_per_criterion(world, arena):
    assignment = AssignmentFactory(course=arena.course_a)
    criterion = CriterionFactory(assignment=assignment, title="Struktur")
    submission = SubmissionFactory(assignment=assignment, user=world.staff_a)
    services.submission_review(
        user=world.coordinator_a,
        submission=submission,
        grade="approved",
        feedback="Fint.",
        criteria={criterion.pk: ("revise", "Litt rotete.")},
    )
    submission.refresh_from_db()
    assert (submission.status, submission.grade) == (Submission.Status.APPROVED, "")
    feedback = CriterionFeedback.objects.get()
    assert (feedback.passes, feedback.grade_display) == (False, "To be revised")


def test_assignment_form_keeps_the_rubric(world, arena, signed_in):
    client = signed_in(world.coordinator_a)
    url = reverse("learning:assignment_create", args=[arena.course_a.pk])
    data = {
        "title": "Bibliotekplanen",
        "instructions": "Beskriv planen.",
        "deadline": "2031-06-01T12:00",
        "criteria-TOTAL_FORMS": "2",
        "criteria-INITIAL_FORMS": "0",
        "criteria-0-title": "Mål",
        "criteria-0-description": "Er målene tydelige?",
        "criteria-1-title": "Tiltak",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    assignment = arena.course_a.assignments.get()
    assert [c.title for c in assignment.criteria.all()] == ["Mål", "Tiltak"]
    first, second = assignment.criteria.all()
    update = reverse("learning:assignment_update", args=[assignment.pk])
    page = client.get(update).content.decode()
    assert 'value="Mål"' in page and 'name="criteria-3-title"' in page  # two empty rows more
    data.update(
        {
            "criteria-TOTAL_FORMS": "2",
            "criteria-INITIAL_FORMS": "2",
            "criteria-0-id": first.pk,
            "criteria-0-title": "Mål og målgrupper",
            "criteria-1-id": second.pk,
            "criteria-1-title": "",  # removed
        }
    )
    client.post(update, data)
    assert [(c.pk, c.title) for c in assignment.criteria.all()] == [(first.pk, "Mål og målgrupper")]


# --- completing the online part ---


def test_online_certificate_once_everything_is_done(world, arena, signed_in):
    course = arena.course_a
    lesson = LessonFactory(module__course=course)
    assignment = AssignmentFactory(course=course)
    url = reverse("learning:online_certificate", args=[course.pk])
    progress = reverse("learning:my_progress", args=[course.pk])
    client = signed_in(world.staff_a)
    assert client.get(url).status_code == 404
    assert url not in client.get(progress).content.decode()
    services.lesson_mark_done(user=world.staff_a, lesson=lesson)
    submission = SubmissionFactory(assignment=assignment, user=world.staff_a)
    services.submission_review(
        user=world.coordinator_a, submission=submission, grade="approved", feedback="Fint."
    )
    assert url in client.get(progress).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    # Only the participant's own; managers have no online certificate of their own.
    assert signed_in(world.coordinator_a).get(url).status_code == 403
    assert signed_in(world.staff_b).get(url).status_code == 404


def test_online_completers_and_the_dashboard_figure(world, arena, signed_in):
    from portal.tests.factories import UserFactory

    course = arena.course_a
    lesson = LessonFactory(module__course=course)
    other = UserFactory()
    enrol(other, course)
    services.lesson_mark_done(user=world.staff_a, lesson=lesson)
    services.lesson_mark_done(user=arena.waiting, lesson=lesson)  # not a participant: not counted
    empty = arena.course_b  # no online material: nobody completes it
    assert selectors.online_completers(course_ids=[course.pk, empty.pk]) == {
        course.pk: {world.staff_a.pk},
        empty.pk: set(),
    }
    # Counted in the database, once per person however many gatherings they take part in.
    from courses.tests.factories import GatheringFactory, RegistrationFactory

    RegistrationFactory(gathering=GatheringFactory(course=course), user=world.staff_a)
    assert selectors.online_completer_counts(course_ids=[course.pk, empty.pk]) == {
        course.pk: 1,
        empty.pk: 0,
    }
    page = signed_in(world.project_leader).get(
        reverse("programme_dashboard", args=[world.programme.pk])
    )
    panel = next(p for p in page.context["panels"] if p.key == "courses")
    row = next(r for r in panel.context["courses"] if r.course == course)
    assert row.completed_online == 1
    assert panel.context["total"].completed_online == 1


def test_completion_figures_count_those_with_no_lesson_undone_and_no_assignment_unapproved(
    world, arena
):
    """Completers per course and per participants' county, against the states of every lesson
    and assignment: all done and approved counts; an answer to revise, a lesson left or a
    cancelled seat does not; a course without online material has no completers."""
    from courses.models import Registration
    from portal.tests.factories import UserFactory

    course, other_course = arena.course_a, arena.course_b
    lessons = [LessonFactory(module__course=course), LessonFactory(module__course=course)]
    assignment = AssignmentFactory(course=course)
    only_lesson = LessonFactory(module__course=other_course)

    def participant(name, *, lessons_done, approved, status=Registration.Status.CONFIRMED):
        person = UserFactory(full_name=name)
        seat = enrol(person, course, status)
        Registration.objects.filter(pk=seat.pk).update(library=world.library_a)
        for lesson in lessons_done:
            services.lesson_mark_done(user=person, lesson=lesson)
        if approved is not None:
            SubmissionFactory(
                assignment=assignment,
                user=person,
                status=Submission.Status.APPROVED if approved else Submission.Status.REVISE,
            )
        return person

    done = participant("Alt gjort", lessons_done=lessons, approved=True)
    participant("Skal revidere", lessons_done=lessons, approved=False)
    participant("En leksjon igjen", lessons_done=lessons[:1], approved=True)
    participant("Ingenting", lessons_done=[], approved=None)
    participant(
        "Avbestilt", lessons_done=lessons, approved=True, status=Registration.Status.CANCELLED
    )
    Registration.objects.filter(user=world.staff_b).update(library=world.library_b)
    services.lesson_mark_done(user=world.staff_b, lesson=only_lesson)

    course_ids = [course.pk, other_course.pk, arena.programme_course.pk]
    assert selectors.online_completers(course_ids=course_ids) == {
        course.pk: {done.pk},
        other_course.pk: {world.staff_b.pk},
        arena.programme_course.pk: set(),
    }
    assert selectors.online_completer_counts(course_ids=course_ids) == {
        course.pk: 1,
        other_course.pk: 1,
        arena.programme_course.pk: 0,
    }
    # staff_a's seat in course A has no library: not in a county's figures.
    assert selectors.learning_completion_by_county(programme=world.programme) == {
        world.county_a.pk: (4, 1),
        world.county_b.pk: (1, 1),
    }


def test_online_certificate_pdf_names_the_online_part(world, arena):
    from django.utils import timezone

    from courses.certificate import online_certificate_pdf

    pdf = online_certificate_pdf(
        course=arena.course_a,
        user=world.staff_a,
        completed_on=timezone.localdate(),
        lessons=3,
        assignments=1,
        compress=False,
    )
    assert b"Anne Ansatt" in pdf and b"online part" in pdf
    assert b"fylkesbibliotek" in pdf


# --- the course navigation on every arena page ---


def test_every_arena_page_carries_the_course_navigation(world, arena, signed_in):
    course = arena.course_a
    lesson = LessonFactory(module__course=course)
    assignment = AssignmentFactory(course=course)
    submission = SubmissionFactory(assignment=assignment, user=world.staff_a)
    from .factories import ThreadFactory

    thread = ThreadFactory(course=course, author=world.staff_a)
    participant_pages = [
        reverse("learning:course_arena", args=[course.pk]),
        reverse("learning:lesson_detail", args=[lesson.pk]),
        reverse("learning:board", args=[course.pk]),
        reverse("learning:thread_detail", args=[thread.pk]),
        reverse("learning:thread_edit", args=[thread.pk]),
        reverse("learning:assignment_list", args=[course.pk]),
        reverse("learning:assignment_detail", args=[assignment.pk]),
        reverse("learning:submission_detail", args=[submission.pk]),
        reverse("learning:my_progress", args=[course.pk]),
    ]
    manager_pages = [
        reverse("learning:module_create", args=[course.pk]),
        reverse("learning:module_update", args=[lesson.module.pk]),
        reverse("learning:lesson_create", args=[lesson.module.pk]),
        reverse("learning:lesson_update", args=[lesson.pk]),
        reverse("learning:assignment_create", args=[course.pk]),
        reverse("learning:assignment_update", args=[assignment.pk]),
        reverse("learning:grade_scale", args=[course.pk]),
        reverse("learning:completion", args=[course.pk]),
    ]
    links = [
        reverse("courses:course_detail", args=[course.pk]),
        reverse("learning:course_arena", args=[course.pk]),
        reverse("learning:board", args=[course.pk]),
        reverse("learning:assignment_list", args=[course.pk]),
    ]
    for user, pages, extra in (
        (world.staff_a, participant_pages, reverse("learning:my_progress", args=[course.pk])),
        (world.coordinator_a, manager_pages, reverse("learning:completion", args=[course.pk])),
    ):
        client = signed_in(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            nav = response.content.decode().split('class="mb-3 arena-nav"')[1].split("</nav>")[0]
            for link in [*links, extra]:
                assert f'href="{link}"' in nav, (page, link)
