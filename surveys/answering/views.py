"""Views of answering: the personal link, the signed-in way from the home page, the open link.

Thin: the answer flow (which page follows, what is kept) is `services.response_page_answer`.
The page around the survey is in the respondent's language; the survey's texts in theirs if the
survey offers it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portal.models import CompetenceArea

from ..builder.selectors import survey_contacts
from ..models import Participation, Survey
from ..texts import content_language, normalize_language
from . import selectors, services
from .forms import AnswerPageForm

# An anonymous answer's progress is kept by a random secret in a cookie of its own, in the
# respondent's browser only: never in the database, nor in the session of someone signed in
# (a session row names the person and when it last changed).
RESUME_COOKIE = "survey-answer-{}"
RESUME_COOKIE_SALT = "surveys.answering.resume"
DONE = "done"
# The areas a submission found gaps in go from the submission to its thank-you page in a cookie
# of the browser only, read once and short-lived: on a shared computer the next person does not
# see them, and nothing on the server keeps them with the person.
THANKS_COOKIE = "survey-thanks-{}"
THANKS_COOKIE_SALT = "surveys.answering.thanks"


def _resume_secret(request, survey) -> str | None:
    return request.get_signed_cookie(
        RESUME_COOKIE.format(survey.pk), default=None, salt=RESUME_COOKIE_SALT
    )


def _set_browser_cookie(http_response, name: str, value: str, *, salt: str, max_age: int):
    """A signed cookie that only this portal's pages send back, and only the server reads."""
    http_response.set_signed_cookie(
        name,
        value,
        salt=salt,
        max_age=max_age,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _keep_resume_secret(http_response, survey, value: str) -> None:
    closes = survey.closes_at or timezone.now() + timedelta(days=90)
    _set_browser_cookie(
        http_response,
        RESUME_COOKIE.format(survey.pk),
        value,
        salt=RESUME_COOKIE_SALT,
        max_age=max(int((closes - timezone.now()).total_seconds()), 60),
    )


def _chrome_language(request, person=None) -> str:
    """The language of the page around the survey: the person's choice, else their browser's."""
    return normalize_language(
        getattr(person, "preferred_language", "") or translation.get_language()
    )


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
        language=_chrome_language(request, participation.user),
        action_url=reverse("surveys:answer_token", args=[token]),
        resume="email",
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
        language=_chrome_language(request, request.user),
        action_url=reverse("surveys:answer_mine", args=[pk]),
        resume="home",
    )


@never_cache
def answer_open(request, token):
    """The anonymous open link; the browser keeps a secret to resume with."""
    survey = Survey.objects.filter(open_link_token=token, open_link_enabled=True).first()
    if survey is None or not token:
        return render(request, "surveys/answer_invalid.html", status=404)
    language = _chrome_language(request, request.user if request.user.is_authenticated else None)
    if _resume_secret(request, survey) == DONE:
        return _answer_closed_page(request, survey, "done", language=language)
    return _answer(
        request,
        survey=survey,
        language=language,
        action_url=reverse("surveys:answer_open", args=[token]),
        resume="browser",
    )


def _languages(survey, language: str, response=None) -> dict:
    """The page in the person's language; the survey's texts in theirs if offered (else the
    language the answer was started in), marked with lang where the two differ (WCAG 3.1.2)."""
    offered = survey.languages or []
    content = language if language in offered else None
    if content is None:
        content = response.language if response is not None else content_language(offered, language)
    return {
        "language": content,
        "content_lang": content if content != language else "",
        "chrome_lang": language if content != language else "",
    }


def _answer_closed_page(request, survey, reason, *, language, participation=None):
    """The page of a survey this person cannot answer now: not open yet, closed, or answered
    (right after the submission, in the browser that made it: the thank-you page)."""
    if reason == "done":
        gap_area_ids = _thanks_area_ids(request, survey)
        if gap_area_ids is not None:  # just submitted in this browser
            return _answer_done(request, survey, participation, gap_area_ids, language=language)
    status = {"closed": 410, "not_open": 200, "done": 200}[reason]
    with translation.override(language):
        return render(
            request,
            "surveys/answer_unavailable.html",
            {
                "survey": survey,
                "reason": reason,
                "contacts": survey_contacts(survey),
                **_languages(survey, language),
            },
            status=status,
        )


def _answer(request, *, survey, participation=None, language, action_url, resume):
    """`resume`: how this respondent comes back to an unfinished answer ("email": their
    personal link; "home": the home page; "browser": in this browser only, as every anonymous
    answer, which nothing in the portal links to the person)."""
    if survey.is_anonymous:
        resume = "browser"
    with translation.override(language):
        try:
            services.survey_check_answerable(survey)
            if participation is not None and participation.completed_at:
                raise services.SurveyNotAnswerable("done")
            secret = _resume_secret(request, survey)
            secret = None if secret == DONE else secret
            response = services.unfinished_response(
                survey=survey, participation=participation, resume_secret=secret
            )
            if response is not None and response.submitted_at:
                raise services.SurveyNotAnswerable("done")
            if response is None:
                languages = _languages(survey, language)
                if request.method != "POST" or request.POST.get("action") != "start":
                    return render(
                        request,
                        "surveys/answer_start.html",
                        {
                            "survey": survey,
                            "action_url": action_url,
                            "resume": resume,
                            "participant": participation.user if participation else None,
                            **languages,
                        },
                    )
                if participation is None or survey.is_anonymous:
                    secret = secret or secrets.token_urlsafe(32)
                services.response_start(
                    survey=survey,
                    participation=participation,
                    resume_secret=secret,
                    language=languages["language"],
                )
                started = redirect(action_url)
                if secret:
                    _keep_resume_secret(started, survey, secret)
                return started
            return _answer_page(
                request,
                survey=survey,
                response=response,
                participation=participation,
                languages=_languages(survey, language, response),
                action_url=action_url,
                resume=resume,
            )
        except services.SurveyNotAnswerable as refusal:
            return _answer_closed_page(
                request, survey, refusal.reason, language=language, participation=participation
            )


def _answer_page(request, *, survey, response, participation, languages, action_url, resume):
    position = selectors.response_position(survey=survey, response=response)
    if position is None:
        raise services.SurveyNotAnswerable("closed")
    questions, language = position.questions, languages["language"]
    context = {
        "survey": survey,
        "action_url": action_url,
        "position": position,
        "resume": resume,
        **languages,
    }
    status = 200
    if request.method == "POST" and request.POST.get("page") == str(position.page.pk):
        action = request.POST.get("action")
        form = AnswerPageForm(
            request.POST,
            questions=questions,
            language=language,
            enforce_required=action not in ("back", "save"),
            structure_key=position.structure_key,
        )
        if form.is_valid():
            answered = services.response_page_answer(
                response=response,
                position=position,
                answers=form.answer_values(),
                action=action,
                participation=participation,
            )
            outcome = answered.outcome
            if outcome == services.PageOutcome.SUBMITTED:
                return _answer_submitted(survey, answered.submitted, participation, action_url)
            if outcome == services.PageOutcome.SAVED:
                return render(request, "surveys/answer_saved.html", context)
            if outcome == services.PageOutcome.MORE:
                messages.info(request, _("Your answers show more questions on this page."))
            return redirect(action_url)
        status = 400
    else:
        form = AnswerPageForm(
            questions=questions,
            language=language,
            initial=AnswerPageForm.initial_from(questions, position.answers),
            structure_key=position.structure_key,
        )
    context.update(
        form=form,
        blocks=form.blocks(
            chrome_lang=languages["chrome_lang"], content_lang=languages["content_lang"]
        ),
        page=position.page,
    )
    return render(request, "surveys/answer_page.html", context, status=status)


def _answer_submitted(survey, submitted, participation, action_url):
    """To the thank-you page by a redirect, so that reloading it sends nothing again; the areas
    the answers show gaps in go with it (`THANKS_COOKIE`)."""
    redirected = redirect(action_url)
    gap_area_ids = selectors.answers_gap_area_ids(answers=submitted)
    _set_browser_cookie(
        redirected,
        THANKS_COOKIE.format(survey.pk),
        ".".join(map(str, gap_area_ids)),
        salt=THANKS_COOKIE_SALT,
        max_age=settings.SURVEYS_THANKS_COOKIE_MINUTES * 60,
    )
    if participation is None:  # the open link: this browser has answered
        _keep_resume_secret(redirected, survey, DONE)
    elif survey.is_anonymous:
        redirected.delete_cookie(RESUME_COOKIE.format(survey.pk), samesite="Lax")
    return redirected


def _thanks_area_ids(request, survey) -> list[int] | None:
    """The gap areas of the submission just made in this browser; None when there was none."""
    value = request.get_signed_cookie(
        THANKS_COOKIE.format(survey.pk),
        default=None,
        salt=THANKS_COOKIE_SALT,
        max_age=settings.SURVEYS_THANKS_COOKIE_MINUTES * 60,
    )
    if value is None:
        return None
    return [int(area_id) for area_id in value.split(".") if area_id.isdigit()]


def _answer_done(request, survey, participation, gap_area_ids, *, language):
    person = participation.user if participation else request.user
    with translation.override(language):
        done = render(
            request,
            "surveys/answer_done.html",
            {
                "survey": survey,
                "courses": selectors.courses_for_areas(
                    user=person, programme_id=survey.programme_id, area_ids=gap_area_ids
                ),
                "gap_areas": list(
                    CompetenceArea.objects.filter(
                        id__in=gap_area_ids, programme_id=survey.programme_id
                    )
                ),
                "signed_in": request.user.is_authenticated,
                "own_answers": (
                    not survey.is_anonymous
                    and request.user.is_authenticated
                    and participation is not None
                    and participation.user_id == request.user.pk
                ),
                **_languages(survey, language),
            },
        )
    done.delete_cookie(THANKS_COOKIE.format(survey.pk), samesite="Lax")  # shown once
    return done
