"""Writes of the learning arena: material, the discussion board, assignments.

Views check the access policy before calling these; the services keep the domain's own rules
(edit window, locked threads, deadlines, one submission per person) and write the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from courses.models import Course
from portal import outbox
from portal.audit import audit_log
from portal.models import User

from .content import sanitize_html, validate_image, validate_upload, validate_video_url
from .models import (
    Assignment,
    Criterion,
    CriterionFeedback,
    GradeLevel,
    Lesson,
    LessonCompletion,
    LessonImage,
    Module,
    Post,
    Submission,
    Thread,
)

# --- modules and lessons ---


def _next_position(qs) -> int:
    return (qs.aggregate(top=Max("position"))["top"] or 0) + 1


@transaction.atomic
def module_create(*, user: User, course: Course, title: str, intro: str = "") -> Module:
    module = Module.objects.create(
        course=course,
        title=title,
        intro=intro,
        position=_next_position(Module.objects.filter(course=course)),
    )
    audit_log(
        "learning.module.created",
        user=user,
        obj=module,
        county=course.county,
        data={"title": title},
    )
    return module


@transaction.atomic
def module_update(*, user: User, module: Module, title: str, intro: str = "") -> Module:
    module.title = title
    module.intro = intro
    module.save(update_fields=["title", "intro"])
    return module


@transaction.atomic
def module_delete(*, user: User, module: Module) -> None:
    audit_log(
        "learning.module.deleted",
        user=user,
        obj=module,
        county=module.course.county,
        data={"title": module.title, "lessons": module.lessons.count()},
    )
    files = [lesson.file for lesson in module.lessons.all() if lesson.file]
    module.delete()
    _delete_files_on_commit(files)


def _reorder(qs, ordered_ids: list[int]) -> None:
    items = {item.pk: item for item in qs.select_for_update()}
    if sorted(items) != sorted(ordered_ids):
        raise ValidationError(_("The new order must name every item exactly once."))
    for position, pk in enumerate(ordered_ids, start=1):
        items[pk].position = position
    qs.model.objects.bulk_update(items.values(), ["position"])


@transaction.atomic
def module_reorder(*, user: User, course: Course, module_ids: list[int]) -> None:
    _reorder(Module.objects.filter(course=course), module_ids)


@transaction.atomic
def lesson_reorder(*, user: User, module: Module, lesson_ids: list[int]) -> None:
    _reorder(Lesson.objects.filter(module=module), lesson_ids)


def moved(ordered_ids: list[int], pk: int, direction: str) -> list[int]:
    """The order after moving one item a step "up" or "down" (unchanged at the ends)."""
    ids = list(ordered_ids)
    index = ids.index(pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
    return ids


def _lesson_content(
    *, kind: str, body: str, file, url: str, video_url: str, existing: Lesson | None
) -> dict:
    """Check that a lesson has what its kind needs; returns the fields to store."""
    errors = {}
    fields = {"body": sanitize_html(body), "url": url or "", "video_url": video_url or ""}
    if kind == Lesson.Kind.TEXT and not fields["body"]:
        errors["body"] = _("Write the text of the lesson.")
    if kind == Lesson.Kind.LINK and not fields["url"]:
        errors["url"] = _("Give the address the lesson links to.")
    if fields["url"]:
        try:
            URLValidator(schemes=["http", "https"])(fields["url"])
        except ValidationError:
            errors["url"] = _("Give a web address starting with https:// or http://.")
    if kind == Lesson.Kind.VIDEO:
        if not fields["video_url"]:
            errors["video_url"] = _("Give the address of the video.")
        else:
            try:
                validate_video_url(fields["video_url"])
            except ValidationError as error:
                errors["video_url"] = error.messages[0]
    if file:
        try:
            validate_upload(file)
        except ValidationError as error:
            errors["file"] = error.messages[0]
        fields["file"] = file
        fields["file_name"] = PurePath(file.name).name[:200]
    elif kind == Lesson.Kind.FILE and not (existing and existing.file):
        errors["file"] = _("Choose a file to upload.")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def lesson_create(
    *,
    user: User,
    module: Module,
    title: str,
    kind: str,
    body: str = "",
    file=None,
    url: str = "",
    video_url: str = "",
) -> Lesson:
    fields = _lesson_content(
        kind=kind, body=body, file=file, url=url, video_url=video_url, existing=None
    )
    lesson = Lesson.objects.create(
        module=module,
        title=title,
        kind=kind,
        position=_next_position(Lesson.objects.filter(module=module)),
        **fields,
    )
    audit_log(
        "learning.lesson.created",
        user=user,
        obj=lesson,
        county=module.course.county,
        data={"title": title, "kind": kind},
    )
    return lesson


@transaction.atomic
def lesson_update(
    *,
    user: User,
    lesson: Lesson,
    title: str,
    kind: str,
    body: str = "",
    file=None,
    url: str = "",
    video_url: str = "",
) -> Lesson:
    fields = _lesson_content(
        kind=kind, body=body, file=file, url=url, video_url=video_url, existing=lesson
    )
    replaced = lesson.file if file and lesson.file else None
    lesson.title = title
    lesson.kind = kind
    for name, value in fields.items():
        setattr(lesson, name, value)
    lesson.save()
    if replaced:
        _delete_files_on_commit([replaced])
    return lesson


@transaction.atomic
def lesson_delete(*, user: User, lesson: Lesson) -> None:
    audit_log(
        "learning.lesson.deleted",
        user=user,
        obj=lesson,
        county=lesson.module.course.county,
        data={"title": lesson.title},
    )
    files = [lesson.file] if lesson.file else []
    lesson.delete()
    _delete_files_on_commit(files)


@transaction.atomic
def lesson_image_upload(*, user: User, course: Course, file) -> LessonImage:
    """An image for a lesson's text, checked like every upload (type by name and content,
    size); it is served only to those who may enter the course's arena."""
    try:
        validate_image(file)
    except ValidationError as error:
        raise ValidationError({"image": error.messages[0]}) from None
    image = LessonImage.objects.create(
        course=course, file=file, file_name=PurePath(file.name).name[:200], uploaded_by=user
    )
    audit_log(
        "learning.image.uploaded",
        user=user,
        obj=image,
        county=course.county,
        data={"name": image.file_name},
    )
    return image


def _delete_files_on_commit(files) -> None:
    for stored in files:
        storage, name = stored.storage, stored.name
        transaction.on_commit(lambda storage=storage, name=name: storage.delete(name))


def lesson_mark_done(*, user: User, lesson: Lesson) -> LessonCompletion:
    """Idempotent: marking a lesson done twice keeps the first time."""
    completion, _created = LessonCompletion.objects.get_or_create(user=user, lesson=lesson)
    return completion


def lesson_mark_not_done(*, user: User, lesson: Lesson) -> None:
    LessonCompletion.objects.filter(user=user, lesson=lesson).delete()


# --- the discussion board ---


@transaction.atomic
def thread_create(*, user: User, course: Course, title: str, body: str) -> Thread:
    return Thread.objects.create(course=course, author=user, title=title, body=body)


def edit_window() -> timedelta:
    return timedelta(minutes=getattr(settings, "LEARNING_EDIT_WINDOW_MINUTES", 30))


def within_edit_window(created_at) -> bool:
    return timezone.now() <= created_at + edit_window()


def thread_takes_replies(thread: Thread) -> bool:
    """Whether a thread is open for new replies (not locked, not hidden)."""
    return not thread.is_locked and not thread.is_hidden


def thread_edit_open(thread: Thread) -> bool:
    """Whether the author may still edit the thread: not locked, within the edit window."""
    return not thread.is_locked and within_edit_window(thread.created_at)


def post_edit_open(post: Post) -> bool:
    """Whether the author may still edit the reply: thread not locked, within the edit window."""
    return not post.thread.is_locked and within_edit_window(post.created_at)


def _check_edit(*, user: User, author_id, created_at) -> None:
    if author_id != user.pk:
        raise PermissionDenied(_("Only the author can edit this."))
    if not within_edit_window(created_at):
        raise ValidationError(
            _("The time for editing has run out: texts can be edited for %(minutes)s minutes.")
            % {"minutes": int(edit_window().total_seconds() / 60)}
        )


@transaction.atomic
def thread_edit(*, user: User, thread: Thread, title: str, body: str) -> Thread:
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    _check_edit(user=user, author_id=thread.author_id, created_at=thread.created_at)
    if thread.is_locked:
        raise ValidationError(_("This thread is locked."))
    thread.title, thread.body, thread.edited_at = title, body, timezone.now()
    thread.save(update_fields=["title", "body", "edited_at"])
    return thread


@transaction.atomic
def post_create(*, user: User, thread: Thread, body: str) -> Post:
    # Lock the thread row so a reply cannot slip in while a moderator locks it.
    thread = (
        Thread.objects.select_for_update(of=("self",)).select_related("author").get(pk=thread.pk)
    )
    if thread.is_locked:
        raise ValidationError(_("This thread is locked: it takes no new replies."))
    if thread.is_hidden:
        raise ValidationError(_("This thread has been hidden by a moderator."))
    post = Post.objects.create(thread=thread, author=user, body=body)
    if thread.author_id and thread.author_id != user.pk and thread.author.is_active:
        from .tasks import post_reply_notify

        language = thread.author.preferred_language
        outbox.enqueue(post_reply_notify, post.pk, language)
    return post


@transaction.atomic
def post_edit(*, user: User, post: Post, body: str) -> Post:
    post = Post.objects.select_for_update().select_related("thread").get(pk=post.pk)
    _check_edit(user=user, author_id=post.author_id, created_at=post.created_at)
    if post.thread.is_locked:
        raise ValidationError(_("This thread is locked."))
    post.body, post.edited_at = body, timezone.now()
    post.save(update_fields=["body", "edited_at"])
    return post


def _moderate(obj, *, user: User, field: str, value: bool, action: str, county) -> None:
    # Read the current state under a row lock: two moderators clicking at once log one change.
    current = type(obj).objects.select_for_update().values_list(field, flat=True).get(pk=obj.pk)
    setattr(obj, field, value)
    if current == value:
        return
    type(obj).objects.filter(pk=obj.pk).update(**{field: value})
    audit_log(action, user=user, obj=obj, county=county, data={field: value})


@transaction.atomic
def thread_hide(*, user: User, thread: Thread) -> None:
    _moderate(
        thread,
        user=user,
        field="is_hidden",
        value=True,
        action="learning.thread.hidden",
        county=thread.course.county,
    )


@transaction.atomic
def thread_unhide(*, user: User, thread: Thread) -> None:
    _moderate(
        thread,
        user=user,
        field="is_hidden",
        value=False,
        action="learning.thread.unhidden",
        county=thread.course.county,
    )


@transaction.atomic
def thread_lock(*, user: User, thread: Thread) -> None:
    _moderate(
        thread,
        user=user,
        field="is_locked",
        value=True,
        action="learning.thread.locked",
        county=thread.course.county,
    )


@transaction.atomic
def thread_unlock(*, user: User, thread: Thread) -> None:
    _moderate(
        thread,
        user=user,
        field="is_locked",
        value=False,
        action="learning.thread.unlocked",
        county=thread.course.county,
    )


@transaction.atomic
def post_hide(*, user: User, post: Post) -> None:
    _moderate(
        post,
        user=user,
        field="is_hidden",
        value=True,
        action="learning.post.hidden",
        county=post.thread.course.county,
    )


@transaction.atomic
def post_unhide(*, user: User, post: Post) -> None:
    _moderate(
        post,
        user=user,
        field="is_hidden",
        value=False,
        action="learning.post.unhidden",
        county=post.thread.course.county,
    )


# --- assignments ---


def _criteria_save(assignment: Assignment, criteria) -> None:
    """The rubric as the author left it: (id or None, title, description) in order; criteria
    left out are removed (with the feedback given on them)."""
    kept = []
    for position, (criterion_id, title, description) in enumerate(criteria, start=1):
        title = (title or "").strip()
        if not title:
            continue
        criterion = assignment.criteria.filter(pk=criterion_id).first() if criterion_id else None
        if criterion is None:
            criterion = Criterion(assignment=assignment)
        criterion.title, criterion.description = title[:200], (description or "").strip()
        criterion.position = position
        criterion.save()
        kept.append(criterion.pk)
    assignment.criteria.exclude(pk__in=kept).delete()


@transaction.atomic
def assignment_create(
    *,
    user: User,
    course: Course,
    title: str,
    instructions: str,
    deadline,
    module: Module | None = None,
    criteria=(),
) -> Assignment:
    if module is not None and module.course_id != course.pk:
        raise ValidationError({"module": _("The module belongs to another course.")})
    assignment = Assignment.objects.create(
        course=course, module=module, title=title, instructions=instructions, deadline=deadline
    )
    _criteria_save(assignment, criteria)
    audit_log(
        "learning.assignment.created",
        user=user,
        obj=assignment,
        county=course.county,
        data={"title": title, "deadline": deadline.isoformat()},
    )
    return assignment


@transaction.atomic
def assignment_update(
    *,
    user: User,
    assignment: Assignment,
    title: str,
    instructions: str,
    deadline,
    module: Module | None = None,
    criteria=None,
) -> Assignment:
    if module is not None and module.course_id != assignment.course_id:
        raise ValidationError({"module": _("The module belongs to another course.")})
    assignment.title, assignment.instructions = title, instructions
    assignment.deadline, assignment.module = deadline, module
    assignment.save()
    if criteria is not None:
        _criteria_save(assignment, criteria)
    return assignment


# --- grading ---


@dataclass(frozen=True)
class Grade:
    """A step of a course's grading scale as reviewers choose it."""

    key: str
    label: str
    passes: bool
    custom: bool  # from the course's own scale (else approved / to be revised)


def course_grades(course: Course) -> list[Grade]:
    """The grades a reviewer chooses from: the course's scale, or approved / to be revised."""
    levels = list(course.grade_levels.all())
    if not levels:
        return [
            Grade("approved", str(Submission.Status.APPROVED.label), True, False),
            Grade("revise", str(Submission.Status.REVISE.label), False, False),
        ]
    return [Grade(str(level.pk), level.label, level.passes, True) for level in levels]


@transaction.atomic
def grade_scale_set(*, user: User, course: Course, levels: list[tuple[str, bool]]) -> None:
    """Set the course's grading scale, best grade first; an empty list means approved / to be
    revised. Grades already given keep their names (they are stored as given)."""
    levels = [((label or "").strip()[:60], bool(passes)) for label, passes in levels]
    levels = [(label, passes) for label, passes in levels if label]
    if levels:
        labels = [label.casefold() for label, _passes in levels]
        if len(levels) < 2:
            raise ValidationError(_("A scale needs at least two grades (or none at all)."))
        if len(set(labels)) != len(labels):
            raise ValidationError(_("Give each grade its own name."))
        if not any(passes for _label, passes in levels):
            raise ValidationError(_("At least one grade must pass, or nobody could complete."))
        if all(passes for _label, passes in levels):
            raise ValidationError(_("At least one grade must ask for a revision."))
    course.grade_levels.all().delete()
    GradeLevel.objects.bulk_create(
        GradeLevel(course=course, position=position, label=label, passes=passes)
        for position, (label, passes) in enumerate(levels, start=1)
    )
    audit_log(
        "learning.grade_scale.set",
        user=user,
        obj=course,
        county=course.county,
        data={"levels": [label for label, _passes in levels]},
    )


@transaction.atomic
def submission_create(
    *, user: User, assignment: Assignment, text: str = "", file=None
) -> Submission:
    """Hand in an answer before the deadline; a second time only when asked to revise it."""
    text = (text or "").strip()
    if not text and not file:
        raise ValidationError(_("Write an answer or attach a file."))
    if file:
        try:
            validate_upload(file)
        except ValidationError as error:
            raise ValidationError({"file": error.messages[0]}) from None
    # Lock the assignment row: one person's parallel submissions are handled one at a time.
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    now = timezone.now()
    if now > assignment.deadline:
        raise ValidationError(
            _("The deadline for this assignment was %(deadline)s; it no longer takes answers.")
            % {
                "deadline": formats.date_format(
                    timezone.localtime(assignment.deadline), "j. F Y H:i"
                )
            }
        )
    existing = Submission.objects.filter(assignment=assignment, user=user).first()
    if existing is not None and existing.status != Submission.Status.REVISE:
        if existing.status == Submission.Status.APPROVED:
            raise ValidationError(_("Your answer has already been approved."))
        raise ValidationError(
            _("You have already handed in an answer; you can hand in again if asked to revise it.")
        )
    file_fields = {"file": file, "file_name": PurePath(file.name).name[:200]} if file else {}
    if existing is None:
        try:
            with transaction.atomic():
                submission = Submission.objects.create(
                    assignment=assignment, user=user, text=text, submitted_at=now, **file_fields
                )
        except IntegrityError:
            raise ValidationError(_("You have already handed in an answer.")) from None
    else:
        old_file = existing.file if existing.file else None
        submission = existing
        submission.text = text
        submission.file = file_fields.get("file", "")
        submission.file_name = file_fields.get("file_name", "")
        submission.submitted_at = now
        submission.status = Submission.Status.SUBMITTED
        submission.attempt += 1
        submission.save()
        if old_file:
            _delete_files_on_commit([old_file])
    audit_log(
        "learning.submission.submitted",
        user=user,
        obj=submission,
        county=assignment.course.county,
        data={"assignment": assignment.pk, "attempt": submission.attempt},
    )
    return submission


@transaction.atomic
def submission_review(
    *,
    user: User,
    submission: Submission,
    grade: str,
    feedback: str,
    criteria: dict[int, tuple[str, str]] | None = None,
) -> Submission:
    """Grade an answer on the course's scale, with feedback, and per criterion of the
    assignment's rubric a grade and a comment. A grade that passes approves the answer;
    any other asks for a revision."""
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .select_related("assignment__course", "user")
        .get(pk=submission.pk)
    )
    course = submission.assignment.course
    grades = {g.key: g for g in course_grades(course)}
    errors = {}
    chosen = grades.get(grade or "")
    if chosen is None:
        errors["grade"] = _("Choose a grade.")
    feedback = (feedback or "").strip()
    if not feedback:
        errors["feedback"] = _("Write feedback to the participant.")
    criteria = criteria or {}
    rubric = list(submission.assignment.criteria.all())
    for criterion in rubric:
        key, _comment = criteria.get(criterion.pk, ("", ""))
        if key not in grades:
            errors[f"c{criterion.pk}_grade"] = _("Choose a grade for this criterion.")
    if errors:
        raise ValidationError(errors)
    submission.status = Submission.Status.APPROVED if chosen.passes else Submission.Status.REVISE
    submission.grade = chosen.label if chosen.custom else ""
    submission.feedback = feedback
    submission.feedback_by = user
    submission.feedback_at = timezone.now()
    submission.save(update_fields=["status", "grade", "feedback", "feedback_by", "feedback_at"])
    for criterion in rubric:
        key, comment = criteria[criterion.pk]
        given = grades[key]
        CriterionFeedback.objects.update_or_create(
            submission=submission,
            criterion=criterion,
            defaults={
                "passes": given.passes,
                "grade": given.label if given.custom else "",
                "feedback": (comment or "").strip(),
            },
        )
    audit_log(
        "learning.submission.reviewed",
        user=user,
        obj=submission,
        county=course.county,
        data={
            "status": submission.status,
            "grade": submission.grade,
            "participant": submission.user_id,
        },
    )
    from .tasks import submission_feedback_notify

    language = submission.user.preferred_language
    outbox.enqueue(submission_feedback_notify, submission.pk, language)
    return submission
