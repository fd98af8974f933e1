"""What the learning arena holds about a person (portal/privacy.py): progress, posts, answers."""

from portal.privacy import ERASED_TEXT, Section, register_erasure, register_export

from .models import LessonCompletion, LessonImage, Post, Submission, Thread


@register_export
def learning(*, user):
    yield Section(
        "learning-progress",
        [
            {"course": c.lesson.module.course.title, "lesson": c.lesson.title, "done": c.done_at}
            for c in LessonCompletion.objects.filter(user=user).select_related(
                "lesson__module__course"
            )
        ],
    )
    yield Section(
        "learning-threads",
        [
            {"course": t.course.title, "title": t.title, "text": t.body, "created": t.created_at}
            for t in Thread.objects.filter(author=user).select_related("course")
        ],
    )
    yield Section(
        "learning-posts",
        [
            {
                "course": p.thread.course.title,
                "thread": p.thread.title,
                "text": p.body,
                "created": p.created_at,
            }
            for p in Post.objects.filter(author=user).select_related("thread__course")
        ],
    )
    yield Section(
        "learning-submissions",
        [
            {
                "course": s.assignment.course.title,
                "assignment": s.assignment.title,
                "answer": s.text,
                "file": s.file_name,
                "submitted": s.submitted_at,
                "status": s.get_status_display(),
                "grade": s.grade,
                "feedback": s.feedback,
                "criteria": "; ".join(
                    f"{f.criterion.title}: {f.grade_display} {f.feedback}".strip()
                    for f in s.criterion_feedback.all()
                ),
            }
            for s in Submission.objects.filter(user=user)
            .select_related("assignment__course")
            .prefetch_related("criterion_feedback__criterion")
        ],
    )


@register_erasure
def learning_erase(*, user):
    # Threads and posts keep their place, so others' replies still make sense; the words go.
    # Threads another person replied to keep their title; the erased person's own text goes.
    Thread.objects.filter(author=user).update(body=ERASED_TEXT)
    Post.objects.filter(author=user).update(body=ERASED_TEXT)
    for submission in Submission.objects.filter(user=user).exclude(file=""):
        submission.file.delete(save=False)
    # Submissions stay (the course's completion figures count them), without their content.
    Submission.objects.filter(user=user).update(text=ERASED_TEXT, file="", file_name="")
    Submission.objects.filter(feedback_by=user).update(feedback_by=None)
    LessonImage.objects.filter(uploaded_by=user).update(uploaded_by=None)
