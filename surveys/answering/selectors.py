"""Reads of answering a survey: where a respondent is, what they are invited to, and what the
thank-you page offers them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import QuerySet

from portal import permissions
from portal.memo import ProcessMemo
from portal.tokens import token_hash

from ..builder.selectors import survey_structure
from ..models import (
    Answer,
    Page,
    Participation,
    Question,
    Response,
    Survey,
    SurveyStructureVersion,
)
from .branching import answers_by_question, possible_page_count, visible_pages, visible_questions

if TYPE_CHECKING:  # the results import this module's structure read
    from ..results.services import TalliedAnswer

IMPORTANCE, COMPETENCE = Answer.Dimension.IMPORTANCE, Answer.Dimension.COMPETENCE


def surveys_to_answer(*, user) -> QuerySet[Participation]:
    """Open surveys this person is invited to and has not answered yet."""
    return (
        Participation.objects.filter(
            user=user, completed_at__isnull=True, survey__status=Survey.Status.OPEN
        )
        .select_related("survey")
        .order_by("survey__closes_at")
    )


def participation_by_token(token: str) -> Participation | None:
    """The participation a personal link belongs to, unless the link was revoked or its survey
    is archived. A link lets its holder answer only while the survey takes answers (it expires
    with the survey: a closed survey shows the closed page, naming nobody); an extension of the
    survey extends it."""
    if not token or len(token) > 100:
        return None
    return (
        Participation.objects.select_related("survey", "user")
        .filter(token_hash=token_hash(token), link_revoked_at__isnull=True)
        .exclude(survey__status=Survey.Status.ARCHIVED)
        .first()
    )


@dataclass
class AnswerPosition:
    """Where a respondent is: the pages their answers so far show, and the one they are on."""

    pages: list[Page]
    answers: dict[int, list[Answer]]
    shown: list[Page]
    index: int
    count: int  # pages shown now plus those whose condition is not answered yet
    structure_key: tuple | None = None  # the survey and its structure's token (None: no token)

    @property
    def page(self) -> Page:
        return self.shown[self.index]

    @property
    def questions(self) -> list[Question]:
        return visible_questions(self.page, self.answers)

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def is_last(self) -> bool:
        return self.index + 1 == len(self.shown)


# Part of the cache key: raise it when what `_answer_structure_read` returns changes shape.
STRUCTURE_CACHE_VERSION = 1
STRUCTURE_CACHE_SECONDS = 24 * 60 * 60  # a state's structure; a new state has a new key anyway
# The structures last read, kept in this process as well, under the same keys: unpickling a
# 40-question structure from the cache cost more than the rest of reading it. Read only (the
# answer pages, forms and services never change a page or question), shared by requests.
_structure_memo = ProcessMemo(size=32)


def _structure_token(survey: Survey):
    return SurveyStructureVersion.current(survey)


def _answer_structure_read(survey: Survey) -> list[Page]:
    """The structure as answering needs it (four queries). Not the competence areas: those are
    changed elsewhere, without the structure's token, and answering never shows them."""
    return survey_structure(survey, competence_areas=False)


def answer_structure(survey: Survey) -> list[Page]:
    """A survey's pages, questions, options and statements for its answer pages, from the cache
    (see `answer_structure_state`)."""
    return answer_structure_state(survey)[1]


def answer_structure_state(survey: Survey) -> tuple[tuple | None, list[Page]]:
    """The state of a survey's structure (the survey and its token, None without a token) and
    its pages, questions, options and statements for its answer pages, from the cache.

    Cached exactly, as the results' figures are: under the token of the structure's state
    (SurveyStructureVersion: a new random token in the transaction of every change of the
    structure: the builder's services, the imports, the admin), so a hit is the structure as
    it is now, for one query (and, after the first in this process, no unpickling). On a miss
    it is read and stored only when the token read again afterwards is unchanged (a change
    committing meanwhile is never stored under the old token). A survey without a token (none
    written since tokens exist) is read every time."""
    token = _structure_token(survey)
    if token is None:
        return None, _answer_structure_read(survey)
    key = f"surveys:structure:{STRUCTURE_CACHE_VERSION}:{survey.pk}:{token}"
    pages = _structure_memo.get(key)
    if pages is None:
        pages = cache.get(key)
        if pages is None:
            pages = _answer_structure_read(survey)
            if _structure_token(survey) != token:  # changed while read: not of that state
                return None, pages
            cache.set(key, pages, STRUCTURE_CACHE_SECONDS)
        _structure_memo.keep(key, pages)
    return (survey.pk, token), pages


def response_position(*, survey: Survey, response: Response) -> AnswerPosition | None:
    """The page a respondent is on (None when the survey shows no page at all)."""
    structure_key, pages = answer_structure_state(survey)
    answers = answers_by_question(
        Answer.objects.filter(response=response).only(
            "question_id", "statement_id", "dimension", "number", "choice", "text", "dont_know"
        )
    )
    shown = visible_pages(pages, answers)
    if not shown:
        return None
    return AnswerPosition(
        pages=pages,
        answers=answers,
        shown=shown,
        index=min(max(response.current_page, 0), len(shown) - 1),
        count=max(possible_page_count(pages, answers), len(shown)),
        structure_key=structure_key,
    )


def answers_gap_area_ids(*, answers: Iterable[TalliedAnswer]) -> list[int]:
    """The competence areas a respondent rated more important than their competence in them,
    largest gap first: what the thank-you page offers courses for. `answers`: the response's
    answers as its submission counted them (each with its competence area), so nothing is read.

    A gap is the mean importance less the mean competence of the area's rated statements
    ("don't know" and unanswered left out), compared exactly."""
    sums: dict[tuple[int, str], list] = {}
    for answer in answers:
        if (
            answer.kind == Question.Kind.COMPETENCE_PAIR
            and not answer.dont_know
            and answer.number is not None
            and answer.area_id is not None
        ):
            total = sums.setdefault((answer.area_id, answer.dimension), [0, 0])
            total[0] += answer.number
            total[1] += 1

    def mean(area_id: int, dimension: str) -> Fraction | None:
        total = sums.get((area_id, dimension))
        return None if total is None else Fraction(total[0]) / total[1]

    gaps = {}
    for area_id in sorted({area_id for area_id, _dimension in sums}):
        importance, competence = mean(area_id, IMPORTANCE), mean(area_id, COMPETENCE)
        if importance is not None and competence is not None and importance > competence:
            gaps[area_id] = importance - competence
    return sorted(gaps, key=lambda area_id: -gaps[area_id])


def courses_for_areas(*, user, programme_id: int, area_ids: list[int], limit: int = 5):
    """Courses of the programme this person may see that target these competence areas."""
    from courses.models import Course  # the courses app builds on surveys, not the other way

    if not area_ids or user is None or not user.is_authenticated:
        return []
    return list(
        permissions.visible(user, Course)
        .filter(programme_id=programme_id, competence_areas__in=area_ids)
        .distinct()
        .order_by("title")[:limit]
    )
