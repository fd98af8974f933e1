"""Disclosure control: the one rule that decides which survey figures may be shown.

The rule, in plain words
------------------------
Every submitted response falls in a cell: its county, its library and its role. The cells are
put together into *blocks* of at least N respondents, N being the survey's minimum group size
(never below the portal's floor, SURVEYS_MIN_GROUP_SIZE_FLOOR):

1. a cell of N or more is a block of its own (a library's staff, say);
2. a library's smaller cells together are a block when they come to N; when they do not, they
   join the library's smallest block;
3. the cells of a library with no block at all go to its county: together a block when they
   come to N, else they join the smallest block of the county's smallest library; what is left
   of a county with no block at all joins the smallest block of the programme's smallest county.
   The neighbour hidden with a small group is thus as small as can be.

A figure – a count, a mean, a gap, a free text – is shown for a selection of responses (the whole
survey, a county, a library, a role, a county or library and a role, a county's cell of the
heatmap, whatever a page, an export, the dashboard or an API asks for) only when the selection is
made of whole blocks. Whatever anyone works out from shown figures – a total minus the parts
shown beside it, one filter minus another, one page or export against another, one person's
view against another's – is then again made of whole blocks, so it is never about fewer than N
people. A small group is hidden together with a neighbour ("secondary suppression") instead of
being recoverable as the difference.

The same is done for each measure on its own, counting only those who gave it: each question
(and statement and dimension), each competence area (the respondents who rated it) and each
free-text question (those who wrote a text). So an item answered by few is hidden where those few
could be isolated, and the free texts of a small library are never shown, neither on its own nor
as what its county has beyond the libraries shown.

The blocks are computed from the whole survey and are the same for everyone, so views of
different people cannot be combined against the rule either. The sizes are read from the
survey's running sums (`measure_sizes`: ResultTally, to which every submission is added before
anyone reads them, see `sums_token`), so the cost does not grow with the number of answers; the
blocks are formed from those few numbers, and kept in the cache under the token of the sums'
state (ResultTallyVersion, renewed in the transaction of every write of them): see
`survey_disclosure`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from portal.memo import ProcessMemo
from portal.table_versions import read_as

from ..models import Question, Response, ResultTally, ResultTallyVersion, Survey

# A cell: (county id, library id, role); None where the respondent had none.
Cell = tuple[int | None, int | None, str]
RESPONSES = "n"


def area_measure(area_id) -> str:
    return f"area:{area_id}"


def text_measure(question_id) -> str:
    return f"text:{question_id}"


@dataclass
class Partition:
    """The blocks of one measure: which block each cell is in, and the blocks' sizes."""

    sizes: dict[Cell, int]
    block_of: dict[Cell, int] = field(default_factory=dict)
    block_sizes: list[int] = field(default_factory=list)
    block_cells: list[list[Cell]] = field(default_factory=list)


def partition(sizes: dict[Cell, int], threshold: int) -> Partition:
    """Blocks of at least `threshold` respondents, following the rule in the module's doc."""
    sizes = {cell: size for cell, size in sizes.items() if size > 0}
    tree: dict = defaultdict(lambda: defaultdict(list))
    for cell in sorted(sizes, key=_order):
        tree[cell[0]][cell[1]].append(cell)

    def total(cells: Iterable[Cell]) -> int:
        return sum(sizes[cell] for cell in cells)

    def settle(units: list[list[list[Cell]]], rest: list[Cell]):
        """Blocks of sibling units (cells, libraries or counties) and their small cells `rest`:
        the rest made a block of its own, else merged into the smallest block of the smallest
        sibling (hiding as little as can be), else left for the level above."""
        blocks = [block for unit in units for block in unit]
        if not rest:
            return blocks, []
        if total(rest) >= threshold:
            return [*blocks, rest], []
        units = [unit for unit in units if unit]
        if not units:
            return [], rest
        smallest_unit = min(units, key=lambda unit: total(c for block in unit for c in block))
        target = min(smallest_unit, key=total)
        target.extend(rest)
        return blocks, []

    counties = []
    programme_rest: list[Cell] = []
    for libraries in tree.values():
        county_units, county_rest = [], []
        for cells in libraries.values():
            large = [[[cell]] for cell in cells if sizes[cell] >= threshold]  # a unit each
            small = [cell for cell in cells if sizes[cell] < threshold]
            blocks, rest = settle(large, small)
            county_units.append(blocks)
            county_rest += rest
        blocks, rest = settle(county_units, county_rest)
        counties.append(blocks)
        programme_rest += rest
    blocks, rest = settle(counties, programme_rest)
    if rest:  # the whole survey is smaller than a block: nothing about it can be shown
        blocks.append(rest)
    result = Partition(sizes=sizes)
    for number, cells in enumerate(blocks):
        result.block_cells.append(cells)
        result.block_sizes.append(total(cells))
        for cell in cells:
            result.block_of[cell] = number
    return result


def _order(cell: Cell):
    county, library, role = cell
    return (county is None, county or 0, library is None, library or 0, role)


def shows(part: Partition, threshold: int, selected: Callable[[Cell], bool]) -> bool:
    """May a figure of this measure be shown for the selected cells? Only when they are whole
    blocks of at least `threshold`."""
    cells = [cell for cell in part.sizes if selected(cell)]
    if not cells:
        return False
    chosen = set(cells)
    for number in {part.block_of[cell] for cell in cells}:
        if part.block_sizes[number] < threshold:
            return False
        if any(cell not in chosen for cell in part.block_cells[number]):
            return False
    return True


# --- the sizes, from the running sums -------------------------------------------------------


def measure_sizes(survey: Survey) -> dict[str, dict[Cell, int]]:
    """Respondents per measure and cell of a survey's submitted responses, read from its running
    sums (ResultTally at the library grain, to which every submission is added before they are
    read: `sums_token`), in two queries whatever the number of answers: the responses, each item
    (question, statement, dimension; a respondent once per item), each competence area and each
    free-text question (the answers with a text: at most one per response and question).

    An area's respondents in a cell are taken as those of its most answered statement: never
    more than the true number, so every block is at least as large as the rule says. Its
    statements' counts are the sums' count of numbers given (not "don't know") of its
    competence-pair items.
    """
    from .selectors import RESPONSES_ITEM, item_key  # the keys the sums are stored under

    area_of = {}  # item_key(question, statement): competence area, of the competence pairs
    for question_id, question_area, statement_id, statement_area in Question.objects.filter(
        survey=survey, kind=Question.Kind.COMPETENCE_PAIR
    ).values_list("id", "competence_area_id", "statements__id", "statements__competence_area_id"):
        area_of[item_key(question_id)] = question_area
        if statement_id is not None:
            area_of[item_key(question_id, statement_id)] = statement_area or question_area
    sizes: dict[str, dict[Cell, int]] = defaultdict(dict)
    # What each item counts into is worked out once per item, not on each of its rows: a region's
    # survey has ~100 items and ~13,000 rows, and that string work on every row was a fifth of
    # the time the blocks of a new state took to form (docs/performance.md, part 32).
    targets: dict[str, tuple[dict[Cell, int], str | None]] = {}  # item: its sizes, its area's

    def target(item: str) -> tuple[dict[Cell, int], str | None]:
        if item == RESPONSES_ITEM:
            return sizes[RESPONSES], None
        if item.startswith("text."):
            return sizes[text_measure(item.removeprefix("text."))], None
        area_id = area_of.get(item[: item.rindex(".") + 1])  # the item's dimension aside
        return sizes[item], None if area_id is None else area_measure(area_id)

    rows = (
        ResultTally.objects.filter(survey=survey, by_library=True, value="")
        .exclude(item__startswith="area.")
        .values_list("county_id", "library_id", "role", "item", "n", "number_count")
    )
    for county_id, library_id, role, item, n, rated in rows:
        cell = (county_id or None, library_id or None, role)
        if item not in targets:
            targets[item] = target(item)
        measure, area_key = targets[item]
        measure[cell] = n
        if rated and area_key is not None:
            area = sizes[area_key]
            if rated > area.get(cell, 0):
                area[cell] = rated
    return sizes


@dataclass
class Disclosure:
    """The blocks of every measure of one survey, and the question asked of them."""

    threshold: int
    partitions: dict[str, Partition]
    # The state of the sums these blocks are of (ResultTallyVersion's token), when known: the
    # figures disclosed with them are cached under it too (surveys.results.selectors).
    token: object = field(default=None, compare=False)
    # When these blocks were the sums' state, if they are no longer: shown as they were (see
    # `survey_disclosure`'s `as_it_was_within`); None when they are the sums as they are now.
    as_of: datetime | None = field(default=None, compare=False)
    # Answers already given, per (partition, selection): most measures share one partition.
    _answers: dict[tuple[int, Callable], bool] = field(
        default_factory=dict, repr=False, compare=False
    )

    def shows(self, measure: str, selected: Callable[[Cell], bool]) -> bool:
        part = self.partitions.get(measure)
        if part is None:
            return False
        key = (id(part), selected)
        if key not in self._answers:
            self._answers[key] = shows(part, self.threshold, selected)
        return self._answers[key]


# Part of the cache key: raise it when the blocks formed from the same sums change (the rule, or
# what Partition holds), so no block formed by older code is ever read.
DISCLOSURE_CACHE_VERSION = 1
DISCLOSURE_CACHE_SECONDS = 6 * 60 * 60  # a state's blocks; a new state has a new key anyway
# The blocks last read, kept in this process as well, under the same keys (the state's token and
# the threshold), as the answer pages keep their structure: reading the blocks of a survey and
# its baseline from Redis and unpickling them (~24 KB, ~700 cells each) cost every results page
# and API read about 2 ms of CPU. Exact for the same reason the cache is (a new state has a new
# token), and read only: nothing changes a Partition once formed.
_disclosure_memo = ProcessMemo(size=16)


_SUMS_TOKEN_SQL = (
    f"SELECT (SELECT token FROM {ResultTallyVersion._meta.db_table} WHERE survey_id = %s), "  # noqa: S608 - no input
    f"EXISTS (SELECT 1 FROM {Response._meta.db_table} WHERE survey_id = %s AND awaiting_sums)"
)
_TOKEN = ResultTallyVersion._meta.get_field("token")


def sums_token(survey: Survey):
    """The token of the state of a survey's running sums (None: sums counted before tokens),
    with every submission committed before this call counted in them.

    Every reader of the sums asks this first. A submission marks its response as awaiting the
    sums, and a task adds it after the commit; a reader that comes first adds them itself
    (`result_tallies_catch_up`), so no figure ever leaves out a submission made before it was
    asked for."""
    from .services import result_tallies_catch_up  # (the services module imports this one)

    token, awaiting = _token_and_awaiting(survey)
    if awaiting:
        result_tallies_catch_up(survey_id=survey.pk)
        token, _awaiting = _token_and_awaiting(survey)
    return token


def _token_and_awaiting(survey: Survey) -> tuple[object, bool]:
    """The sums' token and whether any submission awaits them, in one query, which counts as a
    read of the token's table only (`read_as`): what is computed after it and kept under the
    token (portal.table_versions.kept) is of the sums' state, whichever responses are
    submitted. Written out: the ORM built and compiled the same two subqueries in ~0.5 ms, and
    the results pages ask this two to four times a request (the survey, its baseline)."""
    with read_as([ResultTallyVersion._meta.db_table]), connection.cursor() as cursor:
        cursor.execute(_SUMS_TOKEN_SQL, [survey.pk, survey.pk])
        token, awaiting = cursor.fetchone()
    return _TOKEN.to_python(token), bool(awaiting)


def survey_disclosure(survey: Survey, *, as_it_was_within: timedelta | None = None) -> Disclosure:
    """The disclosure control of a survey's submitted responses, from its running sums.

    Cached exactly: under the token of the sums' state (ResultTallyVersion: a new random token in
    the transaction of every write of the sums) with the threshold, so a hit is the blocks of the
    sums as they are now. One query on a hit; on a miss the blocks are formed (two queries) and
    stored only when the token read again afterwards is unchanged: every write commits its sums
    and its new token together, so an unchanged token means the sums read between the two reads
    were that state's (a writer committing meanwhile never has its state stored under the old
    token). Sums without a token (counted before tokens existed) are not cached.

    With `as_it_was_within` (the results pages in a survey week, where every submission makes a
    new state): on a miss, the last state whose blocks were stored, if that was less than this
    long ago, with its time (`as_of`); the figures are then that state's too (see
    `surveys.results.selectors.disclosed_numbers`), so what is shown is one state as it was."""
    threshold = survey.group_size_threshold
    token = sums_token(survey)
    if token is None:
        return _disclosure_formed(survey, threshold)
    partitions = _partitions_kept(_disclosure_key(survey, token, threshold))
    if partitions is not None:
        return Disclosure(threshold=threshold, partitions=partitions, token=token)
    last_key = f"surveys:disclosure-last:{DISCLOSURE_CACHE_VERSION}:{survey.pk}:{threshold}"
    if as_it_was_within:
        last = cache.get(last_key)  # (token, when it was stored)
        if last is not None and timezone.now() - last[1] < as_it_was_within:
            partitions = _partitions_kept(_disclosure_key(survey, last[0], threshold))
            if partitions is not None:
                return Disclosure(
                    threshold=threshold, partitions=partitions, token=last[0], as_of=last[1]
                )
    disclosure = _disclosure_formed(survey, threshold)
    if sums_token(survey) == token:
        key = _disclosure_key(survey, token, threshold)
        cache.set(key, disclosure.partitions, DISCLOSURE_CACHE_SECONDS)
        _disclosure_memo.keep(key, disclosure.partitions)
        cache.set(last_key, (token, timezone.now()), DISCLOSURE_CACHE_SECONDS)
        disclosure.token = token
    return disclosure


def disclosure_of_state(survey: Survey, token, as_of: datetime) -> Disclosure | None:
    """The blocks of a past state of the sums, if they were kept: to show figures of that state
    as they were (see `surveys.results.selectors.survey_results`)."""
    threshold = survey.group_size_threshold
    partitions = _partitions_kept(_disclosure_key(survey, token, threshold))
    if partitions is None:
        return None
    return Disclosure(threshold=threshold, partitions=partitions, token=token, as_of=as_of)


def _disclosure_key(survey: Survey, token, threshold: int) -> str:
    return f"surveys:disclosure:{DISCLOSURE_CACHE_VERSION}:{survey.pk}:{token}:{threshold}"


def _partitions_kept(key: str) -> dict[str, Partition] | None:
    """The blocks stored under `key`: from this process's memo, else from the cache (and then
    kept in the memo too)."""
    partitions = _disclosure_memo.get(key)
    if partitions is None:
        partitions = cache.get(key)
        if partitions is not None:
            _disclosure_memo.keep(key, partitions)
    return partitions


def _disclosure_formed(survey: Survey, threshold: int) -> Disclosure:
    """The blocks formed from the sums (two queries). Measures answered by the same people in
    every cell (most items: everyone answers them) share one partition, formed once."""
    formed: dict[frozenset, Partition] = {}
    partitions = {}
    for measure, sizes in measure_sizes(survey).items():
        key = frozenset(sizes.items())
        if key not in formed:
            formed[key] = partition(sizes, threshold)
        partitions[measure] = formed[key]
    return Disclosure(threshold=threshold, partitions=partitions)
