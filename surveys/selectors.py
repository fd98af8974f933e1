"""Reads of the surveys app."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from portal import permissions
from portal.models import Library

from .models import Page, Participation, Question, Response, Survey
from .permissions import SURVEY_AUDIENCE


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
