"""Writes of answering a survey: starting (or resuming) a response, saving a page, and the answer
flow: which page follows (branching on the answers), and submitting once, dropping the answers
to questions the final answers hide.

Who has answered (Participation) and what was answered (Response) are never linked, also for
someone holding the database and the secret key:
- an anonymous response is found again only through a random secret that the respondent's
  browser keeps (a cookie of its own, never the person's session); the response stores an HMAC
  of it (`resume_key_for`), removed on submission;
- a confidential response names its respondent, and is found again by that;
- an anonymous response's times are kept to the day, like the participation's, so no time
  pairs them up;
- the participation's write stamp is blurred soon after (`participations_blur_write_stamps`), so
  not even the database's own record of which transaction wrote a row pairs them up.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import RoleAssignment, User

from ..models import (
    Answer,
    Page,
    Participation,
    Question,
    Response,
    Survey,
)
from ..results.services import TalliedAnswer
from .branching import answers_by_question, visible_pages, visible_questions
from .forms import LONG_TEXT_MAX_LENGTH
from .selectors import answer_structure

Status = Survey.Status


def resume_key_for(secret: str) -> str:
    """An HMAC with SECRET_KEY of the browser's secret (which the database never holds)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"survey-resume:{secret}".encode(), hashlib.sha256
    ).hexdigest()


def the_day(moment: datetime | None = None) -> datetime:
    """A time kept only to the day: what an anonymous answer and a participation store."""
    return (moment or timezone.now()).replace(hour=0, minute=0, second=0, microsecond=0)


def unfinished_response(
    *, survey: Survey, participation: Participation | None, resume_secret: str | None
) -> Response | None:
    """The respondent's response not yet submitted, if any (also a submitted one found by an
    anonymous secret: the caller then says it is done)."""
    if participation is not None and not survey.is_anonymous:
        responses = Response.objects.filter(
            survey=survey, respondent_id=participation.user_id
        ).order_by("-id")
    elif resume_secret:
        responses = Response.objects.filter(survey=survey, resume_key=resume_key_for(resume_secret))
    else:
        return None
    response = responses.first()
    if response is not None:
        response.survey = survey  # (at hand: not read again)
    return response


def participations_blur_write_stamps(*, now=None) -> int:
    """Rewrite the participations started or completed since yesterday, all in one statement.

    PostgreSQL stamps each row with the transaction that last wrote it (xmin). Starting and
    submitting must change the participation and the response in one transaction (so an answer
    is counted once and never lost), which gives both the same stamp. Rewritten together, the
    participations share one new stamp that no response has. Run every few minutes (beat).
    """
    since = the_day(now) - timedelta(days=1)
    return Participation.objects.filter(
        Q(started_at__gte=since) | Q(completed_at__gte=since)
    ).update(started_at=F("started_at"), completed_at=F("completed_at"))


class SurveyNotAnswerable(Exception):
    """The survey is not open for answers now (not yet open, closed, or past its closing time)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "not_open" | "closed" | "done"


def survey_check_answerable(survey: Survey, *, now=None) -> None:
    now = now or timezone.now()
    if survey.status == Status.DRAFT or (
        survey.status == Status.OPEN and survey.opens_at and now < survey.opens_at
    ):
        raise SurveyNotAnswerable("not_open")
    if not survey.accepts_answers(now):
        raise SurveyNotAnswerable("closed")


def respondent_profile(*, survey: Survey, user: User | None) -> dict:
    """County, library and role of a respondent, taken from their role at a library reached."""
    if user is None:
        return {"county": None, "library": None, "role": ""}
    from ..builder.selectors import survey_audience_libraries

    reached = survey_audience_libraries(survey)
    assignments = list(RoleAssignment.objects.filter(user=user).select_related("library", "county"))
    order = {"staff": 0, "library_leader": 1, "coordinator": 2, "project_leader": 3}
    assignments.sort(key=lambda a: order.get(a.role, 9))
    reached_ids = set(reached.values_list("id", flat=True))
    for assignment in assignments:
        if assignment.library_id and assignment.library_id in reached_ids:
            return {
                "county": assignment.library.county,
                "library": assignment.library,
                "role": assignment.role,
            }
    for assignment in assignments:
        if assignment.library_id:
            return {
                "county": assignment.library.county,
                "library": assignment.library,
                "role": assignment.role,
            }
        if assignment.county_id:
            return {"county": assignment.county, "library": None, "role": assignment.role}
    return {"county": None, "library": None, "role": assignments[0].role if assignments else ""}


@transaction.atomic
def response_start(
    *,
    survey: Survey,
    participation: Participation | None = None,
    resume_secret: str | None = None,
    language: str = "nb",
) -> Response:
    """The respondent's unfinished response, or a new one.

    Anonymous (open link or personal link): resumed by the browser's `resume_secret` (without
    one the new response can be resumed by nobody). Confidential with a participation: by the
    respondent.
    """
    survey_check_answerable(survey)
    if participation is not None:
        participation = Participation.objects.select_for_update().get(pk=participation.pk)
        if participation.completed_at:
            raise SurveyNotAnswerable("done")
    confidential = participation is not None and not survey.is_anonymous
    if not confidential and not resume_secret:
        resume_secret = secrets.token_urlsafe(32)
    response = unfinished_response(
        survey=survey, participation=participation, resume_secret=resume_secret
    )
    if response is not None:
        if response.submitted_at:
            raise SurveyNotAnswerable("done")
        return response
    user = participation.user if participation else None
    profile = respondent_profile(survey=survey, user=user)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                resume_key=None if confidential else resume_key_for(resume_secret),
                language=language if language in survey.languages else "nb",
                respondent=user if confidential else None,
                started_at=timezone.now() if confidential else the_day(),
                **profile,
            )
    except IntegrityError:  # a parallel request of the same respondent created it
        response = unfinished_response(
            survey=survey, participation=participation, resume_secret=resume_secret
        )
    if participation is not None and participation.started_at is None:
        participation.started_at = the_day()
        participation.save(update_fields=["started_at"])
    return response


# Answer field values: question (or question_id), statement (or statement_id), dimension,
# number, choice, text, dont_know.
AnswerValues = list[dict]


def _check_answer_texts(answers: AnswerValues) -> None:
    """No free text longer than the answer form allows is ever stored (nor silently cut)."""
    if any(len(values.get("text") or "") > LONG_TEXT_MAX_LENGTH for values in answers):
        raise ValidationError(
            _("An answer is longer than %(limit)s characters. Please shorten it.")
            % {"limit": LONG_TEXT_MAX_LENGTH}
        )


# What an answer stores, in the order `_answers_replace` writes it.
_ANSWER_COLUMNS = (
    "response_id",
    "question_id",
    "statement_id",
    "dimension",
    "number",
    "choice",
    "text",
    "dont_know",
)


def _answers_replace(*, response: Response, questions: list[Question], answers: list[Answer]):
    """Replace the response's answers to these questions with these unsaved answers.

    On PostgreSQL in two plain statements: a DELETE (answers have nothing that refers to them
    and no signals, so Django's collector has nothing to do but cost time in Python) and a COPY
    (a submission's ~80 rows take ~1.5 ms where `bulk_create` took ~3.5 ms, most of it
    preparing every field of every row in Python: docs/performance.md, part 40). No id comes
    back, and nothing after needs one."""
    if connection.vendor != "postgresql":
        Answer.objects.filter(response=response, question__in=questions).delete()
        Answer.objects.bulk_create(answers)
        return
    quote = connection.ops.quote_name
    field = Answer._meta.get_field
    table = quote(Answer._meta.db_table)
    columns = ", ".join(quote(field(name).column) for name in _ANSWER_COLUMNS)
    # (COPY is not among the cursor calls whose errors Django wraps: wrapped here, so a refused
    # row raises django.db's DataError or IntegrityError, as an INSERT would.)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE {quote(field('response').column)} = %s "  # noqa: S608
            f"AND {quote(field('question').column)} = ANY(%s)",
            [response.pk, [question.pk for question in questions]],
        )
        with (
            connection.wrap_database_errors,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for answer in answers:
                copy.write_row([getattr(answer, name) for name in _ANSWER_COLUMNS])


def _response_locked(response: Response) -> Response:
    """The response read again under its row's lock, with its survey (read, not locked: every
    answer to a survey would otherwise wait for the one before it)."""
    return (
        Response.objects.select_for_update(of=("self",))
        .select_related("survey")
        .get(pk=response.pk)
    )


@transaction.atomic
def response_save_page(
    *, response: Response, questions: list[Question], answers: AnswerValues, current_page: int
) -> Response:
    """Replace the answers to these questions and move to `current_page`.

    `answers`: dicts of Answer field values (`AnswerValues`).
    """
    _check_answer_texts(answers)
    response = _response_locked(response)
    if response.submitted_at:
        raise SurveyNotAnswerable("done")
    survey_check_answerable(response.survey)
    _answers_replace(
        response=response,
        questions=questions,
        answers=[Answer(response=response, **values) for values in answers],
    )
    response.current_page = current_page
    response.save(update_fields=["current_page"])
    return response


def response_submit(
    *,
    response: Response,
    participation: Participation | None = None,
    questions: list[Question] | None = None,
    answers: AnswerValues | None = None,
) -> bool:
    """Submit once. Returns False when it had already been submitted (a double click, a retry)."""
    return (
        response_submit_answers(
            response=response, participation=participation, questions=questions, answers=answers
        )
        is not None
    )


def response_submit_answers(
    *,
    response: Response,
    participation: Participation | None = None,
    questions: list[Question] | None = None,
    answers: AnswerValues | None = None,
) -> list[TalliedAnswer] | None:
    """Submit once, replacing the answers to `questions` (if given) with `answers`. Returns the
    response's answers as counted in the results' running sums, or None when it had already
    been submitted (a double click, a retry)."""
    _check_answer_texts(answers or [])
    return _response_submit(
        response=response,
        participation=participation,
        questions=questions,
        stored=[Answer(response=response, **values) for values in answers or []],
    )


@transaction.atomic
def _response_submit(
    *,
    response: Response,
    participation: Participation | None,
    questions: list[Question] | None,
    stored: list[Answer],
    pages: list[Page] | None = None,
) -> list[TalliedAnswer] | None:
    """`response_submit_answers` with the answers to store as unsaved Answers of this response,
    built by the caller: the answer flow decided the branching with the same instances, so they
    are built once a request. Each call needs its own (`make run`'s `bulk_create` sets their
    ids). `pages`: the survey's structure as the respondent was shown it, else read."""
    now = timezone.now()
    survey = response.survey
    completed_at = the_day(now)
    submitted = {
        "submitted_at": the_day(now) if survey.is_anonymous else now,
        # The resume key has done its work; without it nothing links the response to the
        # browser.
        "resume_key": None,
        # Added to the results' running sums after the commit, and before anyone reads them.
        "awaiting_sums": True,
    }
    # Lock in a fixed order: participation, then response, each by the update that submits it,
    # made only if no other submission has (one statement each, not a locked read and a save).
    if participation is not None and not Participation.objects.filter(
        pk=participation.pk, completed_at__isnull=True
    ).update(completed_at=completed_at):
        return None
    if not Response.objects.filter(pk=response.pk, submitted_at__isnull=True).update(**submitted):
        transaction.set_rollback(True)  # the participation's completion too
        return None
    # (The survey as read with the response at the request's start: a survey is never locked
    # by a submission, or each would wait for the one before it, so a survey closed a moment
    # later is the same as one closed a moment after the commit.)
    survey_check_answerable(survey)
    if questions is not None:
        _answers_replace(response=response, questions=questions, answers=stored)
    _count_after_commit(survey_id=survey.pk)
    # The caller's instances as their rows now are, as a save would have left them.
    for name, value in submitted.items():
        setattr(response, name, value)
    if participation is not None:
        participation.completed_at = completed_at
    return response_answers_counted(
        response=response, pages=pages, questions=questions, stored=stored
    )


def _count_after_commit(*, survey_id: int) -> None:
    """Queue the catch-up of the survey's running sums once this transaction commits. Robust: a
    broker that cannot take the task loses no count (the next reader of the sums catches up)."""
    from .. import tasks  # (the tasks module imports the services)

    def count_the_submission() -> None:  # (a function: Django logs a robust one's failure by name)
        tasks.result_tallies_catch_up_queue(survey_id=survey_id)

    transaction.on_commit(count_the_submission, robust=True)


def _stored_number(number) -> Decimal | None:
    """A number as the answer's column keeps it (two decimals, halves away from zero, as
    PostgreSQL rounds a numeric): the sums and their values' keys count what is stored."""
    if number is None:
        return None
    return Decimal(number).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def response_answers_counted(
    *,
    response: Response,
    pages: list[Page] | None = None,
    questions: list[Question] | None = None,
    stored: list[Answer] = (),
) -> list[TalliedAnswer]:
    """A response's answers as the running sums count them, each with its question's kind and
    competence area from the survey's structure: `pages`, as the respondent was shown it, else
    read. `stored`: the answers just written in place of those to `questions`, taken as
    written; the response's other answers are read (no read when `questions` are every
    question of the survey)."""
    if pages is None:
        pages = answer_structure(response.survey)
    by_id = {question.pk: question for page in pages for question in page.ordered_questions}
    statement_areas = {
        statement.pk: statement.competence_area_id
        for question in by_id.values()
        for statement in question.statements.all()
    }
    replaced = {question.pk for question in questions or ()}
    rows = []
    if questions is not None:
        rows = [
            (
                answer.question_id,
                answer.statement_id,
                answer.dimension,
                _stored_number(answer.number),
                answer.choice,
                answer.dont_know,
                answer.text != "",
            )
            for answer in stored
        ]
    if questions is None or not replaced >= by_id.keys():
        kept = Answer.objects.filter(response=response).exclude(question_id__in=replaced)
        rows.extend(
            kept.order_by().values_list(
                "question_id",
                "statement_id",
                "dimension",
                "number",
                "choice",
                "dont_know",
                ExpressionWrapper(~Q(text=""), output_field=BooleanField()),
            )
        )
    counted = []
    for question_id, statement_id, dimension, number, choice, dont_know, has_text in rows:
        question = by_id[question_id]
        area_id = statement_areas.get(statement_id) if statement_id is not None else None
        counted.append(
            TalliedAnswer(
                kind=question.kind,
                question_id=question_id,
                statement_id=statement_id,
                dimension=dimension,
                number=number,
                choice=choice,
                dont_know=dont_know,
                area_id=question.competence_area_id if area_id is None else area_id,
                has_text=has_text,
            )
        )
    return counted


class PageOutcome(StrEnum):
    MORE = "more"  # the answers show more questions on the same page
    NEXT = "next"
    BACK = "back"
    SAVED = "saved"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class PageAnswered:
    outcome: PageOutcome
    # Submitted: the response's answers as counted (what the thank-you page's gaps are of).
    submitted: list[TalliedAnswer] = field(default_factory=list)


def response_page_answer(
    *,
    response: Response,
    position,
    answers: AnswerValues,
    action: str,
    participation: Participation | None = None,
) -> PageAnswered:
    """Store the answers of the page the respondent is on (`position`) and move on.

    "back" and "save" keep the answers and go back a page or stay; otherwise the answers decide
    what follows (a condition may show or hide questions later on the page and later pages): the
    same page again when it now shows more questions, the next page shown, or, when none
    follows, the response is submitted, and answers to questions the final answers hide are
    dropped.
    """
    questions = position.questions
    if action in (PageOutcome.BACK, PageOutcome.SAVED, "save"):
        back = action == PageOutcome.BACK
        response_save_page(
            response=response,
            questions=questions,
            answers=answers,
            current_page=max(position.index - 1, 0) if back else position.index,
        )
        return PageAnswered(PageOutcome.BACK if back else PageOutcome.SAVED)
    # The page's answers as they would be stored: what the branching decides on and, when
    # nothing follows, what the submission writes (built once).
    page_answers = [Answer(response=response, **values) for values in answers]
    given = answers_by_question(page_answers)  # by question: not a scan per question
    merged = dict(position.answers)
    for question in questions:
        merged[question.pk] = given.get(question.pk, [])
    # A question may depend on one before it on the same page: show the page again with it.
    asked = {question.pk for question in questions}
    if any(q.pk not in asked for q in visible_questions(position.page, merged)):
        response_save_page(
            response=response, questions=questions, answers=answers, current_page=position.index
        )
        return PageAnswered(PageOutcome.MORE)
    shown = visible_pages(position.pages, merged)
    index = next(i for i, page in enumerate(shown) if page.pk == position.page.pk)
    if index + 1 < len(shown):
        response_save_page(
            response=response, questions=questions, answers=answers, current_page=index + 1
        )
        return PageAnswered(PageOutcome.NEXT)
    hidden = []
    for page in position.pages:
        visible = {q.pk for q in visible_questions(page, merged)} if page in shown else set()
        hidden.extend(q for q in page.ordered_questions if q.pk not in visible)
    _check_answer_texts(answers)
    submitted = _response_submit(
        response=response,
        participation=participation,
        questions=questions + hidden,
        stored=page_answers,
        pages=position.pages,
    )
    if submitted is None:  # submitted meanwhile (a double click): its answers as they are
        submitted = response_answers_counted(response=response)
    return PageAnswered(PageOutcome.SUBMITTED, submitted)


def decimal_or_none(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)
