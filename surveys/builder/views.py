"""Views of the survey builder: building, running and previewing a survey. Thin: forms in,
services out; a service's refusal (a ValidationError) is shown by portal's middleware."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from portal import permissions
from portal.forms import add_service_errors
from portal.models import Programme

from ..answering.forms import AnswerPageForm
from ..answering.selectors import surveys_to_answer
from ..models import Question, Survey
from ..results.selectors import ResultScope, result_scope, survey_counts, surveys_counts
from ..texts import LANGUAGE_NAMES, normalize_language
from . import selectors, services
from .forms import (
    ExtendForm,
    OpenForm,
    PageForm,
    QuestionForm,
    RemindersForm,
    SurveyForm,
    SurveyTextsForm,
)

SURVEY_QS = Survey.objects.select_related("programme", "county", "baseline")


def _survey(request, pk, action: str | None = None) -> Survey:
    survey = permissions.get_visible_or_404(request, SURVEY_QS, pk=pk)
    if action:
        permissions.require(request, action, survey)
    return survey


def _counted_scope(user, survey: Survey, *, runs_it: bool) -> ResultScope:
    """Whose invitations and responses a person's counts of a survey take in: those who run it
    see all of it, anyone else what they may see figures about."""
    return ResultScope() if runs_it else result_scope(user, survey)


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
    # For all of them together, in two queries (none where nothing is seen).
    counts = surveys_counts(
        scopes={
            row["survey"].pk: _counted_scope(request.user, row["survey"], runs_it=row["may_build"])
            for row in rows
        }
    )
    for row in rows:
        row["survey"].invited, row["survey"].submitted = counts[row["survey"].pk]
    return render(
        request,
        "surveys/survey_list.html",
        {
            "rows": rows,
            "to_answer": surveys_to_answer(user=request.user),
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
            managers = selectors.survey_managers(programme=programme, county=county)
            form.add_error(
                "county",
                _("Only %(people)s can create a survey here.")
                % {"people": selectors.people_named(managers) or _("the project leader")},
            )
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
    pages = selectors.survey_structure(survey)
    locked_reason = services.survey_structure_locked_reason(survey)
    context = {
        "survey": survey,
        "pages": pages,
        "may_manage": can(user, "manage", survey),
        "may_view_results": can(user, "view_results", survey),
        "locked_reason": locked_reason,
        "may_change_structure": not locked_reason,
        "missing_texts": [
            (dict(LANGUAGE_NAMES)[code], subjects)
            for code, subjects in selectors.survey_missing_texts(survey, pages).items()
        ]
        if survey.is_draft
        else [],
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
    context["may_change"] = context["may_manage"] and not locked_reason
    context["invited"], context["submitted"] = survey_counts(
        survey=survey, scope=_counted_scope(user, survey, runs_it=context["may_manage"])
    )
    if not context["may_manage"]:  # who to ask about changes
        context["contacts"] = selectors.people_named(selectors.survey_contacts(survey))
    if not (context["may_manage"] or context["may_view_results"]):
        raise PermissionDenied
    return render(request, "surveys/survey_detail.html", context)


@login_required
def survey_update(request, pk):
    survey = _survey(request, pk, "manage")
    if survey.is_draft:
        form = SurveyForm(request.POST or None, user=request.user, survey=survey)
    else:
        form = SurveyTextsForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            if survey.is_draft:
                services.survey_update(survey=survey, user=request.user, **form.service_kwargs())
            else:
                services.survey_texts_correct(
                    survey=survey,
                    user=request.user,
                    title=form.texts("title"),
                    intro=form.texts("intro"),
                )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The survey was saved."))
            return redirect("surveys:survey_detail", pk=survey.pk)
    return render(
        request,
        "surveys/survey_form.html",
        {"form": form, "survey": survey, "texts_only": not survey.is_draft},
        status=400 if form.errors else 200,
    )


@login_required
def page_create(request, pk):
    survey = _survey(request, pk, "manage")
    services.survey_require_structure_changeable(survey)
    return _page_form(request, survey, None)


@login_required
def page_update(request, pk, page_pk):
    survey = _survey(request, pk, "manage")
    page = _child(survey.pages.all(), page_pk)
    return _page_form(request, survey, page)


def _child(qs, pk):
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _page_form(request, survey, page):
    locked_reason = services.survey_structure_locked_reason(survey)
    form = PageForm(request.POST or None, survey=survey, page=page, texts_only=bool(locked_reason))
    if request.method == "POST" and form.is_valid():
        texts = {"title": form.texts("title"), "intro": form.texts("intro")}
        try:
            if locked_reason:
                services.page_texts_correct(page=page, user=request.user, **texts)
            elif page is None:
                page = services.page_create(
                    survey=survey, user=request.user, **texts, **form.condition()
                )
            else:
                services.page_update(page=page, user=request.user, **texts, **form.condition())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The page was saved."))
            return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + f"#page-{page.pk}")
    return render(
        request,
        "surveys/page_form.html",
        {"form": form, "survey": survey, "page": page, "locked_reason": locked_reason},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def page_delete(request, pk, page_pk):
    survey = _survey(request, pk, "manage")
    page = _child(survey.pages.all(), page_pk)
    services.page_delete(page=page, user=request.user)
    messages.success(request, _("The page and its questions were deleted."))
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
@require_POST
def page_move(request, pk, page_pk):
    survey = _survey(request, pk, "manage")
    page = _child(survey.pages.all(), page_pk)
    services.page_move(page=page, user=request.user, direction=_direction(request))
    return redirect(reverse("surveys:survey_detail", args=[survey.pk]) + f"#page-{page.pk}")


def _direction(request) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


@login_required
def question_create(request, pk, page_pk):
    survey = _survey(request, pk, "manage")
    page = _child(survey.pages.all(), page_pk)
    services.survey_require_structure_changeable(survey)
    return _question_form(request, survey, page, None)


@login_required
def question_update(request, pk, question_pk):
    survey = _survey(request, pk, "manage")
    question = _child(
        survey.questions.select_related("page").prefetch_related("options", "statements"),
        question_pk,
    )
    return _question_form(request, survey, question.page, question)


def _question_form(request, survey, page, question):
    locked_reason = services.survey_structure_locked_reason(survey)
    initial = {}
    if question is None and request.GET.get("kind") in Question.Kind.values:
        initial["kind"] = request.GET["kind"]
    form = QuestionForm(
        request.POST or None,
        survey=survey,
        page=page,
        question=question,
        initial=initial,
        texts_only=bool(locked_reason),
    )
    if request.method == "POST" and form.is_valid():
        try:
            if locked_reason:
                services.question_texts_correct(
                    question=question, user=request.user, **form.texts_kwargs()
                )
            else:
                question = services.question_save(
                    page=page,
                    question=question,
                    user=request.user,
                    kind=form.cleaned_data["kind"],
                    fields=form.question_kwargs(),
                    option_labels=form.option_labels(),
                    statement_texts=form.statement_texts(),
                    statement_areas=form.statement_areas(),
                )
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
        {
            "form": form,
            "survey": survey,
            "page": page,
            "question": question,
            "locked_reason": locked_reason,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def question_delete(request, pk, question_pk):
    survey = _survey(request, pk, "manage")
    question = _child(survey.questions.all(), question_pk)
    services.question_delete(question=question, user=request.user)
    messages.success(request, _("The question was deleted."))
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
@require_POST
def question_move(request, pk, question_pk):
    survey = _survey(request, pk, "manage")
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
        messages.success(request, _invited_message(survey, count))
    return redirect("surveys:survey_detail", pk=survey.pk)


@login_required
def survey_links(request, pk):
    """The personal links of a survey's invited people: revoke one (a leaked or forwarded
    e-mail) or send a new one (which also ends every earlier link of that person)."""
    survey = _survey(request, pk, "manage")
    if request.method == "POST":
        action = {
            "revoke": services.participation_link_revoke,
            "reissue": services.participation_link_reissue,
        }.get(request.POST.get("action"))
        participation_id = request.POST.get("participation", "")
        if action is None or not participation_id.isdigit():
            raise Http404
        try:
            action(survey=survey, participation_id=int(participation_id), user=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("The link no longer works.")
                if request.POST["action"] == "revoke"
                else _("A new link is being e-mailed; earlier links no longer work."),
            )
        return redirect(f"{reverse('surveys:survey_links', args=[pk])}?{request.GET.urlencode()}")
    query = request.GET.get("q", "")[:100]
    page = Paginator(selectors.survey_participations(survey=survey, query=query), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "surveys/survey_links.html",
        {"survey": survey, "page": page, "query": query, "takes_answers": survey.accepts_answers()},
    )


def _invited_message(survey, count: int) -> str:
    if not count:
        return _("Everyone in the audience was already invited.")
    if survey.is_draft:
        return ngettext(
            "%(count)s person was added to the invitation list. Invitations are e-mailed when "
            "the survey opens.",
            "%(count)s people were added to the invitation list. Invitations are e-mailed when "
            "the survey opens.",
            count,
        ) % {"count": count}
    return ngettext(
        "%(count)s person was invited; the invitation is being e-mailed.",
        "%(count)s people were invited; the invitations are being e-mailed.",
        count,
    ) % {"count": count}


@login_required
@require_POST
def survey_delete(request, pk):
    survey = _survey(request, pk, "manage")
    services.survey_delete(survey=survey, user=request.user)
    messages.success(request, _("The draft was deleted."))
    return redirect("surveys:survey_list")
