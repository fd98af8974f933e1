"""Pages of the learning arena. Thin: fetch through the policy, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.certificate import online_certificate_pdf
from courses.models import Course
from portal import permissions
from portal.forms import add_service_errors

from . import selectors, services
from .forms import (
    AssignmentForm,
    ImageUploadForm,
    LessonForm,
    ModuleForm,
    PostForm,
    ReviewForm,
    SubmissionForm,
    ThreadForm,
    criteria_formset,
    criteria_values,
    grade_scale_formset,
)
from .models import Assignment, Lesson, LessonImage, Module, Post, Submission, Thread


def _course(request, pk) -> Course:
    """A course whose arena this user may enter; anyone else gets the same 404 as for none."""
    arena = permissions.for_action(request.user, Course, "use_arena")
    return permissions.get_visible_or_404(
        request, arena.select_related("county", "programme"), pk=pk
    )


def _manages(user, course: Course) -> bool:
    return permissions.can(user, "manage", course)


def _arena_context(request, course: Course) -> dict:
    user = request.user
    manages = _manages(user, course)
    participates = permissions.can(user, "learn", course)
    return {
        "course": course,
        "manages": manages,
        "participates": participates,
        "progress": selectors.course_progress(course=course, user=user) if participates else None,
    }


# --- the arena home and the material ---


@login_required
def course_arena(request, course_pk):
    course = _course(request, course_pk)
    context = _arena_context(request, course)
    context.update(
        modules=selectors.course_modules(course=course),
        done_ids=selectors.lessons_done_ids(course=course, user=request.user),
    )
    return render(request, "learning/course_arena.html", context)


def _module_form_page(request, course, form, module=None, status=200):
    context = _arena_context(request, course)
    context.update(form=form, module=module)
    return render(request, "learning/module_form.html", context, status=status)


@login_required
def module_create(request, course_pk):
    course = _course(request, course_pk)
    permissions.require(request, "manage", course)
    form = ModuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        module = services.module_create(user=request.user, course=course, **form.cleaned_data)
        messages.success(request, _("The module “%(title)s” was created.") % {"title": module})
        return redirect("learning:course_arena", course_pk=course.pk)
    return _module_form_page(request, course, form, status=400 if form.errors else 200)


def _module(request, pk, action="view") -> Module:
    module = permissions.get_visible_or_404(
        request, Module.objects.select_related("course__county"), pk=pk
    )
    permissions.require(request, action, module)
    return module


@login_required
def module_update(request, pk):
    module = _module(request, pk, "manage")
    form = ModuleForm(request.POST or None, instance=module)
    if request.method == "POST" and form.is_valid():
        services.module_update(user=request.user, module=module, **form.cleaned_data)
        messages.success(request, _("The module was saved."))
        return redirect("learning:course_arena", course_pk=module.course_id)
    return _module_form_page(
        request, module.course, form, module, status=400 if form.errors else 200
    )


@login_required
@require_POST
def module_delete(request, pk):
    module = _module(request, pk, "manage")
    services.module_delete(user=request.user, module=module)
    messages.success(request, _("The module “%(title)s” was deleted.") % {"title": module.title})
    return redirect("learning:course_arena", course_pk=module.course_id)


@login_required
@require_POST
def module_move(request, pk):
    module = _module(request, pk, "manage")
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        ids = list(Module.objects.filter(course=module.course).values_list("pk", flat=True))
        services.module_reorder(
            user=request.user,
            course=module.course,
            module_ids=services.moved(ids, module.pk, direction),
        )
    return redirect("learning:course_arena", course_pk=module.course_id)


def _lesson(request, pk, action="view") -> Lesson:
    lesson = permissions.get_visible_or_404(
        request, Lesson.objects.select_related("module__course__county"), pk=pk
    )
    permissions.require(request, action, lesson)
    return lesson


def _lesson_form_page(request, module, form, lesson=None, status=200):
    context = _arena_context(request, module.course)
    context.update(form=form, module=module, lesson=lesson)
    return render(request, "learning/lesson_form.html", context, status=status)


def _lesson_save(request, form, *, module, lesson=None):
    data = dict(form.cleaned_data)
    data["file"] = request.FILES.get("file")
    try:
        if lesson is None:
            return services.lesson_create(user=request.user, module=module, **data)
        return services.lesson_update(user=request.user, lesson=lesson, **data)
    except ValidationError as error:
        add_service_errors(form, error)
        return None


@login_required
def lesson_create(request, module_pk):
    module = _module(request, module_pk, "manage")
    form = LessonForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        lesson = _lesson_save(request, form, module=module)
        if lesson is not None:
            messages.success(request, _("The lesson “%(title)s” was created.") % {"title": lesson})
            return redirect("learning:lesson_detail", pk=lesson.pk)
    return _lesson_form_page(request, module, form, status=400 if form.errors else 200)


@login_required
def lesson_update(request, pk):
    lesson = _lesson(request, pk, "manage")
    form = LessonForm(request.POST or None, request.FILES or None, instance=lesson)
    # The form copies the input onto the instance; the service re-checks and saves it.
    saved = (
        request.method == "POST"
        and form.is_valid()
        and _lesson_save(request, form, module=lesson.module, lesson=lesson) is not None
    )
    if saved:
        messages.success(request, _("The lesson was saved."))
        return redirect("learning:lesson_detail", pk=lesson.pk)
    return _lesson_form_page(
        request, lesson.module, form, lesson, status=400 if form.errors else 200
    )


@login_required
@require_POST
def lesson_delete(request, pk):
    lesson = _lesson(request, pk, "manage")
    course_pk = lesson.module.course_id
    services.lesson_delete(user=request.user, lesson=lesson)
    messages.success(request, _("The lesson “%(title)s” was deleted.") % {"title": lesson.title})
    return redirect("learning:course_arena", course_pk=course_pk)


@login_required
@require_POST
def lesson_move(request, pk):
    lesson = _lesson(request, pk, "manage")
    direction = request.POST.get("direction")
    if direction in ("up", "down"):
        ids = list(Lesson.objects.filter(module=lesson.module).values_list("pk", flat=True))
        services.lesson_reorder(
            user=request.user,
            module=lesson.module,
            lesson_ids=services.moved(ids, lesson.pk, direction),
        )
    return redirect("learning:course_arena", course_pk=lesson.module.course_id)


@login_required
def lesson_detail(request, pk):
    lesson = _lesson(request, pk)
    course = lesson.module.course
    context = _arena_context(request, course)
    siblings = list(Lesson.objects.filter(module__course=course).values_list("pk", flat=True))
    index = siblings.index(lesson.pk)
    context.update(
        lesson=lesson,
        module=lesson.module,
        is_done=lesson.completions.filter(user=request.user).exists(),
        previous_pk=siblings[index - 1] if index > 0 else None,
        next_pk=siblings[index + 1] if index + 1 < len(siblings) else None,
    )
    return render(request, "learning/lesson_detail.html", context)


@login_required
@require_POST
def lesson_done(request, pk):
    lesson = _lesson(request, pk, "complete")
    if request.POST.get("done") == "0":
        services.lesson_mark_not_done(user=request.user, lesson=lesson)
        messages.info(request, _("The lesson is no longer marked as done."))
    else:
        services.lesson_mark_done(user=request.user, lesson=lesson)
        messages.success(request, _("The lesson is marked as done."))
    return redirect("learning:lesson_detail", pk=lesson.pk)


def _file_response(stored, file_name: str):
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=file_name or stored.name)


@login_required
def lesson_file(request, pk):
    lesson = _lesson(request, pk)
    return _file_response(lesson.file, lesson.file_name)


@login_required
@require_POST
def lesson_image_upload(request, course_pk):
    """The editor's image button: upload, check, answer with the image's address (JSON)."""
    course = _course(request, course_pk)
    permissions.require(request, "manage", course)
    form = ImageUploadForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["image"][0])
        image = services.lesson_image_upload(
            user=request.user, course=course, file=form.cleaned_data["image"]
        )
    except ValidationError as error:
        return JsonResponse({"error": " ".join(error.messages)}, status=400)
    return JsonResponse({"url": image.get_absolute_url()}, status=201)


_IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


@login_required
def lesson_image(request, pk):
    """An image in a lesson, for those who may enter the course's arena (else 404)."""
    image = permissions.get_visible_or_404(request, LessonImage, pk=pk)
    suffix = "." + image.file.name.rsplit(".", 1)[-1].lower()
    try:
        handle = image.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=_IMAGE_TYPES.get(suffix, "image/png"))
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- the discussion board ---


def _board_page(request, course, form=None, status=200):
    context = _arena_context(request, course)
    context.update(
        threads=selectors.course_threads(course=course, user=request.user),
        form=form or ThreadForm(),
    )
    return render(request, "learning/board.html", context, status=status)


@login_required
def board(request, course_pk):
    return _board_page(request, _course(request, course_pk))


@login_required
@require_POST
def thread_create(request, course_pk):
    course = _course(request, course_pk)
    form = ThreadForm(request.POST)
    if form.is_valid():
        thread = services.thread_create(user=request.user, course=course, **form.cleaned_data)
        messages.success(request, _("Your thread was published."))
        return redirect("learning:thread_detail", pk=thread.pk)
    return _board_page(request, course, form, status=400)


def _thread(request, pk, action="view") -> Thread:
    thread = permissions.get_visible_or_404(
        request, Thread.objects.select_related("course__county", "author"), pk=pk
    )
    permissions.require(request, action, thread)
    return thread


def _thread_page(request, thread, reply_form=None, status=200):
    user = request.user
    posts = list(selectors.thread_posts(thread=thread, user=user))
    for post in posts:
        post.thread = thread  # the policy reads the thread's state; no query per post
        post.may_edit = permissions.can(user, "edit", post) and services.post_edit_open(post)
    context = _arena_context(request, thread.course)
    context.update(
        thread=thread,
        posts=posts,
        may_reply=permissions.can(user, "reply", thread) and services.thread_takes_replies(thread),
        may_edit=permissions.can(user, "edit", thread) and services.thread_edit_open(thread),
        may_moderate=permissions.can(user, "moderate", thread),
        reply_form=reply_form or PostForm(),
    )
    return render(request, "learning/thread_detail.html", context, status=status)


@login_required
def thread_detail(request, pk):
    return _thread_page(request, _thread(request, pk))


@login_required
@require_POST
def post_create(request, thread_pk):
    thread = _thread(request, thread_pk, "reply")
    form = PostForm(request.POST)
    if not services.thread_takes_replies(thread):
        form.add_error(None, _("This thread is locked: it takes no new replies."))
    elif form.is_valid():
        try:
            post = services.post_create(user=request.user, thread=thread, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your reply was published."))
            return redirect(f"{thread.get_absolute_url()}#post-{post.pk}")
    return _thread_page(request, thread, form, status=400)


def _edit_refused(request, error) -> None:
    messages.error(request, " ".join(getattr(error, "messages", [str(error)])))


@login_required
def thread_edit(request, pk):
    thread = _thread(request, pk)
    if not (permissions.can(request.user, "edit", thread) and services.thread_edit_open(thread)):
        messages.error(request, _("This thread can no longer be edited."))
        return redirect(thread.get_absolute_url())
    form = ThreadForm(request.POST or None, initial={"title": thread.title, "body": thread.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.thread_edit(user=request.user, thread=thread, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _edit_refused(request, error)
        else:
            messages.success(request, _("Your changes were saved."))
        return redirect(thread.get_absolute_url())
    context = _arena_context(request, thread.course)
    context.update(form=form, thread=thread, post=None)
    return render(request, "learning/post_form.html", context, status=400 if form.errors else 200)


def _post(request, pk, action="view") -> Post:
    post = permissions.get_visible_or_404(
        request, Post.objects.select_related("thread__course__county", "author"), pk=pk
    )
    permissions.require(request, action, post)
    return post


@login_required
def post_edit(request, pk):
    post = _post(request, pk)
    back = f"{post.thread.get_absolute_url()}#post-{post.pk}"
    if not (permissions.can(request.user, "edit", post) and services.post_edit_open(post)):
        messages.error(request, _("This reply can no longer be edited."))
        return redirect(back)
    form = PostForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_edit(user=request.user, post=post, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            _edit_refused(request, error)
        else:
            messages.success(request, _("Your changes were saved."))
        return redirect(back)
    context = _arena_context(request, post.thread.course)
    context.update(form=form, thread=post.thread, post=post)
    return render(request, "learning/post_form.html", context, status=400 if form.errors else 200)


_THREAD_MODERATION = {
    "hide": (services.thread_hide, _("The thread is hidden from participants.")),
    "unhide": (services.thread_unhide, _("The thread is visible again.")),
    "lock": (services.thread_lock, _("The thread is locked.")),
    "unlock": (services.thread_unlock, _("The thread is open for replies again.")),
}


@login_required
@require_POST
def thread_moderate(request, pk):
    thread = _thread(request, pk, "moderate")
    action = _THREAD_MODERATION.get(request.POST.get("action", ""))
    if action is None:
        raise Http404
    service, message = action
    service(user=request.user, thread=thread)
    messages.success(request, str(message))
    return redirect(thread.get_absolute_url())


@login_required
@require_POST
def post_moderate(request, pk):
    post = _post(request, pk, "moderate")
    if request.POST.get("action") == "hide":
        services.post_hide(user=request.user, post=post)
        messages.success(request, _("The reply is hidden from participants."))
    elif request.POST.get("action") == "unhide":
        services.post_unhide(user=request.user, post=post)
        messages.success(request, _("The reply is visible again."))
    else:
        raise Http404
    return redirect(f"{post.thread.get_absolute_url()}#post-{post.pk}")


# --- assignments ---


@login_required
def assignment_list(request, course_pk):
    course = _course(request, course_pk)
    context = _arena_context(request, course)
    context["assignments"] = selectors.course_assignments(course=course, user=request.user)
    return render(request, "learning/assignment_list.html", context)


def _assignment(request, pk, action="view") -> Assignment:
    assignment = permissions.get_visible_or_404(
        request, Assignment.objects.select_related("course__county", "module"), pk=pk
    )
    permissions.require(request, action, assignment)
    return assignment


def _assignment_save(request, course, assignment=None):
    """The assignment form with its rubric; (saved assignment or None, form, rubric)."""
    data = request.POST if request.method == "POST" else None
    form = AssignmentForm(data, instance=assignment, course=course)
    rubric = criteria_formset(data, assignment)
    if data is None or not (form.is_valid() and rubric.is_valid()):
        return None, form, rubric
    values = {**form.cleaned_data, "criteria": criteria_values(rubric)}
    try:
        if assignment is None:
            return (
                services.assignment_create(user=request.user, course=course, **values),
                form,
                rubric,
            )
        return (
            services.assignment_update(user=request.user, assignment=assignment, **values),
            form,
            rubric,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return None, form, rubric


def _assignment_form_page(request, course, assignment=None):
    saved, form, rubric = _assignment_save(request, course, assignment)
    if saved is not None:
        messages.success(request, _("The assignment was saved."))
        return redirect("learning:assignment_detail", pk=saved.pk)
    context = _arena_context(request, course)
    context.update(form=form, rubric=rubric, assignment=assignment)
    status = 400 if form.errors or any(rubric.errors) else 200
    return render(request, "learning/assignment_form.html", context, status=status)


@login_required
def assignment_create(request, course_pk):
    course = _course(request, course_pk)
    permissions.require(request, "manage", course)
    return _assignment_form_page(request, course)


@login_required
def assignment_update(request, pk):
    assignment = _assignment(request, pk, "manage")
    return _assignment_form_page(request, assignment.course, assignment)


def _assignment_page(request, assignment, form=None, status=200):
    user = request.user
    context = _arena_context(request, assignment.course)
    mine = Submission.objects.filter(assignment=assignment, user=user).first()
    may_submit = permissions.can(user, "submit", assignment)
    context.update(
        assignment=assignment,
        criteria=list(assignment.criteria.all()),
        my_rubric=selectors.submission_rubric(submission=mine) if mine else [],
        my_submission=mine,
        may_submit=may_submit,
        may_manage=permissions.can(user, "manage", assignment),
        can_hand_in=may_submit
        and not assignment.is_past_deadline
        and (mine is None or mine.status == Submission.Status.REVISE),
        form=form or SubmissionForm(),
        submissions=(
            selectors.assignment_submissions(assignment=assignment, user=user)
            if context["manages"]
            else []
        ),
    )
    return render(request, "learning/assignment_detail.html", context, status=status)


@login_required
def assignment_detail(request, pk):
    return _assignment_page(request, _assignment(request, pk))


@login_required
@require_POST
def submission_create(request, assignment_pk):
    assignment = _assignment(request, assignment_pk, "submit")
    form = SubmissionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.submission_create(
                user=request.user, assignment=assignment, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your answer was handed in."))
            return redirect("learning:assignment_detail", pk=assignment.pk)
    return _assignment_page(request, assignment, form, status=400)


def _submission(request, pk, action="view") -> Submission:
    submission = permissions.get_visible_or_404(
        request,
        Submission.objects.select_related("assignment__course__county", "user", "feedback_by"),
        pk=pk,
    )
    permissions.require(request, action, submission)
    return submission


def _review_form(submission, data=None):
    rubric = selectors.submission_rubric(submission=submission)
    grades = services.course_grades(submission.assignment.course)
    by_label = {g.label: g.key for g in grades}
    initial = {
        "grade": by_label.get(submission.grade)
        or {"approved": "approved", "revise": "revise"}.get(submission.status),
        "feedback": submission.feedback,
    }
    for criterion, given in rubric:
        if given is not None:
            initial[f"c{criterion.pk}_grade"] = by_label.get(given.grade) or (
                "approved" if given.passes else "revise"
            )
            initial[f"c{criterion.pk}_feedback"] = given.feedback
    return ReviewForm(
        data, grades=grades, criteria=[criterion for criterion, _given in rubric], initial=initial
    )


def _submission_page(request, submission, form=None, status=200):
    context = _arena_context(request, submission.assignment.course)
    may_review = permissions.can(request.user, "review", submission)
    context.update(
        submission=submission,
        assignment=submission.assignment,
        may_review=may_review,
        rubric=selectors.submission_rubric(submission=submission),
        form=form or (_review_form(submission) if may_review else None),
    )
    return render(request, "learning/submission_detail.html", context, status=status)


@login_required
def submission_detail(request, pk):
    submission = _submission(request, pk)
    if request.method == "POST":
        permissions.require(request, "review", submission)
        form = _review_form(submission, request.POST)
        if form.is_valid():
            try:
                services.submission_review(
                    user=request.user,
                    submission=submission,
                    grade=form.cleaned_data["grade"],
                    feedback=form.cleaned_data["feedback"],
                    criteria=form.criteria_values(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Your feedback was saved and sent to %(person)s.")
                    % {"person": submission.user},
                )
                return redirect("learning:assignment_detail", pk=submission.assignment_id)
        return _submission_page(request, submission, form, status=400)
    return _submission_page(request, submission)


@login_required
def submission_file(request, pk):
    submission = _submission(request, pk)
    return _file_response(submission.file, submission.file_name)


@login_required
def grade_scale(request, course_pk):
    """The course's grading scale for its assignments (approved / to be revised if none)."""
    course = _course(request, course_pk)
    permissions.require(request, "manage", course)
    formset = grade_scale_formset(request.POST if request.method == "POST" else None, course)
    if request.method == "POST" and formset.is_valid():
        levels = [(f.cleaned_data.get("label"), f.cleaned_data.get("passes")) for f in formset]
        try:
            services.grade_scale_set(user=request.user, course=course, levels=levels)
        except ValidationError as error:
            formset._non_form_errors = formset.error_class(error.messages)
        else:
            messages.success(request, _("The grading scale was saved."))
            return redirect("learning:assignment_list", course_pk=course.pk)
    context = _arena_context(request, course)
    context["formset"] = formset
    status = 400 if formset.is_bound and formset.non_form_errors() else 200
    return render(request, "learning/grade_scale.html", context, status=status)


# --- progress ---


@login_required
def completion(request, course_pk):
    course = _course(request, course_pk)
    permissions.require(request, "manage", course)
    context = _arena_context(request, course)
    context["table"] = selectors.course_completion_table(course=course)
    return render(request, "learning/completion.html", context)


@login_required
def my_progress(request, course_pk):
    """A participant's progress through the online part, and its certificate once complete."""
    course = _course(request, course_pk)
    permissions.require(request, "learn", course)
    context = _arena_context(request, course)
    context.update(
        selectors.my_progress(course=course, user=request.user),
        completed_on=selectors.online_part_completed_on(course=course, user=request.user),
    )
    return render(request, "learning/my_progress.html", context)


@login_required
def online_certificate(request, course_pk):
    course = _course(request, course_pk)
    permissions.require(request, "learn", course)
    completed_on = selectors.online_part_completed_on(course=course, user=request.user)
    if completed_on is None:
        raise Http404
    progress = selectors.course_progress(course=course, user=request.user)
    pdf = online_certificate_pdf(
        course=course,
        user=request.user,
        completed_on=completed_on,
        lessons=progress["lessons_total"],
        assignments=progress["assignments_total"],
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="kursbevis-nett-{course.pk}.pdf"'
    return response
