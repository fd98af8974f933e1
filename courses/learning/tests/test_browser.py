"""The arena in a real browser, axe on every page: author, learn, discuss, hand in, give feedback.

Selectors use form field names and URLs, not visible text, so the test holds in every language.
"""

import re

from django.core import mail
from django.urls import reverse

from courses.learning.models import (
    Assignment,
    Lesson,
    LessonImage,
    Module,
    Submission,
    Thread,
)
from courses.tests.factories import CourseFactory

from .conftest import enrol
from .factories import PNG


def _go(b, locator):
    """Click something that loads a new page: wait for that page, then check it with axe."""
    with b.page.expect_navigation():
        locator.click()
    b.check()


def _submit(page, action_url: str) -> None:
    with page.expect_navigation():
        page.locator(f'main form[action="{action_url}"] button[type=submit]').first.click()


def test_coordinator_authors_participant_learns_and_gets_feedback(browser_session, world, tmp_path):
    b = browser_session
    course = CourseFactory(
        programme=world.programme, county=world.county_a, title="Biblioteket i planarbeidet"
    )
    enrol(world.staff_a, course)
    arena_url = reverse("learning:course_arena", args=[course.pk])

    # The coordinator creates a module with a lesson, and an assignment.
    b.login(world.coordinator_a)
    b.goto(arena_url)
    _go(b, b.page.locator(f'a[href="{reverse("learning:module_create", args=[course.pk])}"]'))
    b.page.locator("input[name=title]").fill("Regionale planer")
    b.page.locator("textarea[name=intro]").fill("Hvordan biblioteket kommer med i planene.")
    _go(b, b.page.locator("main form button[type=submit]"))
    module = Module.objects.get(course=course)
    _go(b, b.page.locator(f'a[href="{reverse("learning:lesson_create", args=[module.pk])}"]'))
    b.page.locator("input[name=title]").fill("Planstrategi")
    b.page.locator("input[name=kind][value=link]").check()  # the form shows what a kind needs
    assert b.page.locator("input[name=url]").is_visible()
    assert not b.page.locator("input[name=video_url]").is_visible()
    b.page.locator("input[name=kind][value=text]").check()
    assert not b.page.locator("input[name=url]").is_visible()
    # The text is written in the rich-text editor: a heading, bold, a list and an image.
    assert not b.page.locator("textarea[name=body]").is_visible()
    assert b.page.locator("input[name=title]").input_value() == "Planstrategi"  # focus kept
    editor = b.page.locator(".lesson-editor .ql-editor")
    assert editor.get_attribute("role") == "textbox"
    b.check()
    editor.click()
    b.page.keyboard.type("Les dette")
    b.page.locator("select.ql-header").select_option("2")
    b.page.keyboard.press("Enter")
    b.page.keyboard.type("Les ")
    b.page.locator("button.ql-bold").click()
    assert b.page.locator("button.ql-bold").get_attribute("aria-pressed") == "true"
    b.page.keyboard.type("planstrategien")
    b.page.locator("button.ql-bold").click()
    b.page.keyboard.type(" til fylket.")
    b.page.keyboard.press("Enter")
    b.page.locator("button.ql-list[value=bullet]").click()
    b.page.keyboard.type("Finn kommuneplanen")
    b.page.keyboard.press("Enter")
    b.page.keyboard.type("Noter hvor biblioteket er nevnt")
    b.page.keyboard.press("Enter")
    b.page.keyboard.press("Enter")  # out of the list
    picture = tmp_path / "fylkeskart.png"
    picture.write_bytes(PNG)
    b.page.once("dialog", lambda dialog: dialog.accept("Kart over fylket"))
    with b.page.expect_response(lambda r: "/bilder/" in r.url and r.request.method == "POST"):
        b.page.locator("[data-editor-image]").set_input_files(str(picture))
    b.page.locator(".ql-editor img").wait_for()
    b.check()
    _go(b, b.page.locator("main form[data-lesson-form] button[type=submit]"))
    lesson = Lesson.objects.get(module=module)
    image = LessonImage.objects.get(course=course)
    assert b.page.locator(".lesson-body h2").inner_text() == "Les dette"
    assert b.page.locator(".lesson-body strong").inner_text() == "planstrategien"
    assert b.page.locator(".lesson-body ul li").count() == 2
    assert "&nbsp;" not in lesson.body and "\xa0" not in lesson.body
    assert f'<img src="/laering/bilder/{image.pk}/" alt="Kart over fylket">' in lesson.body
    b.goto(reverse("learning:assignment_create", args=[course.pk]))
    b.page.locator("input[name=title]").fill("Bibliotekets plass i kommuneplanen")
    b.page.locator("textarea[name=instructions]").fill("Finn bibliotekets plass i planen.")
    b.page.locator("input[name=deadline]").fill("2030-06-01T12:00")
    _go(b, b.page.locator("main form button[type=submit]"))
    assignment = Assignment.objects.get(course=course)

    # The participant reads the lesson (the image is served to her) and marks it done.
    b.login(world.staff_a)
    b.goto(arena_url)
    assert b.page.locator("progress#course-progress").get_attribute("value") == "0"
    _go(b, b.page.locator(f'a[href="{reverse("learning:lesson_detail", args=[lesson.pk])}"]'))
    assert b.page.locator(".lesson-body img").evaluate("img => img.naturalWidth") == 1
    _submit(b.page, reverse("learning:lesson_done", args=[lesson.pk]))
    b.check()
    assert lesson.completions.filter(user=world.staff_a).exists()

    # ... posts in the board ...
    b.goto(reverse("learning:board", args=[course.pk]))
    b.page.locator("input[name=title]").fill("Hvem har en bibliotekplan?")
    b.page.locator("textarea[name=body]").fill("Vi i Trondheim lager en nå.")
    _submit(b.page, reverse("learning:thread_create", args=[course.pk]))
    b.check()
    thread = Thread.objects.get(course=course)
    assert b.page.url.endswith(reverse("learning:thread_detail", args=[thread.pk]))

    # ... and hands in the assignment with a file; a wrong file is explained first.
    b.goto(reverse("learning:assignment_detail", args=[assignment.pk]))
    hand_in = reverse("learning:submission_create", args=[assignment.pk])
    wrong = tmp_path / "svar.pdf"
    wrong.write_bytes(b"this is no pdf")
    b.page.locator("textarea[name=text]").fill("Se vedlegget.")
    b.page.locator("input[name=file]").set_input_files(str(wrong))
    _submit(b.page, hand_in)
    b.check()
    assert b.page.locator("textarea[name=text]").input_value() == "Se vedlegget."
    assert b.page.locator("#id_file").get_attribute("aria-invalid") == "true"
    answer = tmp_path / "svar.txt"
    answer.write_text("Biblioteket er nevnt i samfunnsdelen.", encoding="utf-8")
    b.page.locator("input[name=file]").set_input_files(str(answer))
    _submit(b.page, hand_in)
    b.check()
    submission = Submission.objects.get(assignment=assignment)
    assert submission.file_name == "svar.txt"

    # The coordinator reads it and gives feedback; the participant gets an e-mail.
    b.login(world.coordinator_a)
    b.goto(reverse("learning:assignment_detail", args=[assignment.pk]))
    review_url = reverse("learning:submission_detail", args=[submission.pk])
    _go(b, b.page.locator(f'main a[href="{review_url}"]'))
    b.page.locator("input[name=grade][value=approved]").check()
    b.page.locator("textarea[name=feedback]").fill("Godt funnet!")
    _go(b, b.page.locator("main form button[type=submit]"))
    submission.refresh_from_db()
    assert submission.status == "approved" and submission.feedback == "Godt funnet!"
    assert [m.to for m in mail.outbox] == [[world.staff_a.email]]
    b.goto(reverse("learning:completion", args=[course.pk]))
    assert re.search(r"100\s*%", b.page.locator("main table tbody tr").first.inner_text())

    # The participant's progress bar is full.
    b.login(world.staff_a)
    b.goto(arena_url)
    assert b.page.locator("progress#course-progress").get_attribute("value") == "100"


def test_moderation_on_a_phone(phone_session, world):
    from .factories import AssignmentFactory, PostFactory, ThreadFactory

    b = phone_session
    course = CourseFactory(programme=world.programme, county=world.county_a, title="Partnerskap")
    enrol(world.staff_a, course)
    thread = ThreadFactory(course=course, author=world.staff_a, title="Samarbeid med skolen")
    post = PostFactory(thread=thread, author=world.staff_a, body="Upassende innlegg")
    AssignmentFactory(course=course)
    thread_url = reverse("learning:thread_detail", args=[thread.pk])

    b.login(world.coordinator_a)
    b.goto(thread_url)
    moderate_post = reverse("learning:post_moderate", args=[post.pk])
    _go(b, b.page.locator(f'form[action="{moderate_post}"] button[value=hide]'))
    moderate_thread = reverse("learning:thread_moderate", args=[thread.pk])
    _go(b, b.page.locator(f'form[action="{moderate_thread}"] button[value=lock]'))
    thread.refresh_from_db()
    post.refresh_from_db()
    assert thread.is_locked and post.is_hidden
    b.goto(reverse("learning:assignment_list", args=[course.pk]))

    b.login(world.staff_a)
    b.goto(thread_url)
    assert b.page.get_by_text("Upassende innlegg").count() == 0
    assert b.page.locator("textarea[name=body]").count() == 0  # locked: no reply form
    b.goto(reverse("learning:assignment_list", args=[course.pk]))
