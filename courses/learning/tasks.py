"""E-mail from the learning arena: thin tasks that take ids and a language and re-fetch."""

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from portal.tasks import absolute_url

from .models import Post, Submission
from .selectors import submission_rubric


def _send(*, template: str, context: dict, to: str) -> None:
    send_mail(
        subject=render_to_string(f"learning/email/{template}_subject.txt", context).strip(),
        message=render_to_string(f"learning/email/{template}_body.txt", context),
        from_email=None,
        recipient_list=[to],
    )


@shared_task
def post_reply_notify(post_id: int, language: str) -> None:
    """Tell a thread's author that someone else replied."""
    post = (
        Post.objects.select_related("thread__author", "thread__course", "author")
        .filter(pk=post_id, is_hidden=False, thread__is_hidden=False)
        .first()
    )
    if post is None or post.thread.author is None or post.thread.author_id == post.author_id:
        return
    with translation.override(language):
        context = {
            "post": post,
            "thread": post.thread,
            "course": post.thread.course,
            "url": absolute_url(reverse("learning:thread_detail", args=[post.thread_id]))
            + f"#post-{post.pk}",
        }
        _send(template="reply", context=context, to=post.thread.author.email)


@shared_task
def submission_feedback_notify(submission_id: int, language: str) -> None:
    """Tell a participant that their answer was reviewed."""
    submission = (
        Submission.objects.select_related("assignment__course", "user", "feedback_by")
        .filter(pk=submission_id, feedback_at__isnull=False)
        .first()
    )
    if submission is None:
        return
    with translation.override(language):
        context = {
            "submission": submission,
            "rubric": submission_rubric(submission=submission),
            "assignment": submission.assignment,
            "course": submission.assignment.course,
            "url": absolute_url(reverse("learning:submission_detail", args=[submission.pk])),
        }
        _send(template="feedback", context=context, to=submission.user.email)
