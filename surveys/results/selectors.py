"""Survey results: the aggregates people may see, computed in the database.

The figures of a group of responses ("numbers") are computed by a fixed set of grouped queries,
whatever the number of responses, and made safe by `disclose`, which asks the one disclosure rule
(surveys/results/disclosure.py) of every figure: shown only for a selection made of whole blocks
of at least the minimum group size, so that no figure, nor any difference of shown figures, is
about fewer people. After the retention purge the same numbers, computed before the raw answers
were deleted, are read from the survey's ResultSnapshot.

Who sees what (`result_scope`): the project leader everything; a coordinator their county; a
library leader their library, and only groups at or above the threshold like everyone else. Staff
see no aggregates (only their own answers, see `my_answers`).
"""

from __future__ import annotations

import hashlib
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import reduce
from typing import NamedTuple, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from portal import permissions
from portal.freshness import (
    REFRESH,
    REFRESH_GRACE,
    figures_freshness,
    refresh_queued,
    shown_as_it_was,
)
from portal.models import CompetenceArea, County, Library, RoleAssignment
from portal.table_versions import HTML_KEPT_SECONDS, kept, kept_html

from ..answering.selectors import answer_structure
from ..models import (
    Answer,
    Participation,
    Question,
    Response,
    ResultTally,
    ResultTallyVersion,
    Survey,
)
from ..permissions import survey_result_county_ids, survey_result_library_ids
from ..texts import localized
from .disclosure import (
    RESPONSES,
    Cell,
    Disclosure,
    area_measure,
    disclosure_of_state,
    sums_token,
    survey_disclosure,
    text_measure,
)

Kind = Question.Kind
IMPORTANCE = Answer.Dimension.IMPORTANCE
COMPETENCE = Answer.Dimension.COMPETENCE
# Kinds whose answers are counted per value (a bar chart) and those with a mean.
COUNTED_KINDS = frozenset(
    {Kind.LIKERT, Kind.MATRIX, Kind.COMPETENCE_PAIR, Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE}
)
MEAN_KINDS = frozenset({Kind.LIKERT, Kind.MATRIX, Kind.COMPETENCE_PAIR, Kind.NUMBER})
TEXTS_PER_QUESTION = 50
NO_COUNTY = "none"
ROLE_CHOICES = [*RoleAssignment.Role.choices]
R = TypeVar("R")


# --- who sees which responses -------------------------------------------------------------


@dataclass(frozen=True)
class ResultScope:
    """The responses a person may see figures about. None means no restriction."""

    county_ids: frozenset[int] | None = None
    library_ids: frozenset[int] | None = None
    sees_nothing: bool = False

    @property
    def is_whole_survey(self) -> bool:
        return not self.sees_nothing and self.county_ids is None and self.library_ids is None


def result_scope(user, survey: Survey) -> ResultScope:
    """The counties and libraries a person sees figures for, as the survey policy decides."""
    county_ids = survey_result_county_ids(user, survey)
    library_ids = survey_result_library_ids(user, survey) if county_ids is not None else None
    if county_ids is not None and not county_ids:
        return ResultScope(sees_nothing=True)
    if library_ids is not None and not library_ids:
        return ResultScope(sees_nothing=True)
    return ResultScope(
        county_ids=frozenset(county_ids) if county_ids is not None else None,
        library_ids=frozenset(library_ids) if library_ids is not None else None,
    )


@dataclass(frozen=True)
class ResultFilters:
    county_id: int | None = None
    library_id: int | None = None
    role: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.county_id is None and self.library_id is None and self.role is None


def submitted_responses(
    survey: Survey, scope: ResultScope, filters: ResultFilters | None = None
) -> QuerySet:
    """The submitted responses inside a scope and filters (a lazy queryset, used as a subquery)."""
    qs = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    if scope.sees_nothing:
        return qs.none()
    qs = qs.filter(_responses_in(scope))
    if filters:
        if filters.county_id is not None:
            qs = qs.filter(county_id=filters.county_id)
        if filters.library_id is not None:
            qs = qs.filter(library_id=filters.library_id)
        if filters.role is not None:
            qs = qs.filter(role=filters.role)
    return qs


def _responses_in(scope: ResultScope) -> Q:
    """The responses of a scope that sees something: those of its counties and libraries."""
    q = Q()
    if scope.county_ids is not None:
        q &= Q(county_id__in=scope.county_ids)
    if scope.library_ids is not None:
        q &= Q(library_id__in=scope.library_ids)
    return q


def _invited_in(scope: ResultScope) -> Q:
    """The participations of a scope that sees something: the people invited who hold a role at
    a library of its counties, and (each condition on its own) at one of its libraries."""
    q = Q()
    if scope.county_ids is not None:
        q &= Q(
            Exists(
                RoleAssignment.objects.filter(
                    user=OuterRef("user_id"), library__county_id__in=scope.county_ids
                )
            )
        )
    if scope.library_ids is not None:
        q &= Q(
            Exists(
                RoleAssignment.objects.filter(
                    user=OuterRef("user_id"), library_id__in=scope.library_ids
                )
            )
        )
    return q


def survey_counts(*, survey: Survey, scope: ResultScope) -> tuple[int, int]:
    """Invited and submitted inside a scope: a library leader's survey page counts their library."""
    return surveys_counts(scopes={survey.pk: scope})[survey.pk]


def surveys_counts(*, scopes: dict[int, ResultScope]) -> dict[int, tuple[int, int]]:
    """Invited and submitted of each survey (id → the person's scope of it) inside its scope.

    Two grouped queries whatever the number of surveys (none when no scope sees anything): the
    surveys are grouped by scope, and a row counts for its survey when it lies inside that
    survey's scope. Raw counts, as the survey's page shows them.
    """
    counts = dict.fromkeys(scopes, (0, 0))
    surveys_of: dict[ResultScope, list[int]] = defaultdict(list)
    for survey_id, scope in scopes.items():
        if not scope.sees_nothing:
            surveys_of[scope].append(survey_id)
    if not surveys_of:
        return counts
    invited_where = reduce(
        operator.or_,
        (Q(survey_id__in=ids) & _invited_in(scope) for scope, ids in surveys_of.items()),
    )
    submitted_where = reduce(
        operator.or_,
        (Q(survey_id__in=ids) & _responses_in(scope) for scope, ids in surveys_of.items()),
    )
    invited = dict(
        Participation.objects.filter(invited_where)
        .order_by()
        .values("survey_id")
        .annotate(n=Count("pk"))
        .values_list("survey_id", "n")
    )
    submitted = dict(
        Response.objects.filter(submitted_where, submitted_at__isnull=False)
        .order_by()
        .values("survey_id")
        .annotate(n=Count("pk"))
        .values_list("survey_id", "n")
    )
    for survey_id in counts:
        counts[survey_id] = (invited.get(survey_id, 0), submitted.get(survey_id, 0))
    return counts


# --- the numbers of one group of responses --------------------------------------------------


def item_key(question_id, statement_id=None, dimension: str = "") -> str:
    return f"{question_id}.{statement_id or 0}.{dimension or ''}"


def _value_key(number, choice) -> str:
    if number is not None:
        number = Decimal(number)
        return str(int(number)) if number == number.to_integral_value() else str(number)
    return choice or ""


def compute_numbers(responses: QuerySet, *, with_texts: bool = True) -> dict:
    """The raw (unsuppressed) figures of a group of submitted responses, in five queries.

    A JSON-ready dict: n, items (per question/statement/dimension: respondents, mean, don't
    know and counts per value), areas and area_counties (sums and counts of competence-pair
    answers per competence area, overall and per county) and texts (free text, a sample).
    """
    n = responses.count()
    answers = Answer.objects.filter(response__in=responses.values("id"))
    items: dict[str, dict] = {}
    stats = (
        answers.exclude(question__kind__in=Question.TEXT_KINDS)
        .values("question_id", "statement_id", "dimension")
        .annotate(
            # One answer per response and item, except multiple choice (one per option chosen):
            # only there is the slower distinct count needed.
            answers=Count("id"),
            chosen_by=Count(
                "response_id", distinct=True, filter=Q(question__kind=Kind.MULTIPLE_CHOICE)
            ),
            mean=Avg("number", filter=Q(dont_know=False, number__isnull=False)),
            dont_know=Count("id", filter=Q(dont_know=True)),
        )
        .order_by()
    )
    for row in stats:
        mean = row["mean"]
        items[item_key(row["question_id"], row["statement_id"], row["dimension"])] = {
            "n": row["chosen_by"] or row["answers"],
            "mean": round(float(mean), 3) if mean is not None else None,
            "dont_know": row["dont_know"],
            "counts": {},
        }
    counted = (
        answers.filter(question__kind__in=COUNTED_KINDS, dont_know=False)
        .values("question_id", "statement_id", "dimension", "number", "choice")
        .annotate(count=Count("id"))
        .order_by()
    )
    for row in counted:
        item = items.get(item_key(row["question_id"], row["statement_id"], row["dimension"]))
        if item is not None:
            value = _value_key(row["number"], row["choice"])
            item["counts"][value] = item["counts"].get(value, 0) + row["count"]
    areas, area_counties = _area_numbers(answers)
    return {
        "n": n,
        "items": items,
        "areas": areas,
        "area_counties": area_counties,
        "texts": response_texts(responses) if with_texts else {},
    }


def response_texts(
    responses: QuerySet, *, question_ids: Collection[int] | None = None
) -> dict[str, list[str]]:
    """The first TEXTS_PER_QUESTION free texts per question of a group of responses (one query)."""
    texts: dict[str, list[str]] = {}
    answers = Answer.objects.filter(response__in=responses.values("id"))
    if question_ids is not None:
        answers = answers.filter(question_id__in=question_ids)
    text_rows = (
        answers.exclude(text="")
        .annotate(rank=Window(RowNumber(), partition_by=F("question_id"), order_by=F("id").asc()))
        .filter(rank__lte=TEXTS_PER_QUESTION)
        .values_list("question_id", "text")
        .order_by("question_id", "id")
    )
    for question_id, text in text_rows:
        texts.setdefault(str(question_id), []).append(text)
    return texts


def _area_numbers(answers: QuerySet) -> tuple[dict, dict]:
    """Competence-pair sums per county and area; the overall figures are their sums."""
    rows = (
        answers.filter(
            question__kind=Kind.COMPETENCE_PAIR,
            dont_know=False,
            number__isnull=False,
            dimension__in=[IMPORTANCE, COMPETENCE],
        )
        .annotate(area_id=Coalesce("statement__competence_area_id", "question__competence_area_id"))
        .filter(area_id__isnull=False)
        .values("response__county_id", "area_id", "dimension")
        .annotate(
            total=Sum("number"), count=Count("id"), respondents=Count("response_id", distinct=True)
        )
        .order_by()
    )
    per_county: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        county = str(row["response__county_id"] or NO_COUNTY)
        cell = per_county[county].setdefault(str(row["area_id"]), _empty_area())
        _add_dimension(cell, row["dimension"], row["total"], row["count"], row["respondents"])
    overall = _overall_areas(per_county)
    return (
        {key: _finish_area(cell) for key, cell in overall.items()},
        {
            county: {key: _finish_area(cell) for key, cell in cells.items()}
            for county, cells in per_county.items()
        },
    )


def _overall_areas(per_county: dict[str, dict[str, dict]]) -> dict[str, dict]:
    """The whole group's area sums: the counties' added up (a response is in one county)."""
    overall: dict[str, dict] = {}
    for cells in per_county.values():
        for area_id, cell in cells.items():
            total = overall.setdefault(area_id, _empty_area())
            for dimension in (IMPORTANCE, COMPETENCE):
                total[f"{dimension}_sum"] += cell[f"{dimension}_sum"]
                total[f"{dimension}_count"] += cell[f"{dimension}_count"]
                total[f"{dimension}_n"] += cell[f"{dimension}_n"]
    return overall


def _empty_area() -> dict:
    return {f"{d}_{part}": 0 for d in (IMPORTANCE, COMPETENCE) for part in ("sum", "count", "n")}


def _add_dimension(cell, dimension, total, count, respondents) -> None:
    cell[f"{dimension}_sum"] += float(total or 0)
    cell[f"{dimension}_count"] += count
    cell[f"{dimension}_n"] += respondents


def _finish_area(cell: dict) -> dict:
    def mean(dimension):
        count = cell[f"{dimension}_count"]
        return round(cell[f"{dimension}_sum"] / count, 3) if count else None

    importance, competence = mean(IMPORTANCE), mean(COMPETENCE)
    gap = (
        round(importance - competence, 3)
        if importance is not None and competence is not None
        else None
    )
    # Respondents: those who rated the area at all; a pair is rated on both dimensions.
    n = max(cell[f"{IMPORTANCE}_n"], cell[f"{COMPETENCE}_n"])
    return {"n": n, "importance": importance, "competence": competence, "gap": gap}


# --- the same numbers from the running sums ------------------------------------------------

# Tally items besides item_key(...): the responses themselves and a competence area's dimension.
RESPONSES_ITEM = "responses"
# A value's own row (a bar's count) is "=<value>", apart from the item's totals ("").
VALUE_PREFIX = "="


def area_item(area_id, dimension: str) -> str:
    return f"area.{area_id}.{dimension}"


def text_item(question_id) -> str:
    """The answers with a text to the question (the disclosure rule's text measure)."""
    return f"text.{question_id}"


def tallied_numbers(
    *,
    survey: Survey,
    scope: ResultScope,
    filters: ResultFilters,
    with_texts: bool = True,
    question_ids: Collection[int] | None = None,
) -> dict:
    """What `compute_numbers` computes for these responses, from the survey's ResultTally rows.

    The sums of the cells in the group, in one query whatever the number of answers (plus the
    free-text sample); the cells are kept per county and role, and per library and role for
    the groups that name libraries. Tests compare both on random data. With `question_ids`,
    the items and texts of those questions only (the areas and the count always).
    """
    if scope.sees_nothing:
        return {"n": 0, "items": {}, "areas": {}, "area_counties": {}, "texts": {}}
    by_library = scope.library_ids is not None or (filters.library_id is not None)
    cells = ResultTally.objects.filter(survey=survey, by_library=by_library)
    if scope.county_ids is not None:
        cells = cells.filter(county_id__in=scope.county_ids)
    if scope.library_ids is not None:
        cells = cells.filter(library_id__in=scope.library_ids)
    if filters.county_id is not None:
        cells = cells.filter(county_id=filters.county_id)
    if filters.library_id is not None:
        cells = cells.filter(library_id=filters.library_id)
    if filters.role is not None:
        cells = cells.filter(role=filters.role)
    if question_ids is not None:
        wanted = Q(item=RESPONSES_ITEM) | Q(item__startswith="area.")
        for question_id in question_ids:
            wanted |= Q(item__startswith=f"{question_id}.")
        cells = cells.filter(wanted)
    rows = (
        # Areas are shown per county too (the heatmap); everything else for the whole group.
        cells.annotate(
            county=Case(When(item__startswith="area.", then="county_id"), default=Value(-1))
        )
        .values("county", "item", "value")
        .annotate(
            n_sum=Sum("n"),
            dont_know_sum=Sum("dont_know"),
            total=Sum("number_sum"),
            count=Sum("number_count"),
        )
        .order_by()
    )
    n = 0
    items: dict[str, dict] = {}
    counts: dict[str, dict] = defaultdict(dict)
    per_county: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        item, value = row["item"], row["value"]
        if item == RESPONSES_ITEM:
            n = row["n_sum"]
        elif item.startswith("text."):
            continue  # sizes kept for the disclosure rule's measures, not figures
        elif item.startswith("area."):
            _prefix, area_id, dimension = item.split(".")
            county = str(row["county"] or NO_COUNTY)
            cell = per_county[county].setdefault(area_id, _empty_area())
            _add_dimension(cell, dimension, row["total"], row["count"], row["n_sum"])
        elif value:
            counts[item][value.removeprefix(VALUE_PREFIX)] = row["n_sum"]
        else:
            count = row["count"]
            items[item] = {
                "n": row["n_sum"],
                "mean": round(float(row["total"] / count), 3) if count else None,
                "dont_know": row["dont_know_sum"],
                "counts": {},
            }
    for item, values in counts.items():
        if item in items:
            items[item]["counts"] = values
    overall = _overall_areas(per_county)
    texts = {}
    if with_texts and question_ids != ():
        responses = submitted_responses(survey, scope, filters)
        texts = response_texts(responses, question_ids=question_ids)
    return {
        "n": n,
        "items": items,
        "areas": {key: _finish_area(cell) for key, cell in overall.items()},
        "area_counties": {
            county: {key: _finish_area(cell) for key, cell in cells.items()}
            for county, cells in per_county.items()
        },
        "texts": texts,
    }


SUPPRESSED = {"n": None, "suppressed": True}


def selection(scope: ResultScope, filters: ResultFilters | None = None) -> Callable[[Cell], bool]:
    """The cells (county, library, role) a scope and filters select."""
    filters = filters or ResultFilters()

    def selected(cell: Cell) -> bool:
        county_id, library_id, role = cell
        return (
            not scope.sees_nothing
            and (scope.county_ids is None or county_id in scope.county_ids)
            and (scope.library_ids is None or library_id in scope.library_ids)
            and (filters.county_id is None or county_id == filters.county_id)
            and (filters.library_id is None or library_id == filters.library_id)
            and (filters.role is None or role == filters.role)
        )

    return selected


def disclose(numbers: dict, disclosure: Disclosure, selected: Callable[[Cell], bool]) -> dict:
    """The numbers of the selected responses with every figure the disclosure rule does not
    allow removed (see surveys/results/disclosure.py)."""
    if not disclosure.shows(RESPONSES, selected):
        return {
            "suppressed": True,
            # Enough answers of its own, hidden with a small neighbour (secondary suppression).
            "by_difference": (numbers.get("n") or 0) >= disclosure.threshold,
            "n": None,
            "items": {},
            "areas": {},
            "area_counties": {},
            "texts": {},
        }

    def keep(entry: dict, measure: str, chosen=selected) -> dict:
        return entry if disclosure.shows(measure, chosen) else dict(SUPPRESSED)

    def in_county(county: str) -> Callable[[Cell], bool]:
        return lambda cell: selected(cell) and str(cell[0] or NO_COUNTY) == county

    texts = numbers.get("texts", {})
    shown_texts = {
        key: values
        for key, values in texts.items()
        if disclosure.shows(text_measure(key), selected)
    }
    return {
        "suppressed": False,
        "n": numbers["n"],
        "items": {key: keep(item, key) for key, item in numbers["items"].items()},
        "areas": {key: keep(area, area_measure(key)) for key, area in numbers["areas"].items()},
        "area_counties": {
            county: {
                key: keep(cell, area_measure(key), in_county(county)) for key, cell in cells.items()
            }
            for county, cells in numbers["area_counties"].items()
        },
        # Free text never with who wrote it, and only where its writers make whole blocks.
        "texts": shown_texts,
        "texts_hidden": sorted(set(texts) - set(shown_texts)),
    }


# --- the results a person sees --------------------------------------------------------------


@dataclass
class Bar:
    label: str
    value: str
    count: int | None
    percent: float

    @property
    def width(self) -> int:
        """Bar length in SVG units (0-200)."""
        return round(self.percent * 2)


@dataclass
class ItemResult:
    """One row of figures: a question, or one statement (and dimension) of it."""

    key: str
    label: str
    n: int | None
    suppressed: bool
    mean: float | None = None
    dont_know: int | None = None
    bars: list[Bar] = field(default_factory=list)
    no_answers: bool = False
    dont_know_bar: Bar | None = None  # "don't know", apart from the scale


@dataclass
class QuestionResult:
    question: Question
    items: list[ItemResult]
    texts: list[str] = field(default_factory=list)
    texts_hidden: bool = False

    @property
    def has_bars(self) -> bool:
        return any(item.bars for item in self.items)


@dataclass
class AreaResult:
    area: CompetenceArea
    n: int | None
    suppressed: bool
    importance: float | None = None
    competence: float | None = None
    gap: float | None = None
    baseline_gap: float | None = None
    change: float | None = None
    programme_gap: float | None = None  # beside a county's figures: the whole programme's

    @property
    def gap_width(self) -> int:
        """The gap as a bar in SVG units (0-160; a gap of 4, the widest on a 1-5 scale, is 160)."""
        return max(0, min(160, round((self.gap or 0) * 40)))


@dataclass
class HeatCell:
    gap: float | None
    n: int | None
    suppressed: bool
    level: str = "none"  # CSS class suffix: an extra cue besides the printed value


@dataclass
class HeatRow:
    label: str
    cells: list[HeatCell]


@dataclass
class ResponseRateRow:
    county: str
    library: str
    invited: int
    completed: int
    submitted: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.completed / self.invited, 1) if self.invited else None


@dataclass
class SurveyResults:
    survey: Survey
    scope: ResultScope
    filters: ResultFilters
    min_group_size: int
    n: int | None
    suppressed: bool
    from_snapshot: bool
    unavailable: bool = False  # filters the snapshot kept no figures for
    by_difference: bool = False  # hidden: it would reveal a small group by subtraction
    questions: list[QuestionResult] = field(default_factory=list)
    question_list: list[Question] = field(default_factory=list)  # all, without figures
    areas: list[AreaResult] = field(default_factory=list)
    heatmap_areas: list[CompetenceArea] = field(default_factory=list)
    heatmap: list[HeatRow] = field(default_factory=list)
    heatmap_changes: list[HeatRow] = field(default_factory=list)
    response_rates: list[ResponseRateRow] = field(default_factory=list)
    baseline: Survey | None = None
    baseline_suppressed: bool = False
    with_programme_average: bool = False
    counties: list[FilterCounty] = field(default_factory=list)
    libraries: list[FilterLibrary] = field(default_factory=list)
    as_of: datetime | None = None  # the figures as they were then (see `survey_results`)


def _gap_level(gap: float | None) -> str:
    if gap is None:
        return "none"
    if gap >= 1.5:
        return "high"
    if gap >= 0.75:
        return "medium"
    if gap > 0:
        return "low"
    return "zero"


def survey_numbers(
    *,
    survey: Survey,
    scope: ResultScope,
    filters: ResultFilters,
    disclosure: Disclosure | None = None,
    question_ids: Collection[int] | None = None,
) -> tuple[dict | None, bool]:
    """The suppressed numbers for a scope and filters: live, or from the snapshot after a purge.

    Returns (numbers, from_snapshot); numbers is None when the snapshot has no group for them.
    `question_ids`: the questions whose figures are wanted (None: all; the areas always).
    """
    if survey.raw_answers_purged_at:
        snapshot = getattr(survey, "result_snapshot", None)
        data = snapshot.data if snapshot else {}
        key = snapshot_group_key(scope, filters)
        if (
            key
            and filters.library_id is not None
            and scope.county_ids is not None
            and not Library.objects.filter(
                id=filters.library_id, county_id__in=scope.county_ids
            ).exists()
        ):
            key = None  # a library outside the person's counties
        return (data.get("groups", {}).get(key) if key else None), True
    disclosure = disclosure or survey_disclosure(survey)
    return disclosed_numbers(
        survey=survey,
        scope=scope,
        filters=filters,
        disclosure=disclosure,
        question_ids=question_ids,
    ), False


# Part of the cache key of disclosed figures: raise it when what `tallied_numbers` or `disclose`
# return for the same sums changes, so no figure computed by older code is ever read.
FIGURES_CACHE_VERSION = 1
FIGURES_CACHE_SECONDS = 6 * 60 * 60  # a state's figures; a new state has a new key anyway


def disclosed_numbers(
    *,
    survey: Survey,
    scope: ResultScope,
    filters: ResultFilters,
    disclosure: Disclosure,
    question_ids: Collection[int] | None = None,
) -> dict:
    """`tallied_numbers` under the disclosure rule, cached per state of the sums.

    The key is everything the figures depend on: the survey, the token of the sums' state the
    blocks are of (`Disclosure.token`: a new token commits with every write of the sums, the
    purge's included, and the free texts change only with those writes), the threshold, the
    person's scope (so no one is served figures of another's scope), the filters and the
    questions asked. On a miss they are computed and stored only when the token read again
    afterwards is unchanged, so the sums read in between were that state's (as the blocks are,
    see `survey_disclosure`); blocks without a known state are never cached."""

    def computed() -> dict:
        numbers = tallied_numbers(
            survey=survey, scope=scope, filters=filters, question_ids=question_ids
        )
        return disclose(numbers, disclosure, selection(scope, filters))

    if disclosure.token is None:
        return computed()
    asked = _asked(scope, filters, question_ids)
    key = _figures_key(survey, disclosure.token, disclosure.threshold, asked)
    figures = cache.get(key)
    if figures is None:
        if disclosure.as_of is not None:
            raise StateGone  # (the sums are no longer those of these blocks)
        figures = computed()
        if sums_token(survey) == disclosure.token:
            cache.set(key, figures, FIGURES_CACHE_SECONDS)
            last = (disclosure.token, timezone.now())
            cache.set(
                _last_figures_key(survey, disclosure.threshold, asked), last, FIGURES_CACHE_SECONDS
            )
    return figures


def _asked(scope: ResultScope, filters: ResultFilters, question_ids) -> str:
    """Everything a person's figures depend on besides the survey and its state: their scope
    (so no one is served figures of another's scope), the filters and the questions asked."""
    asked = (
        None if scope.county_ids is None else sorted(scope.county_ids),
        None if scope.library_ids is None else sorted(scope.library_ids),
        scope.sees_nothing,
        filters.county_id,
        filters.library_id,
        filters.role,
        None if question_ids is None else sorted(question_ids),
    )
    return hashlib.sha256(repr(asked).encode()).hexdigest()


def _figures_key(survey: Survey, token, threshold: int, asked: str) -> str:
    parts = ("surveys:figures", FIGURES_CACHE_VERSION, survey.pk, token, threshold, asked)
    return ":".join(map(str, parts))


def _last_figures_key(survey: Survey, threshold: int, asked: str) -> str:
    """Where the state of the figures last computed for these asked figures is kept, with the
    time they were computed: (token, time)."""
    parts = ("surveys:figures-last", FIGURES_CACHE_VERSION, survey.pk, threshold, asked)
    return ":".join(map(str, parts))


def _disclosures_as_they_were(
    survey: Survey, scope: ResultScope, filters: ResultFilters, question_ids, within: timedelta
) -> Iterator[Disclosure]:
    """The states whose figures may be shown as they were, best first: the sums as they are now,
    else the last state whose blocks were formed (both from `survey_disclosure`), if these very
    figures of it are kept; then the state these very figures were last computed for; last the
    sums as they are now, their figures to be computed. Each is tried in turn (StateGone: that
    state's figures were not kept); none is older than `within` (the freshness and the grace:
    whether one older than the freshness is shown is the rule of portal.freshness)."""
    # In a survey week every submission makes a new state, and its blocks are often formed by
    # another page (another scope, a question, the API, the refresh task): figures of this page
    # kept from an earlier state are then shown rather than computed while the person waits.
    asked = _asked(scope, filters, question_ids)
    disclosure = survey_disclosure(survey, as_it_was_within=within)
    kept_figures = cache.has_key(
        _figures_key(survey, disclosure.token, disclosure.threshold, asked)
    )
    # A state as it was whose figures for these filters and questions were never formed (its
    # blocks formed by another page: the overview's, say, for the API's every question) would be
    # found gone (StateGone) only after the page's own reads, on every read (part 39).
    if kept_figures:
        yield disclosure
    to_compute = disclosure.as_of is None and not kept_figures
    last = cache.get(_last_figures_key(survey, survey.group_size_threshold, asked))
    if last is not None and timezone.now() - last[1] < within:
        of_state = disclosure_of_state(survey, last[0], as_of=last[1])
        if of_state is not None:
            yield of_state
    if to_compute:
        yield disclosure


GroupKey = tuple[str, int]  # ("library", id) or ("county", id)


def area_numbers_of_every_group(*, survey: Survey) -> tuple[dict[GroupKey, dict], object] | None:
    """What `survey_numbers` gives for the competence areas (`question_ids=()`, the whole
    survey's scope) filtered by each library and by each county of the survey, all at once: the
    blocks and one query of the sums, each group's figures through `disclose` as there.

    For readers that want every group's areas (the exchange's gap matching) rather than one
    filter's: 143 groups cost one read of the sums instead of 143. Always one state of the sums:
    the blocks carry the token of the state they are of (`survey_disclosure` gives it only when
    stable), and the sums are read between that token and a read of the token again; when the two
    differ (a write committed in between) or the sums have no token, None. Returns the figures
    per group (a group without responses is absent: its figures would be suppressed) and the
    token of their state."""
    disclosure = survey_disclosure(survey)
    if disclosure.token is None:
        return None
    rows = list(
        ResultTally.objects.filter(survey=survey)
        .filter(Q(item=RESPONSES_ITEM) | Q(item__startswith="area."))
        .values("by_library", "county_id", "library_id", "item", "value")
        .annotate(n_sum=Sum("n"), total=Sum("number_sum"), count=Sum("number_count"))
        .order_by()
    )
    if sums_token(survey) != disclosure.token:
        return None
    # Per group as `tallied_numbers` sums a filter's cells: the library filter reads the cells by
    # library, the county filter those by county; areas per county, the count over all.
    counts: dict[GroupKey, int] = defaultdict(int)
    per_county: dict[GroupKey, dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for row in rows:
        if row["by_library"]:
            group = ("library", row["library_id"])
        else:
            group = ("county", row["county_id"])
        if not group[1]:
            continue  # responses without a library (or county): no such filter
        item = row["item"]
        if item == RESPONSES_ITEM:
            counts[group] += row["n_sum"]
            continue
        _prefix, area_id, dimension = item.split(".")
        county = str(row["county_id"] or NO_COUNTY)
        cell = per_county[group][county].setdefault(area_id, _empty_area())
        _add_dimension(cell, dimension, row["total"], row["count"], row["n_sum"])
    numbers = {}
    for group in counts.keys() | per_county.keys():
        cells = per_county.get(group, {})
        kind, group_id = group
        filters = (
            ResultFilters(library_id=group_id)
            if kind == "library"
            else ResultFilters(county_id=group_id)
        )
        figures = {
            "n": counts.get(group, 0),
            "items": {},
            "areas": {key: _finish_area(cell) for key, cell in _overall_areas(cells).items()},
            "area_counties": {
                county: {key: _finish_area(cell) for key, cell in areas.items()}
                for county, areas in cells.items()
            },
            "texts": {},
        }
        numbers[group] = disclose(figures, disclosure, selection(ResultScope(), filters))
    return numbers, disclosure.token


class StateGone(Exception):
    """The figures of a past state of the sums were asked for (blocks shown as they were) but
    not kept: they can only be computed as they are now."""


def snapshot_group_key(scope: ResultScope, filters: ResultFilters) -> str | None:
    """The snapshot group for a scope and filters, or None when no such group was kept."""
    library_id = filters.library_id
    if library_id is None and scope.library_ids is not None and len(scope.library_ids) == 1:
        library_id = next(iter(scope.library_ids))
    county_id = filters.county_id
    if county_id is None and scope.county_ids is not None and len(scope.county_ids) == 1:
        county_id = next(iter(scope.county_ids))
    if scope.library_ids is not None and library_id not in scope.library_ids:
        return None
    if scope.county_ids is not None and county_id not in scope.county_ids:
        return None
    if library_id is not None:
        return None if filters.role else f"library:{library_id}"
    parts = []
    if county_id is not None:
        parts.append(f"county:{county_id}")
    if filters.role is not None:
        parts.append(f"role:{filters.role}")
    return "|".join(parts) or "all"


OVERVIEW = "overview"  # the results page: everything but the questions' figures
ALL_QUESTIONS = "all"  # the results page and every question's figures (the exports, the API)
_QUESTIONS_OF_PART = {ALL_QUESTIONS: None, OVERVIEW: ()}  # else the one question's id


def survey_results(
    *,
    survey: Survey,
    user,
    filters: ResultFilters | None = None,
    language: str | None = None,
    part: str | int = ALL_QUESTIONS,
    fresh_enough: bool = False,
) -> SurveyResults:
    """What the results pages show, in a fixed number of queries.

    `part`: ALL_QUESTIONS, OVERVIEW (count, response rate, areas and heatmaps; the questions
    listed without figures) or a question's id (the count and that question's figures).
    `fresh_enough` (the results pages, the API): in a survey week, where every submission makes
    a new state of the sums, the figures of the last state computed, as they were then
    (`as_of`), by the rule of portal.freshness: for up to PORTAL_FIGURES_FRESHNESS_SECONDS;
    after that the first reader still gets them and queues `survey_results_refresh_task`, which
    computes them for the state as it is now (a reader computes them when no broker takes it,
    or no worker did within the grace). Blocks and figures always of one state. The exports and
    the funder's report are always as the sums are now.
    """
    scope, filters, counties, libraries = _scope_and_filters(survey, user, filters)

    def formed(disclosure: Disclosure | None) -> SurveyResults:
        return _results(survey, scope, filters, counties, libraries, language, part, disclosure)

    return _of_a_state(
        survey, user, scope, filters, part, language, formed, fresh_enough=fresh_enough
    )


def _scope_and_filters(
    survey: Survey, user, filters: ResultFilters | None
) -> tuple[ResultScope, ResultFilters, list[FilterCounty], list[FilterLibrary]]:
    """The person's scope, their filters kept inside it, and the filters' choices in it."""
    scope = result_scope(user, survey)
    counties, libraries = _filter_choices(survey, scope)
    return (
        scope,
        _clean_filters(filters or ResultFilters(), counties, libraries),
        counties,
        libraries,
    )


def _of_a_state(
    survey: Survey,
    user,
    scope: ResultScope,
    filters: ResultFilters,
    part: str | int,
    language: str | None,
    formed: Callable[[Disclosure | None], R],
    *,
    fresh_enough: bool,
) -> R:
    """What `formed` makes of the state of the sums `survey_results` shows (its docstring):
    formed(None) after the purge; the first state `_disclosures_as_they_were` offers whose
    figures were kept (formed raises StateGone for one that was not) and the freshness rule
    lets be shown; else the state as it is now."""
    if survey.raw_answers_purged_at:
        return formed(None)
    freshness = figures_freshness()
    if fresh_enough and freshness:
        question_ids = _QUESTIONS_OF_PART.get(part, (part,))
        for disclosure in _disclosures_as_they_were(
            survey, scope, filters, question_ids, freshness + REFRESH_GRACE
        ):
            try:
                results = formed(disclosure)
            except StateGone:
                continue  # this state's figures for these filters were not kept
            if disclosure.as_of is None:
                return results  # the state as it is now
            asked = _asked(scope, filters, question_ids)
            shown = shown_as_it_was(
                computed_at=disclosure.as_of,
                key=_last_figures_key(survey, survey.group_size_threshold, asked),
                now=timezone.now(),
            )
            if shown is True:
                return results
            if shown == REFRESH and refresh_queued(
                _refresh_task(),
                survey_id=survey.pk,
                user_id=user.pk,
                filters=[filters.county_id, filters.library_id, filters.role],
                part=part,
                language=language or get_language(),
            ):
                return results
            break  # this reader computes them
    return formed(survey_disclosure(survey))  # as the sums are now


@dataclass
class ResultsOverview:
    """The results overview as `survey_results_overview` gives it: the count and the figures
    as HTML, with what the page around them needs."""

    filters: ResultFilters
    counties: list[FilterCounty]
    libraries: list[FilterLibrary]
    question_list: list[Question]
    summary_html: str  # the count, or why no figures are shown
    figures_html: str  # the response rate, the areas and their heatmaps
    as_of: datetime | None  # the figures as they were then (see `survey_results`)


OVERVIEW_TEMPLATES = ["surveys/results/_summary.html", "surveys/results/_overview_figures.html"]
# The tables of the running sums, named in a kept overview's key by their states' tokens; and
# for a state shown as it was, the participations too: its response rates are those kept with
# that state (`_response_rates_of_state`), whatever completions came since.
SUMS_TABLES = (ResultTally._meta.db_table, ResultTallyVersion._meta.db_table)
AS_IT_WAS_TABLES = (*SUMS_TABLES, Participation._meta.db_table)


def state_key(of: str, survey: Survey, disclosure: Disclosure, baseline_token, asked: str) -> str:
    """What a value kept for a state of the sums is of: `of` (what was formed from the results),
    the survey, the states of its sums and its baseline's, the threshold and what the person
    asks (`_asked`)."""
    return (
        f"surveys:{of}:{FIGURES_CACHE_VERSION}:{survey.pk}:{disclosure.token}:"
        f"{baseline_token}:{disclosure.threshold}:{asked}"
    )


def overview_key(survey: Survey, disclosure: Disclosure, baseline_token, asked: str) -> str:
    """A kept overview's `state_key`; `kept_html` adds the language and the templates."""
    return state_key("overview", survey, disclosure, baseline_token, asked)


# The free texts a state's figures of questions show are read from the answers of its submitted
# responses, with the figures (which read the token again after them): those answers change only
# by a submission or the purge, and each renews the token.
TEXTS_TABLES = (Answer._meta.db_table, Response._meta.db_table)


def _kept_for_state(
    survey: Survey, disclosure: Disclosure, baseline_token, *, texts: bool = False
) -> dict:
    """`kept`'s `named` and `still_named` for a value formed from one state of the sums: the
    sums' tables are named by the state's token (for a state shown as it was, the
    participations too: its response rates are those kept with it, `_response_rates_of_state`;
    with `texts`, the answers and responses its free texts were read from: `TEXTS_TABLES`);
    what was formed is kept only if the sums read were still those of the state (and of the
    baseline's) once it was formed."""
    named = SUMS_TABLES if disclosure.as_of is None else AS_IT_WAS_TABLES
    return {
        "named": (*named, *TEXTS_TABLES) if texts else named,
        "still_named": lambda: (
            (disclosure.as_of is not None or sums_token(survey) == disclosure.token)
            and (not survey.baseline_id or sums_token(survey.baseline) == baseline_token)
        ),
    }


def survey_results_overview(
    *, survey: Survey, user, filters: ResultFilters | None = None, fresh_enough: bool = True
) -> ResultsOverview:
    """The results overview (`survey_results` with OVERVIEW, by default fresh enough) with its
    count and figures kept as HTML for each state of the sums shown, so that reading it again
    in a survey week neither forms nor renders them: keyed by the survey, the token of the
    state shown (and of its baseline's), the threshold and what the person asks (scope,
    filters), under the states of every other table they were formed from (names, areas, and
    for the state as it is now the participations of its response rates). Each state's HTML is
    formed from that state only (the token read again after forming it is unchanged, or
    nothing is kept)."""
    scope, filters, counties, libraries = _scope_and_filters(survey, user, filters)
    baseline_token = sums_token(survey.baseline) if survey.baseline_id else None

    def formed(disclosure: Disclosure | None) -> ResultsOverview:
        def context() -> dict:
            # Read again here: what is kept is formed only from what its computation read.
            again = Survey.objects.select_related("baseline").get(pk=survey.pk)
            choices = _filter_choices(again, scope)
            results = _results(again, scope, filters, *choices, None, OVERVIEW, disclosure)
            return {"survey": again, "results": results}

        if disclosure is None or disclosure.token is None:  # purged, or sums without a state
            values = context()
            summary_html, figures_html = (render_to_string(t, values) for t in OVERVIEW_TEMPLATES)
        else:
            summary_html, figures_html = kept_html(
                overview_key(survey, disclosure, baseline_token, _asked(scope, filters, ())),
                OVERVIEW_TEMPLATES,
                context,
                **_kept_for_state(survey, disclosure, baseline_token),
            )
        return ResultsOverview(
            filters=filters,
            counties=counties,
            libraries=libraries,
            question_list=[q for page in answer_structure(survey) for q in page.ordered_questions],
            summary_html=summary_html,
            figures_html=figures_html,
            as_of=disclosure.as_of if disclosure else None,
        )

    return _of_a_state(
        survey, user, scope, filters, OVERVIEW, None, formed, fresh_enough=fresh_enough
    )


# What another app forms from every question's results (the API's answer), by name (with its
# version): `register_results_form`. Each is kept for each state of the sums shown
# (`survey_results_kept`), and formed ahead of its readers as the overview is: by
# `survey_results_warm` and by the refresh a reader past the freshness queues.
results_forms: dict[str, Callable[[SurveyResults], object]] = {}


def register_results_form(of: str, form: Callable[[SurveyResults], object]) -> None:
    results_forms[of] = form


class KeptResults(NamedTuple):
    filters: ResultFilters  # as cleaned: inside the person's scope
    value: object  # what the registered form made
    as_of: datetime | None  # the figures as they were then (None: as the sums are now)


def survey_results_kept(
    *,
    survey: Survey,
    user,
    filters: ResultFilters | None,
    of: str,
    fresh_enough: bool = True,
) -> KeptResults:
    """The registered form `of` (`register_results_form`) of every question's results as
    `survey_results` gives them (by default fresh enough), in the current language, kept for
    each state of the sums shown as the overview's HTML is (`survey_results_overview`): keyed
    by `of`, the state, the threshold, what the person asks and the language. The same value
    serves the state while it is the sums' state now and later shown as it was (`as_of`, given
    beside it: what is formed ahead is formed for the state as it is now)."""
    form = results_forms[of]
    scope, filters, _counties, _libraries = _scope_and_filters(survey, user, filters)
    baseline_token = sums_token(survey.baseline) if survey.baseline_id else None
    language = get_language()

    def formed(disclosure: Disclosure | None) -> KeptResults:
        def compute() -> object:
            # Read again here: what is kept is formed only from what its computation read.
            again = Survey.objects.select_related("programme", "baseline").get(pk=survey.pk)
            choices = _filter_choices(again, scope)
            return form(
                _results(again, scope, filters, *choices, language, ALL_QUESTIONS, disclosure)
            )

        as_of = disclosure.as_of if disclosure else None
        if disclosure is None or disclosure.token is None:  # purged, or sums without a state
            return KeptResults(filters, compute(), as_of)
        key = state_key(of, survey, disclosure, baseline_token, _asked(scope, filters, None))
        value = kept(
            f"{key}:{language}",
            compute,
            timeout=HTML_KEPT_SECONDS,
            **_kept_for_state(survey, disclosure, baseline_token, texts=True),
        )
        return KeptResults(filters, value, as_of)

    return _of_a_state(
        survey, user, scope, filters, ALL_QUESTIONS, language, formed, fresh_enough=fresh_enough
    )


def survey_results_refresh(
    *, survey: Survey, user, filters: ResultFilters, part: str | int, language: str | None
) -> None:
    """Compute and store the blocks and figures of a person's results page for the sums as they
    are now, as that page asks for them (the task a reader past the freshness queues); for the
    overview its HTML too, and for every question the registered forms (the API's answer), so
    that the next reader neither forms nor renders them."""
    # The figures first, always: they mark the state computed (`_last_figures_key`), which a
    # kept overview or answer found already held would not.
    survey_results(survey=survey, user=user, filters=filters, language=language, part=part)
    if part == OVERVIEW:
        survey_results_overview(survey=survey, user=user, filters=filters, fresh_enough=False)
    elif part == ALL_QUESTIONS:
        for of in results_forms:
            survey_results_kept(
                survey=survey, user=user, filters=filters, of=of, fresh_enough=False
            )


def survey_results_warm(*, survey: Survey) -> int:
    """Form, in every language, the results overview and the registered forms of every
    question's results (the API's answer) each reader of a county or more would be served now
    (the project leader's whole programme, each coordinator's counties), where they are not
    kept already: after a deploy (new templates key new HTML) the first reader of each scope
    would otherwise form them while waiting. Not a library leader's (a library's figures are
    formed faster, and a region has a hundred or more of them). Returns how many scopes."""
    if survey.raw_answers_purged_at:
        return 0  # read from the survey's snapshot, not kept
    readers = {}  # one person for each scope (the overview is keyed by it, not by the person)
    for person in permissions.users_for("view_results", survey).order_by("pk"):
        scope = result_scope(person, survey)
        if not scope.sees_nothing and scope.library_ids is None:
            readers.setdefault(scope, person)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            for person in readers.values():
                survey_results_overview(survey=survey, user=person)
                for of in results_forms:
                    survey_results_kept(survey=survey, user=person, filters=None, of=of)
    return len(readers)


def surveys_results_warm() -> int:
    """`survey_results_warm` for every open or closed survey whose answers are not purged (an
    archived one is seldom read); returns how many scopes there are. A scope whose overview is
    kept costs a read of the tables' states and of the cache."""
    surveys = (
        Survey.objects.filter(status__in=(Survey.Status.OPEN, Survey.Status.CLOSED))
        .filter(raw_answers_purged_at__isnull=True)
        .select_related("programme", "county", "baseline")
        .order_by("pk")
    )
    return sum(survey_results_warm(survey=survey) for survey in surveys)


def _refresh_task():
    from ..tasks import survey_results_refresh_task  # (the tasks module imports this one)

    return survey_results_refresh_task


def _results(
    survey, scope, filters, counties, libraries, language, part, disclosure
) -> SurveyResults:
    one_question = part not in (OVERVIEW, ALL_QUESTIONS)
    question_ids = _QUESTIONS_OF_PART.get(part, (part,))
    numbers, from_snapshot = survey_numbers(
        survey=survey,
        scope=scope,
        filters=filters,
        disclosure=disclosure,
        question_ids=question_ids,
    )
    results = SurveyResults(
        survey=survey,
        scope=scope,
        filters=filters,
        min_group_size=survey.group_size_threshold,
        n=None,
        suppressed=True,
        from_snapshot=from_snapshot,
        unavailable=numbers is None,
        counties=counties,
        libraries=libraries,
        as_of=disclosure.as_of if disclosure else None,
    )
    numbers = numbers or {"suppressed": True, "items": {}, "areas": {}, "area_counties": {}}
    results.n = numbers.get("n")
    results.suppressed = bool(numbers.get("suppressed"))
    results.by_difference = bool(numbers.get("by_difference"))
    # The questions in order with their options and statements: the answer pages' structure,
    # cached per state of the structure (one query on a hit).
    results.question_list = [q for page in answer_structure(survey) for q in page.ordered_questions]
    if question_ids != ():
        results.questions = [
            _question_result(question, numbers, language, hide_texts=from_snapshot)
            for question in results.question_list
            if not one_question or question.pk == part
        ]
    if one_question:
        return results
    areas = list(CompetenceArea.objects.filter(programme_id=survey.programme_id))
    baseline_numbers = None
    if survey.baseline_id:
        results.baseline = survey.baseline
        baseline_numbers, _unused = survey_numbers(
            survey=survey.baseline, scope=scope, filters=filters, question_ids=()
        )
        baseline_numbers = baseline_numbers or {"suppressed": True, "areas": {}}
        results.baseline_suppressed = bool(baseline_numbers.get("suppressed"))
    results.areas = _area_results(areas, numbers, baseline_numbers)
    if _sees_own_counties(scope) and not results.suppressed:
        results.with_programme_average = True
        _add_programme_average(survey, results.areas, disclosure)
    if scope.is_whole_survey and not results.suppressed:
        results.heatmap_areas = [a for a in areas if str(a.id) in numbers["areas"]]
        results.heatmap = _heatmap(counties, results.heatmap_areas, numbers)
        if baseline_numbers and not results.baseline_suppressed:
            results.heatmap_changes = _heatmap(
                counties, results.heatmap_areas, numbers, baseline_numbers
            )
    results.response_rates = response_rates(
        survey=survey, scope=scope, disclosure=disclosure, libraries=libraries
    )
    return results


def _sees_own_counties(scope: ResultScope) -> bool:
    """A coordinator: figures for their county (not a library leader, limited to a library)."""
    return scope.county_ids is not None and scope.library_ids is None and not scope.sees_nothing


def _add_programme_average(
    survey: Survey, areas: list[AreaResult], disclosure: Disclosure | None
) -> None:
    """Beside a county's gap per area, the whole programme's, under the same rule (the
    programme minus the county is then again made of whole blocks)."""
    whole, _from_snapshot = survey_numbers(
        survey=survey,
        scope=ResultScope(),
        filters=ResultFilters(),
        disclosure=disclosure,
        question_ids=(),
    )
    if not whole or whole.get("suppressed"):
        return
    for area in areas:
        figures = whole.get("areas", {}).get(str(area.area.id)) or {}
        if not figures.get("suppressed") and figures.get("gap") is not None:
            area.programme_gap = figures["gap"]


def _clean_filters(filters: ResultFilters, counties, libraries) -> ResultFilters:
    """Only the counties, libraries and roles offered to the person; others are dropped."""
    county_id = filters.county_id if filters.county_id in {c.id for c in counties} else None
    library_ids = {lib.id for lib in libraries if county_id is None or lib.county_id == county_id}
    library_id = filters.library_id if filters.library_id in library_ids else None
    role = filters.role if filters.role in {*dict(ROLE_CHOICES), ""} else None
    return ResultFilters(county_id=county_id, library_id=library_id, role=role)


@dataclass(frozen=True)
class FilterCounty:
    """A county someone may filter by: what the filters, the heatmap and the API read of it."""

    id: int
    name: str


@dataclass(frozen=True)
class FilterLibrary:
    """A library someone may filter by, with its county's id and name."""

    id: int
    name: str
    county_id: int
    county_name: str


def _filter_choices(
    survey: Survey, scope: ResultScope
) -> tuple[list[FilterCounty], list[FilterLibrary]]:
    """Counties and libraries someone may filter by (one query): ids and names only, read as
    rows (a region's ~140 libraries with their counties were ~290 model instances a request)."""
    libraries = Library.objects.order_by("county__number", "name")
    if survey.county_id:
        libraries = libraries.filter(county_id=survey.county_id)
    else:
        libraries = libraries.filter(county__programmes=survey.programme_id)
    if scope.sees_nothing:
        return [], []
    if scope.county_ids is not None:
        libraries = libraries.filter(county_id__in=scope.county_ids)
    if scope.library_ids is not None:
        libraries = libraries.filter(id__in=scope.library_ids)
    chosen = [
        FilterLibrary(*row)
        for row in libraries.values_list("id", "name", "county_id", "county__name")
    ]
    counties = {lib.county_id: FilterCounty(lib.county_id, lib.county_name) for lib in chosen}
    return list(counties.values()), chosen


def _question_result(question, numbers, language, *, hide_texts) -> QuestionResult:
    items = numbers.get("items", {})
    rows: list[tuple[str, str, list[tuple[str, str]]]] = []  # key, label, values
    if question.kind in Question.OPTION_KINDS:
        values = [
            (o.value, localized(o.label, language) or o.value) for o in question.options.all()
        ]
        if question.allow_other:
            values.append(("other", _("Other")))
        rows.append((item_key(question.id), "", values))
    elif question.kind in Question.SCALE_KINDS:
        values = [(str(p), question.scale_label(p, language)) for p in question.scale_points]
        if question.kind == Kind.LIKERT:
            rows.append((item_key(question.id), "", values))
        for statement in question.statements.all():
            label = localized(statement.text, language) or statement.code
            if question.kind == Kind.COMPETENCE_PAIR:
                rows.append(
                    (
                        item_key(question.id, statement.id, IMPORTANCE),
                        _("%(statement)s – importance") % {"statement": label},
                        values,
                    )
                )
                rows.append(
                    (
                        item_key(question.id, statement.id, COMPETENCE),
                        _("%(statement)s – competence") % {"statement": label},
                        values,
                    )
                )
            else:
                rows.append((item_key(question.id, statement.id), label, values))
    elif question.kind == Kind.NUMBER:
        rows.append((item_key(question.id), "", []))
    results = []
    for key, label, values in rows:
        item = items.get(key)
        if item is None:
            results.append(ItemResult(key=key, label=label, n=0, suppressed=False, no_answers=True))
            continue
        if item.get("suppressed"):
            results.append(ItemResult(key=key, label=label, n=None, suppressed=True))
            continue
        counts = item.get("counts", {})
        # Percent of the respondents to the item ("don't know" included; for multiple choice
        # a respondent may choose several options, so the percents may add up to over 100).
        respondents = item["n"] or 0

        bars = [
            _bar(value, value_label, counts.get(value, 0), respondents)
            for value, value_label in values
        ]
        dont_know = item.get("dont_know") if question.allow_dont_know else None
        results.append(
            ItemResult(
                key=key,
                label=label,
                n=item["n"],
                suppressed=False,
                mean=item.get("mean") if question.kind in MEAN_KINDS else None,
                dont_know=dont_know,
                bars=bars,
                dont_know_bar=_bar("dont_know", _("Don't know"), dont_know, respondents)
                if dont_know is not None and bars
                else None,
            )
        )
    texts: list[str] = []
    hidden = False
    takes_text = question.kind in Question.TEXT_KINDS or question.allow_other
    if takes_text:
        if (
            hide_texts
            or numbers.get("suppressed")
            or str(question.id) in numbers.get("texts_hidden", [])
        ):
            hidden = True
        else:
            texts = list(numbers.get("texts", {}).get(str(question.id), []))
    return QuestionResult(question=question, items=results, texts=texts, texts_hidden=hidden)


def _bar(value: str, label: str, count: int, respondents: int) -> Bar:
    percent = round(100 * count / respondents, 1) if respondents else 0.0
    return Bar(label=label, value=value, count=count, percent=percent)


def _area_results(areas, numbers, baseline_numbers) -> list[AreaResult]:
    results = []
    for area in areas:
        figures = numbers.get("areas", {}).get(str(area.id))
        if figures is None:
            continue
        result = AreaResult(
            area=area,
            n=figures.get("n"),
            suppressed=bool(figures.get("suppressed")),
            importance=figures.get("importance"),
            competence=figures.get("competence"),
            gap=figures.get("gap"),
        )
        if baseline_numbers:
            before = baseline_numbers.get("areas", {}).get(str(area.id)) or {}
            result.baseline_gap = before.get("gap")
            if result.gap is not None and result.baseline_gap is not None:
                result.change = round(result.gap - result.baseline_gap, 3)
        results.append(result)
    # Largest gap first; areas with too few answers last.
    results.sort(key=lambda r: (r.gap is None, -(r.gap or 0), r.area.position, r.area.name))
    return results


def _heatmap(counties, areas, numbers, baseline_numbers=None) -> list[HeatRow]:
    rows = []
    for county in counties:
        cells_by_area = numbers["area_counties"].get(str(county.id), {})
        before_by_area = (baseline_numbers or {}).get("area_counties", {}).get(str(county.id), {})
        cells = []
        for area in areas:
            cell = cells_by_area.get(str(area.id))
            if cell is None or cell.get("suppressed"):
                cells.append(HeatCell(gap=None, n=None, suppressed=cell is not None))
                continue
            gap = cell.get("gap")
            if baseline_numbers is not None:
                before = before_by_area.get(str(area.id)) or {}
                if gap is None or before.get("gap") is None:
                    cells.append(HeatCell(gap=None, n=None, suppressed=bool(before)))
                    continue
                change = round(gap - before["gap"], 3)
                cells.append(HeatCell(gap=change, n=cell["n"], suppressed=False))
                continue
            cells.append(HeatCell(gap=gap, n=cell["n"], suppressed=False, level=_gap_level(gap)))
        rows.append(HeatRow(label=county.name, cells=cells))
    return rows


# --- response rate --------------------------------------------------------------------------


def response_rates(
    *,
    survey: Survey,
    scope: ResultScope,
    disclosure: Disclosure | None = None,
    libraries: Collection[FilterLibrary] = (),
) -> list[ResponseRateRow]:
    """Invited and completed (participations) and submitted responses per library.

    Counts of who has answered are not figures about answers, so they are shown for every
    library; a person working at two libraries counts at both.

    With the `disclosure` the figures are shown under (the results overview), the rates are of
    that state of the sums too: the submitted responses per library are the responses' sizes
    its blocks were formed from, and the invited and completed are kept under that state's token
    (see `_participation_rates`). `libraries`: names already read (the filter's choices).
    """
    if scope.sees_nothing:
        return []
    if survey.raw_answers_purged_at:
        snapshot = getattr(survey, "result_snapshot", None)
        entries = [
            row
            for row in (snapshot.data if snapshot else {}).get("response_rates", [])
            if _row_in_scope(row, scope)
        ]
    elif disclosure is not None:
        entries = _response_rates_of_state(survey, scope, disclosure, libraries)
    else:
        entries = response_rate_data(survey=survey, scope=scope)
    unknown_county, unknown_library = _("Unknown county"), _("Unknown library")
    return [
        ResponseRateRow(
            county=e["county"] or unknown_county,
            library=e["library"] or unknown_library,
            invited=e["invited"],
            completed=e["completed"],
            submitted=e["submitted"],
        )
        for e in entries
    ]


def response_rate_data(*, survey: Survey, scope: ResultScope | None = None) -> list[dict]:
    """Response-rate counts per library with their ids, JSON-ready, in two queries."""
    scope = scope or ResultScope()
    rows = _participation_rates(survey, scope)
    for row in (
        submitted_responses(survey, scope)
        .values("county_id", "county__name", "library_id", "library__name")
        .annotate(submitted=Count("id"))
        .order_by()
    ):
        entry = _rate_entry(rows, row["county_id"], row["county__name"], row["library_id"])
        entry["submitted"] = row["submitted"]
        entry["library"] = row["library__name"] or entry["library"]
    return _rates_sorted(rows)


def _rates_sorted(rows: dict[tuple, dict]) -> list[dict]:
    return sorted(rows.values(), key=lambda e: (e["county"] or "~", e["library"] or "~"))


def _participation_rates(survey: Survey, scope: ResultScope) -> dict[tuple, dict]:
    """Invited and completed per (county, library) of the participants' roles (one query)."""
    invited = Participation.objects.filter(survey=survey, user__roles__library__isnull=False)
    if scope.county_ids is not None:
        invited = invited.filter(user__roles__library__county_id__in=scope.county_ids)
    if scope.library_ids is not None:
        invited = invited.filter(user__roles__library_id__in=scope.library_ids)
    rows: dict[tuple, dict] = {}
    prefix = "user__roles__library"
    for row in (
        invited.values(f"{prefix}_id", f"{prefix}__name", f"{prefix}__county_id")
        .annotate(
            county_name=F(f"{prefix}__county__name"),
            invited=Count("id", distinct=True),
            completed=Count("id", distinct=True, filter=Q(completed_at__isnull=False)),
        )
        .order_by()
    ):
        entry = _rate_entry(
            rows, row[f"{prefix}__county_id"], row["county_name"], row[f"{prefix}_id"]
        )
        entry.update(
            library=row[f"{prefix}__name"], invited=row["invited"], completed=row["completed"]
        )
    return rows


RATES_CACHE_VERSION = 1


def _response_rates_of_state(
    survey: Survey,
    scope: ResultScope,
    disclosure: Disclosure,
    libraries: Collection[FilterLibrary],
) -> list[dict]:
    """`response_rate_data` of the state of the sums the disclosure is of, without reading the
    responses: their sizes per cell (county, library, role) are what the blocks were formed from
    (the running sums' `responses`, to which every submission is added before they are read, so
    equal to the submitted responses per county and library of that state).

    The invited and completed (participations: invitations, completions, a person's libraries)
    are `_participation_rates_kept`: as they are now when the blocks are the sums as they are now;
    when the figures are shown as they were (`disclosure.as_of`), those read while that state
    was the sums' (kept under its token), so the page is one state throughout."""
    asked = _asked(scope, ResultFilters(), ())
    rows = None
    if disclosure.as_of is not None:
        rows = cache.get(_rates_of_state_key(survey, disclosure.token, asked))
    if rows is None:
        rows = _participation_rates_kept(survey, scope, asked)
        if disclosure.token is not None and disclosure.as_of is None:
            cache.set(
                _rates_of_state_key(survey, disclosure.token, asked), rows, FIGURES_CACHE_SECONDS
            )
    rows = {key: dict(entry) for key, entry in rows.items()}  # (the kept rows unchanged)
    sizes = disclosure.partitions.get(RESPONSES)
    submitted: dict[tuple, int] = defaultdict(int)
    for (county_id, library_id, _role), size in (sizes.sizes if sizes else {}).items():
        if scope.county_ids is not None and county_id not in scope.county_ids:
            continue
        if scope.library_ids is not None and library_id not in scope.library_ids:
            continue
        submitted[county_id, library_id] += size
    county_names = {lib.county_id: lib.county_name for lib in libraries}
    library_names = {lib.id: lib.name for lib in libraries}
    missing_counties = {c for c, _lib in submitted if c is not None and c not in county_names}
    missing_libraries = {
        lib for _c, lib in submitted if lib is not None and lib not in library_names
    }
    if missing_counties:  # responses of a county outside the filter's choices
        county_names |= dict(
            County.objects.filter(id__in=missing_counties).values_list("id", "name")
        )
    if missing_libraries:
        library_names |= dict(
            Library.objects.filter(id__in=missing_libraries).values_list("id", "name")
        )
    for (county_id, library_id), count in submitted.items():
        entry = _rate_entry(rows, county_id, county_names.get(county_id), library_id)
        entry["submitted"] = count
        entry["library"] = library_names.get(library_id) or entry["library"]
    return _rates_sorted(rows)


def _rates_of_state_key(survey: Survey, token, asked: str) -> str:
    return f"surveys:rates-of-state:{RATES_CACHE_VERSION}:{survey.pk}:{token}:{asked}"


def _participation_rates_kept(survey: Survey, scope: ResultScope, asked: str) -> dict[tuple, dict]:
    """`_participation_rates` kept exactly under the states of the tables its query read
    (`portal.table_versions.kept`: a new state commits with every write of those tables: an
    invitation, a completion, a role, a library or county renamed), as the dashboard's panels
    are: a hit costs a query of those tables' states instead of the participations' grouping."""
    key = f"surveys:participation-rates:{RATES_CACHE_VERSION}:{survey.pk}:{asked}"
    return kept(key, lambda: _participation_rates(survey, scope), timeout=FIGURES_CACHE_SECONDS)


def _rate_entry(rows, county_id, county_name, library_id) -> dict:
    return rows.setdefault(
        (county_id, library_id),
        {
            "county_id": county_id,
            "library_id": library_id,
            "county": county_name,
            "library": "",
            "invited": 0,
            "completed": 0,
            "submitted": 0,
        },
    )


def _row_in_scope(row: dict, scope: ResultScope) -> bool:
    if scope.county_ids is not None and row.get("county_id") not in scope.county_ids:
        return False
    return not (scope.library_ids is not None and row.get("library_id") not in scope.library_ids)


# --- a staff member's own answers -----------------------------------------------------------


def my_answers(*, survey: Survey, user) -> list[tuple[Question, list[Answer]]] | None:
    """A person's own answers to a confidential survey (None when they cannot be found).

    Anonymous responses are not linked to anyone, so they cannot be shown back.
    """
    if survey.is_anonymous or not user.is_authenticated:
        return None
    response = (
        Response.objects.filter(survey=survey, respondent=user).order_by("-started_at").first()
    )
    if response is None:
        return None
    answers = defaultdict(list)
    for answer in response.answers.select_related("statement").order_by("id"):
        answers[answer.question_id].append(answer)
    questions = Question.objects.filter(survey=survey).order_by("page__position", "position", "id")
    return [(question, answers.get(question.id, [])) for question in questions]
