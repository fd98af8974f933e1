"""The arena's pages: who gets in, how forms treat bad input, files served through a check."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from courses.learning import services
from courses.learning.models import Lesson, Module, Post, Submission, Thread

from .conftest import enrol
from .factories import (
    AssignmentFactory,
    LessonFactory,
    ModuleFactory,
    PostFactory,
    SubmissionFactory,
    ThreadFactory,
)

pytestmark = pytest.mark.django_db


def test_arena_home_for_participants_and_managers_only(world, arena, signed_in, client):
    LessonFactory(module__course=arena.course_a, module__title="Roller", title="Fylkesbiblioteket")
    url = reverse("learning:course_arena", args=[arena.course_a.pk])
    for user, status in [
        (world.staff_a, 200),
        (world.coordinator_a, 200),
        (world.project_leader, 200),
        (world.site_admin, 200),
        (world.staff_b, 404),
        (world.coordinator_b, 404),
        (world.library_leader_a, 404),
        (world.outsider, 404),
        (arena.waiting, 404),
    ]:
        assert signed_in(user).get(url).status_code == status, user
    assert client.logout() is None
    assert client.get(url).status_code == 302
    page = signed_in(world.staff_a).get(url).content.decode()
    assert "Fylkesbiblioteket" in page
    assert '<progress id="course-progress"' in page and "style=" not in page
    assert "Add a module" not in page
    assert "Add a module" in signed_in(world.coordinator_a).get(url).content.decode()


def test_unknown_course_is_404(world, arena, signed_in):
    client = signed_in(world.site_admin)
    assert client.get("/laering/kurs/999999/").status_code == 404
    assert client.get("/laering/kurs/abc/").status_code == 404


def test_other_courses_material_board_and_assignments_are_404(world, arena, signed_in):
    lesson = LessonFactory(module__course=arena.course_b)
    thread = ThreadFactory(course=arena.course_b, author=world.staff_b)
    post = PostFactory(thread=thread, author=world.staff_b)
    assignment = AssignmentFactory(course=arena.course_b)
    submission = SubmissionFactory(assignment=assignment, user=world.staff_b)
    client = signed_in(world.staff_a)
    for url in [
        reverse("learning:lesson_detail", args=[lesson.pk]),
        reverse("learning:board", args=[arena.course_b.pk]),
        reverse("learning:thread_detail", args=[thread.pk]),
        reverse("learning:post_edit", args=[post.pk]),
        reverse("learning:assignment_list", args=[arena.course_b.pk]),
        reverse("learning:assignment_detail", args=[assignment.pk]),
        reverse("learning:submission_detail", args=[submission.pk]),
        reverse("learning:submission_file", args=[submission.pk]),
        reverse("learning:lesson_file", args=[lesson.pk]),
    ]:
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("learning:post_create", args=[thread.pk]), {"body": "Hei fra Trondheim"}
    )
    assert response.status_code == 404
    assert not Post.objects.filter(body="Hei fra Trondheim").exists()


def test_coordinator_authors_modules_and_lessons(world, arena, signed_in):
    client = signed_in(world.coordinator_a)
    response = client.post(
        reverse("learning:module_create", args=[arena.course_a.pk]),
        {"title": "Regionale planer", "intro": "Om planarbeid"},
    )
    assert response.status_code == 302
    module = Module.objects.get(course=arena.course_a)
    response = client.post(
        reverse("learning:lesson_create", args=[module.pk]),
        {
            "title": "Video om planer",
            "kind": "video",
            "video_url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
    )
    lesson = Lesson.objects.get(module=module)
    assert response.url == reverse("learning:lesson_detail", args=[lesson.pk])
    page = client.get(response.url).content.decode()
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in page
    assert '<iframe src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ" title="Video:' in page


def test_participants_and_other_coordinators_cannot_author(world, arena, signed_in):
    module = ModuleFactory(course=arena.course_a)
    create = reverse("learning:module_create", args=[arena.course_a.pk])
    assert signed_in(world.staff_a).post(create, {"title": "x"}).status_code == 403
    assert signed_in(world.coordinator_b).post(create, {"title": "x"}).status_code == 404
    lesson_create = reverse("learning:lesson_create", args=[module.pk])
    assert signed_in(world.staff_a).get(lesson_create).status_code == 403
    delete = reverse("learning:module_delete", args=[module.pk])
    assert signed_in(world.staff_a).post(delete).status_code == 403
    assert Module.objects.filter(pk=module.pk).exists()


def test_lesson_form_keeps_input_and_explains_a_wrong_file(world, arena, signed_in):
    module = ModuleFactory(course=arena.course_a)
    response = signed_in(world.coordinator_a).post(
        reverse("learning:lesson_create", args=[module.pk]),
        {
            "title": "Planveileder",
            "kind": "file",
            "file": SimpleUploadedFile("veileder.pdf", b"<html>not a pdf</html>"),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Planveileder"' in page
    assert "is named as a PDF file but its content is not one" in page
    assert "aria-describedby" in page
    assert not Lesson.objects.exists()


def test_files_are_served_only_through_the_policy(world, arena, signed_in):
    module = ModuleFactory(course=arena.course_a)
    lesson = services.lesson_create(
        user=world.coordinator_a,
        module=module,
        title="Plan",
        kind="file",
        file=SimpleUploadedFile("Regional plan.pdf", b"%PDF-1.4 plan"),
    )
    url = reverse("learning:lesson_file", args=[lesson.pk])
    response = signed_in(world.staff_a).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert 'filename="Regional plan.pdf"' in response["Content-Disposition"]
    assert signed_in(world.staff_b).get(url).status_code == 404
    assert signed_in(arena.waiting).get(url).status_code == 404
    page = signed_in(world.staff_a).get(reverse("learning:lesson_detail", args=[lesson.pk]))
    assert "/media/" not in page.content.decode()


def test_mark_done_from_the_lesson_page(world, arena, signed_in):
    lesson = LessonFactory(module__course=arena.course_a)
    url = reverse("learning:lesson_done", args=[lesson.pk])
    assert signed_in(world.staff_a).post(url, {"done": "1"}).status_code == 302
    assert lesson.completions.filter(user=world.staff_a).exists()
    # A coordinator is no participant: nothing to mark.
    assert signed_in(world.coordinator_a).post(url).status_code == 403


def test_board_thread_reply_and_notification(
    world, arena, signed_in, django_capture_on_commit_callbacks
):
    client = signed_in(world.staff_a)
    response = client.post(
        reverse("learning:thread_create", args=[arena.course_a.pk]), {"title": "", "body": "Hei"}
    )
    assert response.status_code == 400 and "Hei" in response.content.decode()
    response = client.post(
        reverse("learning:thread_create", args=[arena.course_a.pk]),
        {"title": "Bibliotekplaner", "body": "Hvem har en?"},
    )
    thread = Thread.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(world.coordinator_a).post(
            reverse("learning:post_create", args=[thread.pk]), {"body": "Vi har en i Trondheim."}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.staff_a.email]
    page = client.get(reverse("learning:thread_detail", args=[thread.pk])).content.decode()
    assert "Vi har en i Trondheim." in page
    assert "Hide thread" not in page


def test_locked_thread_refuses_replies_and_late_edits_are_refused(world, arena, signed_in):
    thread = ThreadFactory(course=arena.course_a, author=world.staff_a)
    post = PostFactory(thread=thread, author=world.staff_a)
    coordinator = signed_in(world.coordinator_a)
    staff = signed_in(world.staff_a)
    assert (
        staff.post(
            reverse("learning:thread_moderate", args=[thread.pk]), {"action": "lock"}
        ).status_code
        == 403
    )
    coordinator.post(reverse("learning:thread_moderate", args=[thread.pk]), {"action": "lock"})
    response = staff.post(reverse("learning:post_create", args=[thread.pk]), {"body": "Til slutt"})
    assert response.status_code == 400
    assert "locked" in response.content.decode()
    coordinator.post(reverse("learning:thread_moderate", args=[thread.pk]), {"action": "unlock"})
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(hours=1))
    response = staff.post(
        reverse("learning:post_edit", args=[post.pk]), {"body": "endret"}, follow=True
    )
    assert "can no longer be edited" in response.content.decode()
    post.refresh_from_db()
    assert post.body != "endret"
    coordinator.post(reverse("learning:post_moderate", args=[post.pk]), {"action": "hide"})
    page = staff.get(reverse("learning:thread_detail", args=[thread.pk])).content.decode()
    assert post.body not in page
    assert staff.get(reverse("learning:post_edit", args=[post.pk])).status_code == 404


def test_submit_review_and_see_feedback(
    world, arena, signed_in, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(course=arena.course_a, title="Planoppgave")
    staff = signed_in(world.staff_a)
    url = reverse("learning:submission_create", args=[assignment.pk])
    response = staff.post(url, {"text": ""})
    assert response.status_code == 400
    assert "Write an answer or attach a file." in response.content.decode()
    response = staff.post(
        url, {"text": "Se vedlegg", "file": SimpleUploadedFile("svar.docx", b"not a docx")}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Se vedlegg" in page and "is named as a Word file" in page
    response = staff.post(
        url, {"text": "Se vedlegg", "file": SimpleUploadedFile("svar.txt", b"Mitt svar")}
    )
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert staff.get(reverse("learning:submission_file", args=[submission.pk])).status_code == 200
    # A colleague in the same course cannot see it.
    enrol(world.library_leader_a, arena.course_a)
    colleague = signed_in(world.library_leader_a)
    assert (
        colleague.get(reverse("learning:submission_detail", args=[submission.pk])).status_code
        == 404
    )
    assert (
        staff.post(
            reverse("learning:submission_detail", args=[submission.pk]),
            {"grade": "approved", "feedback": "Selvgodkjent"},
        ).status_code
        == 403
    )
    coordinator = signed_in(world.coordinator_a)
    page = coordinator.get(reverse("learning:assignment_detail", args=[assignment.pk]))
    assert world.staff_a.full_name in page.content.decode()
    review = reverse("learning:submission_detail", args=[submission.pk])
    response = coordinator.post(review, {"grade": "revise", "feedback": ""})
    assert response.status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator.post(review, {"grade": "revise", "feedback": "Utdyp punkt 2."})
    assert response.status_code == 302
    assert mail.outbox[-1].to == [world.staff_a.email]
    page = staff.get(reverse("learning:assignment_detail", args=[assignment.pk])).content.decode()
    assert "Utdyp punkt 2." in page and "Hand in a revised answer" in page


def test_submission_after_deadline_gets_a_clear_answer(world, arena, signed_in):
    assignment = AssignmentFactory(
        course=arena.course_a, deadline=timezone.now() - timedelta(days=1)
    )
    client = signed_in(world.staff_a)
    page = client.get(reverse("learning:assignment_detail", args=[assignment.pk])).content.decode()
    assert "The deadline has passed" in page
    response = client.post(
        reverse("learning:submission_create", args=[assignment.pk]), {"text": "Sent svar"}
    )
    assert response.status_code == 400
    assert "no longer takes answers" in response.content.decode()
    assert not Submission.objects.exists()


def test_completion_page_is_for_managers(world, arena, signed_in):
    url = reverse("learning:completion", args=[arena.course_a.pk])
    assert signed_in(world.staff_a).get(url).status_code == 403
    assert signed_in(world.coordinator_b).get(url).status_code == 404
    page = signed_in(world.coordinator_a).get(url).content.decode()
    assert "<caption>" in page and world.staff_a.full_name in page


@pytest.mark.parametrize("n", [2, 12])
def test_board_and_thread_pages_do_not_grow(world, arena, signed_in, n, django_assert_num_queries):
    for _ in range(n):
        thread = ThreadFactory(course=arena.course_a, author=world.staff_a)
        for _ in range(n):
            PostFactory(thread=thread, author=world.coordinator_a)
    client = signed_in(world.staff_a)
    board = reverse("learning:board", args=[arena.course_a.pk])
    detail = reverse("learning:thread_detail", args=[thread.pk])
    client.get(board)
    with django_assert_num_queries(BOARD_QUERIES):
        assert client.get(board).status_code == 200
    with django_assert_num_queries(THREAD_QUERIES):
        assert client.get(detail).status_code == 200


@pytest.mark.parametrize("n", [2, 10])
def test_arena_page_does_not_grow(world, arena, signed_in, n, django_assert_num_queries):
    for _ in range(n):
        module = ModuleFactory(course=arena.course_a)
        for _ in range(n):
            LessonFactory(module=module)
    client = signed_in(world.staff_a)
    url = reverse("learning:course_arena", args=[arena.course_a.pk])
    client.get(url)
    with django_assert_num_queries(ARENA_QUERIES):
        assert client.get(url).status_code == 200


BOARD_QUERIES = 7
THREAD_QUERIES = 7
ARENA_QUERIES = 9


def test_lesson_text_put_in_past_the_services_is_still_sanitised(world, arena, signed_in):
    lesson = LessonFactory(
        module__course=arena.course_a, body='<p>Trygt</p><script>alert("x")</script>'
    )
    page = signed_in(world.staff_a).get(reverse("learning:lesson_detail", args=[lesson.pk]))
    assert "<p>Trygt</p>" in page.content.decode()
    assert 'alert("x")' not in page.content.decode()


def test_author_edits_own_thread_and_reply_within_the_window(world, arena, signed_in):
    thread = ThreadFactory(course=arena.course_a, author=world.staff_a, title="Førsteutkast")
    post = PostFactory(thread=thread, author=world.staff_a, body="Skrivefeil")
    staff = signed_in(world.staff_a)
    edit = reverse("learning:thread_edit", args=[thread.pk])
    assert 'value="Førsteutkast"' in staff.get(edit).content.decode()
    response = staff.post(edit, {"title": "", "body": "ny tekst"})
    assert response.status_code == 400 and "ny tekst" in response.content.decode()
    staff.post(edit, {"title": "Rettet tittel", "body": "ny tekst"})
    staff.post(reverse("learning:post_edit", args=[post.pk]), {"body": "Rettet"})
    thread.refresh_from_db()
    post.refresh_from_db()
    assert thread.title == "Rettet tittel" and thread.edited_at is not None
    assert post.body == "Rettet" and post.edited_at is not None
    # Someone else may not, not even a moderator.
    response = signed_in(world.coordinator_a).post(edit, {"title": "Sensur", "body": "x"})
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.title == "Rettet tittel"
