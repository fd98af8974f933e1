"""Views of the survey builder and of answering. Thin: forms in, services out."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal import permissions
from portal.forms import add_service_errors
from portal.models import Programme

from . import selectors, services
from .answering import (
    AnswerPageForm,
    answers_by_question,
    possible_page_count,
    visible_pages,
    visible_questions,
)
from .forms import ExtendForm, OpenForm, PageForm, QuestionForm, RemindersForm, SurveyForm
from .models import Answer, Participation, Question, Response, Survey
from .tasks import survey_language_for
from .texts import normalize_language

SURVEY_QS = Survey.objects.select_related("programme", "county", "baseline")


def _survey(request, pk, action: str | None = None) -> Survey:
    survey = permissions.get_visible_or_404(request, SURVEY_QS, pk=pk)
    if action:
        permissions.require(request, action, survey)
    return survey


def _draft(request, pk) -> Survey:
    """A survey whose structure this person may change now: theirs to change, and a draft (the
    service's rule; otherwise the person is told why, see ServiceRefusalMiddleware)."""
    survey = _survey(request, pk, "change")
    services.survey_require_draft(survey)
    return survey


# --- builder -------------------------------------------------------------------------------


@login_required
def survey_list(request):
    surveys = selectors.survey_list(user=request.user)
    rows = [
        {
            "survey": survey,
            "may_build": permissions.can(request.user, "manage", survey),
        }
        for survey in surveys
    ]
    return render(
        request,
        "surveys/survey_list.html",
        {
            "rows": rows,
            "to_answer": selectors.surveys_to_answer(user=request.user),
            "may_create": permissions.for_action(
                request.user, Programme, "manage_content"
            ).exists(),
        },
    )


@login_required
def survey_create(request):
    if not permissions.for_action(request.user, Programme, "manage_content").exists():
        raise PermissionDenied
    form = SurveyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        programme, county = form.cleaned_data["programme"], form.cleaned_data["county"]
        if not permissions.may_own(request.user, programme, county):
            form.add_error("county", _("You may not create a survey here."))
        else:
            try:
                survey = services.survey_create(
                    created_by=request.user,
                    programme=programme,
                    county=county,
                    **form.service_kwargs(),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The survey was created. Now add pages and questions."))
                return redirect("surveys:survey_detail", pk=survey.pk)
    return render(
        request,
        "surveys/survey_form.html",
        {"form": form, "survey": None},
        status=400 if form.errors else 200,
    )


@login_required
def survey_detail(request, pk):
    survey = _survey(request, pk, "view")
    can = permissions.can
    user = request.user
    context = {
        "survey": survey,
        "pages": selectors.survey_structure(survey),
        "may_change": can(user, "change", survey),
        "may_manage": can(user, "manage", survey),
        "may_view_results": can(user, "view_results", survey),
        "invited": survey.participations.count(),
        "submitted": survey.responses.filter(submitted_at__isnull=False).count(),
        "open_form": OpenForm(initial={"closes_at": survey.closes_at}),
        "extend_form": ExtendForm(initial={"closes_at": survey.closes_at}),
        "reminders_form": RemindersForm(
            initial={
                "reminder_interval_days": survey.reminder_interval_days,
                "max_reminders": survey.max_reminders,
            },
            prefix="reminders",
        ),
        "kinds": Question.Kind.choices,
        "open_link": (
            request.build_absolute_uri(
                reverse("surveys:answer_open", args=[survey.open_link_token])
            )
            if survey.open_link_enabled and survey.open_link_token
            else ""
        ),
    }
    if not (context["may_manage"] or context["may_view_results"]):
        raise PermissionDenied
    return render(request, "surveys/survey_detail.html", context)


@login_required
def survey_update(request, pk):
    survey = _draft(request, pk)
    form = SurveyForm(request.POST or None, user=request.user, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(survey=survey, user=request.user, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The survey was saved."))
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(
        request,
        "surveys/survey_form.html",
        {"form": form, "survey": survey},
        status=400 if form.errors else 200,
    )


@login_required
def page_create(request, pk):
    survey = _draft(request, pk)
    return _page_form(request, survey, None)


@login_required
def page_update(request, pk, page_pk):
    survey = _draft(request, pk)
    page = _child(survey.pages.all(), page_pk)
    return _page_form(request, survey, page)


def _child(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _page_form(request, survey, page):
    form = PageForm(request.POST or None, survey=survey, page=page)
    if request.method == "POST" and form.is_valid():
        kwargs = {
            "user": request.user,
            "title": form.texts("title"),
            "intro": form.texts("intro"),
            "condition_question": form.cleaned_data["condition_question"],
            "condition_value": form.cleaned_data["condition_value"],
        }
        try:
            if page is None:
                page = services.page_create(survey=survey, **kwargs)
            else:
                services.page_update(page=page, **kwargs)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The page was saved."))
            return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + f"#page-{page.pk}")
    return render(
        request,
        "surveys/page_form.html",
        {"form": form, "survey": survey, "page": page},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def page_delete(request, pk, page_pk):
    survey = _draft(request, pk)
    page = _child(survey.pages.all(), page_pk)
    services.page_delete(page=page, user=request.user)
    messages.success(request, _("The page and its questions were deleted."))
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
@require_POST
def page_move(request, pk, page_pk):
    survey = _draft(request, pk)
    page = _child(survey.pages.all(), page_pk)
    try:
        services.page_move(page=page, user=request.user, direction=_direction(request))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + f"#page-{page.pk}")


def _direction(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@login_required
def question_create(request, pk, page_pk):
    survey = _draft(request, pk)
    page = _child(survey.pages.all(), page_pk)
    return _question_form(request, survey, page, None)


@login_required
def question_update(request, pk, question_pk):
    survey = _draft(request, pk)
    question = _child(
        survey.questions.select_related("page").prefetch_related("options", "statements"),
        question_pk,
    )
    return _question_form(request, survey, question.page, question)


def _question_form(request, survey, page, question):
    initial = {}
    if question is None and request.GET.get("kind") in Question.Kind.values:
        initial["kind"] = request.GET["kind"]
    form = QuestionForm(
        request.POST or None, survey=survey, page=page, question=question, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            from django.db import transaction

            with transaction.atomic():
                kwargs = form.question_kwargs()
                kind = form.cleaned_data["kind"]
                if question is None:
                    question = services.question_create(
                        page=page, user=request.user, kind=kind, **kwargs
                    )
                else:
                    question = services.question_update(
                        question=question, user=request.user, kind=kind, **kwargs
                    )
                if kind in Question.OPTION_KINDS:
                    services.options_set(
                        question=question, user=request.user, labels=form.option_labels()
                    )
                else:
                    question.options.all().delete()
                if kind in Question.STATEMENT_KINDS:
                    _statements_keep_or_set(question, form, request.user)
                else:
                    question.statements.all().delete()
        except ValidationError as error:
            if (
                question is not None
                and question.pk
                and not Question.objects.filter(pk=question.pk).exists()
            ):
                question = None  # the creation was rolled back
            add_service_errors(form, error)
        else:
            messages.success(request, _("The question was saved."))
            return redirect(
                reverse("surveys:survey_detail", args=[survey.pk]) + f"#question-{question.pk}"
            )
    return render(
        request,
        "surveys/question_form.html",
        {"form": form, "survey": survey, "page": page, "question": question},
        status=400 if form.errors else 200,
    )


def _statements_keep_or_set(question, form, user):
    """Keep statements (codes, areas) when only their texts or areas changed."""
    texts = form.statement_texts()
    areas = form.statement_areas()
    existing = list(question.statements.all())
    if len(existing) == len(texts):
        for statement, text in zip(existing, texts, strict=True):
            area = areas.get(statement.pk, statement.competence_area)
            if statement.text != text or area != statement.competence_area:
                services.statement_update(
                    statement=statement,
                    user=user,
                    text=text,
                    code=statement.code,
                    competence_area=area,
                )
    else:
        services.statements_set(question=question, user=user, texts=texts)


@login_required
@require_POST
def question_delete(request, pk, question_pk):
    survey = _draft(request, pk)
    question = _child(survey.questions.all(), question_pk)
    services.question_delete(question=question, user=request.user)
    messages.success(request, _("The question was deleted."))
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
@require_POST
def question_move(request, pk, question_pk):
    survey = _draft(request, pk)
    question = _child(survey.questions.all(), question_pk)
    services.question_move(question=question, user=request.user, direction=_direction(request))
    return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + f"#question-{question.pk}")


@login_required
def survey_preview(request, pk):
    survey = _survey(request, pk, "view")
    if not permissions.can(request.user, "manage", survey):
        raise PermissionDenied
    language = normalize_language(request.GET.get("sprak") or translation.get_language())
    if language not in survey.languages:
        language = "nb"
    with translation.override(language):
        pages = selectors.survey_structure(survey)
        previews = [
            {
                "page": page,
                "blocks": AnswerPageForm(
                    questions=page.ordered_questions, language=language, prefix=f"p{page.pk}"
                ).blocks(),
            }
            for page in pages
        ]
        return render(
            request,
            "surveys/survey_preview.html",
            {"survey": survey, "previews": previews, "language": language},
        )


def _state_change(request, pk, service, success_message, form_class=None):
    survey = _survey(request, pk, "manage")
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("surveys:survey_detail", pk=survey.pk)
        kwargs = {k: v for k, v in form.cleaned_data.items() if v is not None}
    try:
        result = service(survey=survey, user=request.user, **kwargs)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("surveys:survey_detail", pk=survey.pk)
    messages.success(request, success_message)
    target = result if isinstance(result, Survey) else survey
    return redirect("surveys:survey_detail", pk=target.pk)


@login_required
@require_POST
def survey_open(request, pk):
    return _state_change(request, pk, services.survey_open, _("The survey is open."), OpenForm)


@login_required
@require_POST
def survey_extend(request, pk):
    return _state_change(
        request, pk, services.survey_extend, _("The closing time was moved."), ExtendForm
    )


@login_required
@require_POST
def survey_reminders(request, pk):
    survey = _survey(request, pk, "manage")
    form = RemindersForm(request.POST, prefix="reminders")
    if form.is_valid():
        try:
            services.survey_reminders_set(survey=survey, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The reminder schedule was saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
@require_POST
def survey_close(request, pk):
    return _state_change(request, pk, services.survey_close, _("The survey is closed."))


@login_required
@require_POST
def survey_archive(request, pk):
    return _state_change(request, pk, services.survey_archive, _("The survey was archived."))


@login_required
@require_POST
def survey_copy(request, pk):
    follow_up = request.POST.get("follow_up") == "1"

    def copy(*, survey, user):
        return services.survey_copy(survey=survey, user=user, as_follow_up=follow_up)

    message = (
        _("A follow-up survey was made as a draft.")
        if follow_up
        else _("A copy was made as a draft.")
    )
    return _state_change(request, pk, copy, message)


@login_required
@require_POST
def survey_invite(request, pk):
    survey = _survey(request, pk, "manage")
    try:
        count = services.survey_invite_audience(survey=survey, invited_by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(count)s people were invited.") % {"count": count}
            if count
            else _("Everyone in the audience was already invited."),
        )
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
@require_POST
def survey_delete(request, pk):
    survey = _draft(request, pk)
    services.survey_delete(survey=survey, user=request.user)
    messages.success(request, _("The draft was deleted."))
    return redirect("surveys:survey_list")


# --- answering -----------------------------------------------------------------------------

SESSION_OPEN_LINK = "surveys.open_link"


@never_cache
def answer_token(request, token):
    """The personal link from the invitation e-mail; works without signing in."""
    participation = selectors.participation_by_token(token)
    if participation is None:
        return render(request, "surveys/answer_invalid.html", status=404)
    return _answer(
        request,
        survey=participation.survey,
        participation=participation,
        language=survey_language_for(participation.survey, participation.user),
        action_url=reverse("surveys:answer_token", args=[token]),
    )


@never_cache
@login_required
def answer_mine(request, pk):
    """The same, reached from the home page by someone signed in."""
    participation = (
        Participation.objects.select_related("survey", "user")
        .filter(survey_id=pk, user=request.user)
        .first()
    )
    if participation is None:
        raise Http404
    return _answer(
        request,
        survey=participation.survey,
        participation=participation,
        language=survey_language_for(participation.survey, request.user),
        action_url=reverse("surveys:answer_mine", args=[pk]),
    )


@never_cache
def answer_open(request, token):
    """The anonymous open link; the browser session keeps a secret to resume with."""
    survey = Survey.objects.filter(open_link_token=token, open_link_enabled=True).first()
    if survey is None or not token:
        return render(request, "surveys/answer_invalid.html", status=404)
    secrets_by_survey = request.session.get(SESSION_OPEN_LINK, {})
    key = str(survey.pk)
    if secrets_by_survey.get(key) == "done":
        return _answer_closed_page(
            request, survey, "done", language=_open_language(request, survey)
        )
    if key not in secrets_by_survey:
        secrets_by_survey[key] = secrets.token_urlsafe(32)
        request.session[SESSION_OPEN_LINK] = secrets_by_survey
    return _answer(
        request,
        survey=survey,
        resume_secret=secrets_by_survey[key],
        language=_open_language(request, survey),
        action_url=reverse("surveys:answer_open", args=[token]),
    )


def _open_language(request, survey):
    """A signed-in person's preferred language, else the browser's, if the survey offers it."""
    if request.user.is_authenticated:
        return survey_language_for(survey, request.user)
    language = normalize_language(translation.get_language())
    return language if language in survey.languages else "nb"


def _answer_closed_page(request, survey, reason, *, language):
    status = {"closed": 410, "not_open": 200, "done": 200}[reason]
    with translation.override(language):
        return render(
            request,
            "surveys/answer_unavailable.html",
            {"survey": survey, "reason": reason, "language": language},
            status=status,
        )


def _answer(request, *, survey, participation=None, resume_secret=None, language, action_url):
    with translation.override(language):
        try:
            services.survey_check_answerable(survey)
            if participation is not None and participation.completed_at:
                raise services.SurveyNotAnswerable("done")
            if participation is None and resume_secret is None:
                raise Http404
            key = services.resume_key_for(
                services.participation_resume_secret(participation)
                if participation
                else resume_secret
            )
            response = Response.objects.filter(resume_key=key).first()
            if response is None:
                if request.method != "POST" or request.POST.get("action") != "start":
                    return render(
                        request,
                        "surveys/answer_start.html",
                        {"survey": survey, "action_url": action_url, "language": language},
                    )
                response = services.response_start(
                    survey=survey,
                    participation=participation,
                    resume_secret=resume_secret,
                    language=language,
                )
                return redirect(action_url)
            return _answer_page(
                request,
                survey=survey,
                response=response,
                participation=participation,
                language=response.language or language,
                action_url=action_url,
            )
        except services.SurveyNotAnswerable as refusal:
            return _answer_closed_page(request, survey, refusal.reason, language=language)


def _answer_page(request, *, survey, response, participation, language, action_url):
    pages = selectors.survey_structure(survey)
    answers = answers_by_question(
        Answer.objects.filter(response=response).only(
            "question_id", "statement_id", "dimension", "number", "choice", "text", "dont_know"
        )
    )
    shown = visible_pages(pages, answers)
    if not shown:
        raise services.SurveyNotAnswerable("closed")
    index = min(max(response.current_page, 0), len(shown) - 1)
    page = shown[index]
    questions = visible_questions(page, answers)
    if request.method == "POST" and request.POST.get("page") == str(page.pk):
        action = request.POST.get("action")
        form = AnswerPageForm(
            request.POST,
            questions=questions,
            language=language,
            enforce_required=action != "back",
        )
        valid = form.is_valid()
        values = form.answer_values()
        if action == "back":
            services.response_save_page(
                response=response,
                questions=questions,
                answers=values,
                current_page=max(index - 1, 0),
            )
            return redirect(action_url)
        if valid:
            # Answers of this page may change which pages follow.
            merged = dict(answers)
            for question in questions:
                merged[question.pk] = [
                    Answer(question=question, **_answer_fields(v))
                    for v in values
                    if v["question"] == question
                ]
            shown_after = visible_pages(pages, merged)
            position = next(i for i, p in enumerate(shown_after) if p.pk == page.pk)
            if position + 1 < len(shown_after) and action != "submit":
                services.response_save_page(
                    response=response,
                    questions=questions,
                    answers=values,
                    current_page=position + 1,
                )
                return redirect(action_url)
            # The last page: submit; answers to questions now hidden are not kept.
            hidden = [
                q
                for p in pages
                for q in p.ordered_questions
                if p not in shown_after or q not in visible_questions(p, merged)
            ]
            services.response_submit(
                response=response,
                participation=participation,
                questions=questions + hidden,
                answers=values,
            )
            if participation is None:
                done = request.session.get(SESSION_OPEN_LINK, {})
                done[str(survey.pk)] = "done"
                request.session[SESSION_OPEN_LINK] = done
            return render(request, "surveys/answer_done.html", {"survey": survey})
        status = 400
    else:
        form = AnswerPageForm(
            questions=questions,
            language=language,
            initial=AnswerPageForm.initial_from(questions, answers),
        )
        status = 200
    return render(
        request,
        "surveys/answer_page.html",
        {
            "survey": survey,
            "page": page,
            "form": form,
            "blocks": form.blocks(),
            "number": index + 1,
            "count": max(possible_page_count(pages, answers), len(shown)),
            "is_last": index + 1 == len(shown),
            "action_url": action_url,
            "language": language,
        },
        status=status,
    )


def _answer_fields(values: dict) -> dict:
    return {k: v for k, v in values.items() if k != "question"}
