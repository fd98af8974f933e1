"""Reads of the builder: the surveys a person sees, a survey's structure, what it lacks before it
can open, and who runs it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from portal import permissions
from portal.models import Library

from ..models import Page, Participation, Question, Survey
from ..permissions import SURVEY_AUDIENCE, survey_result_prefetch
from ..texts import LANGUAGES


def survey_audience_libraries(survey: Survey) -> QuerySet[Library]:
    """The libraries a survey reaches: its audience, inside its county for a county survey."""
    return SURVEY_AUDIENCE.libraries(survey)


def survey_list(*, user) -> QuerySet[Survey]:
    """Surveys this person may see, with what the list page shows but its counts (each
    person's own: `surveys.results.selectors.surveys_counts`)."""
    return (
        permissions.visible(user, Survey)
        .select_related("programme", "county")
        .prefetch_related(*survey_result_prefetch(user))
        .order_by("-created_at", "-id")
    )


def survey_structure(survey: Survey, *, competence_areas: bool = True) -> list[Page]:
    """Pages with their questions, options and statements, in order (a fixed number of queries);
    with their competence areas unless `competence_areas` is off."""
    pages = list(survey.pages.order_by("position", "id").select_related("condition_question"))
    areas = ("competence_area",) if competence_areas else ()
    questions = (
        Question.objects.filter(survey=survey)
        .select_related(*areas, "condition_question")
        .prefetch_related(
            "options", "statements__competence_area" if competence_areas else "statements"
        )
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


def survey_participations(*, survey: Survey, query: str = "") -> QuerySet[Participation]:
    """The people invited to a survey, by name, optionally those whose name or e-mail matches."""
    participations = Participation.objects.filter(survey=survey).select_related("user")
    if query:
        participations = participations.filter(
            Q(user__full_name__icontains=query) | Q(user__email__icontains=query)
        )
    return participations.order_by("user__full_name", "id")
