"""The e-mail tasks re-fetch what they send about, and send it in the recipient's language."""

import pytest
from django.core import mail

from courses.learning.tasks import post_reply_notify, submission_feedback_notify

from .factories import PostFactory, SubmissionFactory, ThreadFactory

pytestmark = pytest.mark.django_db


def test_a_reply_hidden_before_the_task_runs_is_not_sent(world, arena):
    thread = ThreadFactory(course=arena.course_a, author=world.staff_a)
    post = PostFactory(thread=thread, author=world.coordinator_a, is_hidden=True)
    post_reply_notify(post.pk, "en")
    post_reply_notify(999999, "en")
    assert mail.outbox == []


def test_reply_mail_is_in_the_language_given(world, arena):
    thread = ThreadFactory(course=arena.course_a, author=world.staff_a, title="Planer")
    post = PostFactory(thread=thread, author=world.coordinator_a)
    post_reply_notify(post.pk, "en")
    assert mail.outbox[0].subject == "New reply to “Planer”"
    assert f"#post-{post.pk}" in mail.outbox[0].body


def test_feedback_mail_only_after_a_review(world, arena):
    submission = SubmissionFactory(assignment__course=arena.course_a, user=world.staff_a)
    submission_feedback_notify(submission.pk, "en")
    assert mail.outbox == []
