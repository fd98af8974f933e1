"""Reads of the surveys app."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Avg, Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import Library

from ..answering.forms import (
    answers_by_question,
    possible_page_count,
    visible_pages,
    visible_questions,
)
from ..models import Answer, Page, Participation, Question, Response, Survey
from ..permissions import SURVEY_AUDIENCE
from ..texts import LANGUAGES


def survey_audience_libraries(survey: Survey) -> QuerySet[Library]:
    """The libraries a survey reaches: its audience, inside its county for a county survey."""
    return SURVEY_AUDIENCE.libraries(survey)


def _count(qs):
    counted = qs.order_by().values("survey").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def survey_list(*, user) -> QuerySet[Survey]:
    """Surveys this person may see, with what the list page shows."""
    return (
        permissions.visible(user, Survey)
        .select_related("programme", "county")
        # Subqueries, not joins: joining both would multiply participations by responses.
        .annotate(
            invited=_count(Participation.objects.filter(survey=OuterRef("pk"))),
            submitted=_count(
                Response.objects.filter(survey=OuterRef("pk"), submitted_at__isnull=False)
            ),
        )
        .order_by("-created_at", "-id")
    )


def survey_structure(survey: Survey) -> list[Page]:
    """Pages with their questions, options and statements, in order (a fixed number of queries)."""
    pages = list(survey.pages.order_by("position", "id").select_related("condition_question"))
    questions = (
        Question.objects.filter(survey=survey)
        .select_related("competence_area", "condition_question")
        .prefetch_related("options", "statements__competence_area")
        .order_by("position", "id")
    )
    by_page: dict[int, list[Question]] = {page.pk: [] for page in pages}
    for question in questions:
        by_page.setdefault(question.page_id, []).append(question)
    for page in pages:
        page.ordered_questions = by_page.get(page.pk, [])
    return pages


def survey_missing_texts(survey: Survey, pages: list[Page] | None = None) -> dict[str, list[str]]:
    """What lacks a text in each language the survey offers: {language: [subjects]}.

    A text written in no language at all (an empty introduction) lacks nothing; a text written
    in one language must be written in every language offered, or the language not offered.
    """
    offered = [code for code in LANGUAGES if code in (survey.languages or [])]
    missing: dict[str, list[str]] = {code: [] for code in offered}

    def lacking(value) -> set[str]:
        value = value or {}
        if not any(value.get(code) for code in LANGUAGES):
            return set()
        return {code for code in offered if not value.get(code)}

    def note(subject: str, parts: dict[str, set[str]]) -> None:
        for code in offered:
            names = [name for name, codes in parts.items() if code in codes]
            if names:
                missing[code].append(f"{subject} ({', '.join(names)})")

    note(
        _("the survey"),
        {_("title"): lacking(survey.title), _("introduction"): lacking(survey.intro)},
    )
    for number, page in enumerate(pages or survey_structure(survey), start=1):
        note(
            _("page %(n)s") % {"n": number},
            {_("title"): lacking(page.title), _("introduction"): lacking(page.intro)},
        )
        for question in page.ordered_questions:
            labels = question.scale_labels or {}
            note(
                _("question %(code)s") % {"code": question.code},
                {
                    _("text"): lacking(question.text),
                    _("help text"): lacking(question.help_text),
                    _("options"): set().union(*(lacking(o.label) for o in question.options.all())),
                    _("statements"): set().union(
                        *(lacking(s.text) for s in question.statements.all())
                    ),
                    _("scale labels"): lacking(
                        {code: any(values) for code, values in labels.items()}
                    ),
                },
            )
    return {code: subjects for code, subjects in missing.items() if subjects}


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
    from .services import token_hash

    if not token or len(token) > 100:
        return None
    return (
        Participation.objects.select_related("survey", "user")
        .filter(token_hash=token_hash(token))
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


def response_position(*, survey: Survey, response: Response) -> AnswerPosition | None:
    """The page a respondent is on (None when the survey shows no page at all)."""
    pages = survey_structure(survey)
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
    )


def response_gap_area_ids(*, response: Response) -> list[int]:
    """The competence areas a respondent rated more important than their competence in them,
    largest gap first: what the thank-you page offers courses for."""
    rows = (
        Answer.objects.filter(
            response=response,
            question__kind=Question.Kind.COMPETENCE_PAIR,
            dont_know=False,
            number__isnull=False,
        )
        .annotate(area_id=Coalesce("statement__competence_area_id", "question__competence_area_id"))
        .filter(area_id__isnull=False)
        .values("area_id", "dimension")
        .annotate(mean=Avg("number"))
        .order_by()
    )
    means: dict[int, dict[str, float]] = {}
    for row in rows:
        means.setdefault(row["area_id"], {})[row["dimension"]] = float(row["mean"])
    gaps = {
        area_id: values["importance"] - values["competence"]
        for area_id, values in means.items()
        if "importance" in values and "competence" in values
    }
    return [area_id for area_id, gap in sorted(gaps.items(), key=lambda item: -item[1]) if gap > 0]


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


def survey_contacts(survey: Survey) -> QuerySet:
    """The people to ask about a survey: those who run it (named in refusals and on the
    respondent's pages)."""
    return permissions.users_for("manage", survey).order_by("full_name")


def survey_managers(*, programme, county) -> QuerySet:
    """Who would run a survey of this programme and county (None: the whole programme)."""
    return survey_contacts(Survey(programme=programme, county=county))


def people_named(users) -> str:
    """ "Per Prosjektleder (leder@example.no)", joined: the people a refusal tells you to ask."""
    return ", ".join(f"{user.get_full_name()} ({user.email})" for user in users)
