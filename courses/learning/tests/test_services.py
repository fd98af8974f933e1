"""The rules of writing in the arena: material, the board, assignments; audit and e-mail."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from courses.learning import services
from courses.learning.models import Lesson, LessonCompletion, Module, Post, Submission, Thread
from portal.models import AuditLogEntry

from .factories import AssignmentFactory, LessonFactory, ModuleFactory

pytestmark = pytest.mark.django_db


def test_modules_and_lessons_are_created_in_order_and_reordered(world, arena):
    user, course = world.coordinator_a, arena.course_a
    first = services.module_create(user=user, course=course, title="Roller")
    second = services.module_create(user=user, course=course, title="Planer")
    assert [m.title for m in Module.objects.filter(course=course)] == ["Roller", "Planer"]
    services.module_reorder(user=user, course=course, module_ids=[second.pk, first.pk])
    assert [m.title for m in Module.objects.filter(course=course)] == ["Planer", "Roller"]
    with pytest.raises(ValidationError):
        services.module_reorder(user=user, course=course, module_ids=[first.pk])
    a = services.lesson_create(user=user, module=first, title="A", kind="text", body="<p>a</p>")
    b = services.lesson_create(
        user=user, module=first, title="B", kind="link", url="https://www.nb.no"
    )
    services.lesson_reorder(
        user=user, module=first, lesson_ids=services.moved([a.pk, b.pk], b.pk, "up")
    )
    assert list(first.lessons.values_list("title", flat=True)) == ["B", "A"]
    assert AuditLogEntry.objects.filter(action="learning.lesson.created").count() == 2


def test_lesson_body_is_sanitised_and_kind_needs_its_content(world, arena):
    module = ModuleFactory(course=arena.course_a)
    lesson = services.lesson_create(
        user=world.coordinator_a,
        module=module,
        title="Tekst",
        kind="text",
        body='<p onclick="x()">Hei<script>alert(1)</script></p>',
    )
    assert lesson.body == "<p>Hei</p>"
    with pytest.raises(ValidationError) as error:
        services.lesson_create(
            user=world.coordinator_a,
            module=module,
            title="Video",
            kind="video",
            video_url="https://evil.example/v/1",
        )
    assert "YouTube and Vimeo" in error.value.message_dict["video_url"][0]
    with pytest.raises(ValidationError) as error:
        services.lesson_create(user=world.coordinator_a, module=module, title="Fil", kind="file")
    assert "file" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.lesson_create(
            user=world.coordinator_a,
            module=module,
            title="Fil",
            kind="file",
            file=SimpleUploadedFile("plan.pdf", b"not a pdf"),
        )
    assert "not one" in error.value.message_dict["file"][0]
    assert Lesson.objects.filter(module=module).count() == 1


def test_file_lesson_keeps_the_original_name_under_a_random_stored_name(world, arena):
    module = ModuleFactory(course=arena.course_a)
    lesson = services.lesson_create(
        user=world.coordinator_a,
        module=module,
        title="Plan",
        kind="file",
        file=SimpleUploadedFile("Regional plan.pdf", b"%PDF-1.4 plan"),
    )
    assert lesson.file_name == "Regional plan.pdf"
    assert "Regional" not in lesson.file.name and lesson.file.name.endswith(".pdf")


def test_mark_done_is_idempotent(world, arena):
    lesson = LessonFactory(module__course=arena.course_a)
    services.lesson_mark_done(user=world.staff_a, lesson=lesson)
    services.lesson_mark_done(user=world.staff_a, lesson=lesson)
    assert LessonCompletion.objects.filter(user=world.staff_a).count() == 1
    services.lesson_mark_not_done(user=world.staff_a, lesson=lesson)
    assert not LessonCompletion.objects.exists()


def test_reply_notifies_the_thread_author_once_committed(
    world, arena, django_capture_on_commit_callbacks
):
    thread = services.thread_create(
        user=world.staff_a, course=arena.course_a, title="Planer", body="Hvem har en bibliotekplan?"
    )
    world.staff_a.preferred_language = "en"
    world.staff_a.save()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.post_create(user=world.coordinator_a, thread=thread, body="Trondheim har en.")
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [world.staff_a.email]
    assert "New reply to “Planer”" in message.subject
    assert "Trondheim har en." in message.body
    assert f"/laering/traader/{thread.pk}/" in message.body
    # Replying in one's own thread sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(user=world.staff_a, thread=thread, body="Takk!")
    assert len(mail.outbox) == 1


def test_edit_window_and_author_only(world, arena, settings):
    thread = services.thread_create(user=world.staff_a, course=arena.course_a, title="T", body="b")
    post = services.post_create(user=world.staff_a, thread=thread, body="første")
    services.post_edit(user=world.staff_a, post=post, body="andre")
    post.refresh_from_db()
    assert post.body == "andre" and post.edited_at is not None
    with pytest.raises(PermissionDenied):
        services.post_edit(user=world.coordinator_a, post=post, body="sensur")
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(minutes=31))
    with pytest.raises(ValidationError) as error:
        services.post_edit(user=world.staff_a, post=post, body="for sent")
    assert "30 minutes" in error.value.messages[0]
    settings.LEARNING_EDIT_WINDOW_MINUTES = 45
    services.post_edit(user=world.staff_a, post=post, body="innenfor")
    services.thread_edit(user=world.staff_a, thread=thread, title="Ny tittel", body="b")
    assert Thread.objects.get(pk=thread.pk).title == "Ny tittel"


def test_moderation_is_logged_and_locking_stops_replies(world, arena):
    thread = services.thread_create(user=world.staff_a, course=arena.course_a, title="T", body="b")
    post = services.post_create(user=world.staff_a, thread=thread, body="svar")
    services.thread_lock(user=world.coordinator_a, thread=thread)
    with pytest.raises(ValidationError) as error:
        services.post_create(user=world.staff_a, thread=thread, body="enda et")
    assert "locked" in error.value.messages[0]
    with pytest.raises(ValidationError):
        services.post_edit(user=world.staff_a, post=post, body="endret")
    services.thread_unlock(user=world.coordinator_a, thread=thread)
    services.post_hide(user=world.coordinator_a, post=post)
    services.thread_hide(user=world.coordinator_a, thread=thread)
    services.thread_unhide(user=world.coordinator_a, thread=thread)
    actions = list(
        AuditLogEntry.objects.filter(action__startswith="learning.")
        .order_by("created_at", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "learning.thread.locked",
        "learning.thread.unlocked",
        "learning.post.hidden",
        "learning.thread.hidden",
        "learning.thread.unhidden",
    ]
    entry = AuditLogEntry.objects.get(action="learning.post.hidden")
    assert entry.user == world.coordinator_a and entry.county == world.county_a


def test_submission_before_deadline_resubmission_only_when_revise(world, arena):
    assignment = AssignmentFactory(course=arena.course_a)
    with pytest.raises(ValidationError):
        services.submission_create(user=world.staff_a, assignment=assignment, text="  ")
    submission = services.submission_create(
        user=world.staff_a, assignment=assignment, text="Mitt svar"
    )
    with pytest.raises(ValidationError) as error:
        services.submission_create(user=world.staff_a, assignment=assignment, text="igjen")
    assert "already handed in" in error.value.messages[0]
    services.submission_review(
        user=world.coordinator_a, submission=submission, grade="revise", feedback="Utdyp."
    )
    again = services.submission_create(
        user=world.staff_a,
        assignment=assignment,
        file=SimpleUploadedFile("svar.txt", b"Utdypet svar"),
    )
    assert again.pk == submission.pk and again.attempt == 2
    assert again.status == Submission.Status.SUBMITTED and again.file_name == "svar.txt"
    services.submission_review(
        user=world.coordinator_a, submission=again, grade="approved", feedback="Bra!"
    )
    with pytest.raises(ValidationError) as error:
        services.submission_create(user=world.staff_a, assignment=assignment, text="mer")
    assert "already been approved" in error.value.messages[0]


def test_submission_after_the_deadline_is_refused_clearly(world, arena):
    assignment = AssignmentFactory(
        course=arena.course_a, deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError) as error:
        services.submission_create(user=world.staff_a, assignment=assignment, text="sent")
    assert "no longer takes answers" in error.value.messages[0]
    assert not Submission.objects.exists()


def test_submission_file_is_checked(world, arena):
    assignment = AssignmentFactory(course=arena.course_a)
    with pytest.raises(ValidationError) as error:
        services.submission_create(
            user=world.staff_a,
            assignment=assignment,
            file=SimpleUploadedFile("svar.exe", b"MZ"),
        )
    assert "not an allowed file type" in error.value.message_dict["file"][0]


def test_review_needs_feedback_logs_and_mails_the_participant(
    world, arena, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(course=arena.course_a, title="Kommuneplanen")
    submission = services.submission_create(user=world.staff_a, assignment=assignment, text="Svar")
    with pytest.raises(ValidationError):
        services.submission_review(
            user=world.coordinator_a, submission=submission, grade="approved", feedback=" "
        )
    with pytest.raises(ValidationError):
        services.submission_review(
            user=world.coordinator_a, submission=submission, grade="submitted", feedback="x"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_review(
            user=world.coordinator_a,
            submission=submission,
            grade="approved",
            feedback="Godt forankret.",
        )
    submission.refresh_from_db()
    assert submission.status == "approved" and submission.feedback_by == world.coordinator_a
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.staff_a.email]
    assert "Godt forankret." in mail.outbox[0].body
    entry = AuditLogEntry.objects.get(action="learning.submission.reviewed")
    assert entry.data == {"status": "approved", "grade": "", "participant": world.staff_a.pk}


def test_link_lessons_take_web_addresses_only(world, arena):
    module = ModuleFactory(course=arena.course_a)
    with pytest.raises(ValidationError) as error:
        services.lesson_create(
            user=world.coordinator_a,
            module=module,
            title="Lenke",
            kind="link",
            url="javascript:alert(1)",
        )
    assert "https://" in error.value.message_dict["url"][0]
