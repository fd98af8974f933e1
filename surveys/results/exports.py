"""Exports of survey responses (raw, for the project leader) and of results (aggregated).

Raw exports come in two layouts: wide (one row per response, one column per item, with a
codebook describing every column) and long (one row per answer). They are produced row by row
from a server-side cursor (`iterator(chunk_size=...)`), so no export holds all answers in memory:
CSV is streamed as it is written, XLSX is written by openpyxl's write-only workbook into a
temporary file that is then streamed.

Every column of the wide layout has its own name, the one the codebook describes (also when a
question code, an option value and a statement code happen to spell the same thing), so pandas, R
and SPSS read the file as it is.

Every string cell that a spreadsheet would run as a formula (starting with = + - @ tab or CR)
gets a leading apostrophe. The respondent's identity is never exported. The responses of an
anonymous survey come in random order with the date of submission only, so neither row order nor
time can be joined to who took part and when; and their county, library and role are coarsened
where fewer than the minimum group size share them (`published_cells`): a leader who is their
library's only one cannot be picked out by their row. CSV comes comma-separated (the standard) or
semicolon-separated with decimal commas (what a Norwegian Excel opens on a double click).
"""

from __future__ import annotations

import csv
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, Value
from django.db.models.functions import MD5, Concat
from django.utils.translation import gettext as _
from openpyxl import Workbook

from portal.spreadsheets import csv_cell, xlsx_cell

from ..models import Question, Response, Survey
from ..texts import localized
from .disclosure import Cell, partition
from .selectors import SurveyResults

Kind = Question.Kind
DONT_KNOW = "DK"
CHUNK_SIZE = 2000


def _number(value: Decimal | None):
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


# --- the columns of the wide layout ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    question: Question
    statement_label: str = ""
    dimension: str = ""
    values: str = ""  # the codebook's description of the values


RESPONSE_HEADERS = ("response", "county", "library", "role", "submitted")


def _scale_values(question: Question, language) -> str:
    values = [f"{p}={question.scale_label(p, language)}" for p in question.scale_points]
    if question.allow_dont_know:
        values.append("{}={}".format(DONT_KNOW, _("Don't know")))
    return "; ".join(values)


def survey_columns(
    questions: Iterable[Question], language=None
) -> tuple[list[Column], dict[tuple, int]]:
    """The item columns of the wide layout and an index from answer keys to column numbers.

    Keys: (question_id, statement_id, dimension) for one value; (question_id, "option", value)
    for a multiple-choice option (1 chosen, 0 not); (question_id, "other") for "other" text.
    """
    columns: list[Column] = []
    index: dict[tuple, int] = {}

    def add(key, column):
        index[key] = len(columns)
        columns.append(column)

    for question in questions:
        code = question.code
        if question.kind in (Kind.MATRIX, Kind.COMPETENCE_PAIR):
            dimensions = (
                ["importance", "competence"] if question.kind == Kind.COMPETENCE_PAIR else [""]
            )
            for statement in question.statements.all():
                for dimension in dimensions:
                    header = "_".join(part for part in (code, statement.code, dimension) if part)
                    add(
                        (question.id, statement.id, dimension),
                        Column(
                            header,
                            question,
                            localized(statement.text, language),
                            dimension,
                            _scale_values(question, language),
                        ),
                    )
        elif question.kind == Kind.MULTIPLE_CHOICE:
            options = [(o.value, localized(o.label, language)) for o in question.options.all()]
            if question.allow_other:
                options.append(("other", _("Other")))
            for value, label in options:
                add(
                    (question.id, "option", value),
                    Column(f"{code}_{value}", question, label, "", _("1=chosen; 0=not chosen")),
                )
        else:
            values = ""
            if question.kind == Kind.LIKERT:
                values = _scale_values(question, language)
            elif question.kind == Kind.SINGLE_CHOICE:
                options = [
                    f"{o.value}={localized(o.label, language)}" for o in question.options.all()
                ]
                if question.allow_other:
                    options.append("other=" + _("Other"))
                values = "; ".join(options)
            add((question.id, None, ""), Column(code, question, values=values))
        if question.allow_other and question.kind in Question.OPTION_KINDS:
            add(
                (question.id, "other"),
                Column(f"{code}_other_text", question, _("Other (text)"), values=_("free text")),
            )
    return _unique_headers(columns), index


def _unique_headers(columns: list[Column]) -> list[Column]:
    """Every header once (compared without case, as SPSS and Excel do): a header already taken,
    by the response columns or an earlier item, gets the first free suffix _2, _3..."""
    taken = {header.lower() for header in RESPONSE_HEADERS}
    unique = []
    for column in columns:
        header, number = column.header, 2
        while header.lower() in taken:
            header, number = f"{column.header}_{number}", number + 1
        taken.add(header.lower())
        unique.append(column if header == column.header else replace(column, header=header))
    return unique


def _questions(survey: Survey) -> list[Question]:
    return list(
        Question.objects.filter(survey=survey)
        .prefetch_related("options", "statements")
        .order_by("page__position", "position", "id")
    )


def published_cells(survey: Survey) -> dict[Cell, tuple[str, str, str]] | None:
    """County, library and role as an anonymous survey's raw export shows them, per cell.

    The cells are put into the blocks of the disclosure rule (at least the minimum group size
    each, surveys/results/disclosure.py); every row then carries only what its whole block shares
    (the library's name but no role, only the county, or nothing), so every combination in the
    file is shared by at least that many rows. None for a confidential survey: kept as they are.
    """
    if not survey.is_anonymous:
        return None
    rows = (
        Response.objects.filter(survey=survey, submitted_at__isnull=False)
        .values("county_id", "county__name", "library_id", "library__name", "role")
        .annotate(n=Count("id"))
        .order_by()
    )
    names, sizes = {}, {}
    for row in rows:
        cell = (row["county_id"], row["library_id"], row["role"] or "")
        sizes[cell] = row["n"]
        names[cell] = (row["county__name"] or "", row["library__name"] or "", row["role"] or "")
    threshold = survey.group_size_threshold
    blocks = partition(sizes, threshold)
    published = {}
    for cells, size in zip(blocks.block_cells, blocks.block_sizes, strict=True):
        shared = [
            len({cell[part] for cell in cells}) == 1 and size >= threshold for part in range(3)
        ]
        # A library only within a county; a role where the block shares it.
        shared[1] = shared[1] and shared[0]
        for cell in cells:
            published[cell] = tuple(
                value if keep else "" for value, keep in zip(names[cell], shared, strict=True)
            )
    return published


def codebook_rows(survey: Survey, language=None) -> Iterator[list]:
    columns, _index = survey_columns(_questions(survey), language)
    yield ["column", "question_code", "question", "type", "item", "dimension", "values"]
    descriptions = {
        "response": _("Number of the response in this export"),
        "county": _("County of the respondent's library"),
        "library": _("Library of the respondent"),
        "role": _("Role of the respondent"),
        "submitted": _("Date the response was submitted"),
    }
    if survey.is_anonymous:
        coarsened = _(
            "Left empty where fewer than %(size)s respondents share the county, library and "
            "role: the row then shows only what at least %(size)s share (for instance the "
            "library without the role), so no row can be picked out."
        ) % {"size": survey.group_size_threshold}
        for header in ("county", "library", "role"):
            descriptions[header] = f"{descriptions[header]}. {coarsened}"
    for header in RESPONSE_HEADERS:
        yield [header, "", descriptions[header], "", "", "", ""]
    for column in columns:
        yield [
            column.header,
            column.question.code,
            localized(column.question.text, language),
            column.question.kind,
            column.statement_label,
            column.dimension,
            column.values,
        ]


# --- raw rows -------------------------------------------------------------------------------

ANSWER_FIELDS = (
    "answers__question_id",
    "answers__statement_id",
    "answers__dimension",
    "answers__number",
    "answers__choice",
    "answers__text",
    "answers__dont_know",
)


def _answer_rows(survey: Survey) -> Iterator[dict]:
    """Every submitted response joined with its answers, read in chunks (never all at once).

    An anonymous survey's responses are ordered by a hash of their id with a secret drawn for
    this export: a new random order each time, the answers of one response still together."""
    responses = Response.objects.filter(survey=survey, submitted_at__isnull=False)
    order = ["id"]
    if survey.is_anonymous:
        salt = secrets.token_hex(16)
        responses = responses.annotate(shuffle=MD5(Concat("id", Value(salt))))
        order = ["shuffle", "id"]
    return (
        responses.values("id", "county_id", "library_id", "role", "submitted_at", *ANSWER_FIELDS)
        .order_by(*order, "answers__id")
        .iterator(chunk_size=CHUNK_SIZE)
    )


def _response_cells(number: int, row: dict, cells: dict[Cell, tuple[str, str, str]]) -> list:
    submitted = row["submitted_at"]
    county, library, role = cells[(row["county_id"], row["library_id"], row["role"] or "")]
    return [number, county, library, role, submitted.date().isoformat() if submitted else ""]


def _row_cells(survey: Survey) -> dict[Cell, tuple[str, str, str]]:
    """The county, library and role each cell is exported with (coarsened when anonymous)."""
    published = published_cells(survey)
    if published is not None:
        return published
    return {
        (row["county_id"], row["library_id"], row["role"] or ""): (
            row["county__name"] or "",
            row["library__name"] or "",
            row["role"] or "",
        )
        for row in Response.objects.filter(survey=survey, submitted_at__isnull=False)
        .values("county_id", "county__name", "library_id", "library__name", "role")
        .distinct()
        .order_by()
    }


def wide_rows(survey: Survey, language=None) -> Iterator[list]:
    """The header and one row per submitted response."""
    questions = _questions(survey)
    columns, index = survey_columns(questions, language)
    multiple: dict[int, list[int]] = {}
    for key, position in index.items():
        if len(key) == 3 and key[1] == "option":
            multiple.setdefault(key[0], []).append(position)
    yield [*RESPONSE_HEADERS, *(c.header for c in columns)]
    published = _row_cells(survey)
    current_id, number, head, cells = None, 0, [], []
    for row in _answer_rows(survey):
        if row["id"] != current_id:
            if current_id is not None:
                yield head + cells
            current_id, number = row["id"], number + 1
            head, cells = _response_cells(number, row, published), [None] * len(columns)
        question_id = row["answers__question_id"]
        if question_id is None:
            continue
        if question_id in multiple:
            for position in multiple[question_id]:
                if cells[position] is None:
                    cells[position] = 0
            position = index.get((question_id, "option", row["answers__choice"]))
            if position is not None:
                cells[position] = 1
        else:
            position = index.get(
                (question_id, row["answers__statement_id"], row["answers__dimension"])
            )
            if position is not None:
                cells[position] = _answer_value(row)
        if row["answers__text"] and (question_id, "other") in index:
            cells[index[(question_id, "other")]] = row["answers__text"]
    if current_id is not None:
        yield head + cells


def _answer_value(row: dict):
    if row["answers__dont_know"]:
        return DONT_KNOW
    if row["answers__number"] is not None:
        return _number(row["answers__number"])
    return row["answers__choice"] or row["answers__text"] or None


def long_rows(survey: Survey) -> Iterator[list]:
    """The header and one row per answer."""
    questions = {q.id: q for q in _questions(survey)}
    statements = {s.id: s.code for q in questions.values() for s in q.statements.all()}
    yield [
        *RESPONSE_HEADERS,
        "question",
        "item",
        "dimension",
        "value",
        "dont_know",
        "text",
    ]
    published = _row_cells(survey)
    current_id, number, head = None, 0, []
    for row in _answer_rows(survey):
        if row["id"] != current_id:
            current_id, number = row["id"], number + 1
            head = _response_cells(number, row, published)
        question = questions.get(row["answers__question_id"])
        if question is None:
            continue
        value = _number(row["answers__number"]) if row["answers__number"] is not None else None
        if value is None:
            value = row["answers__choice"] or None
        yield head + [
            question.code,
            statements.get(row["answers__statement_id"], ""),
            row["answers__dimension"],
            value,
            1 if row["answers__dont_know"] else 0,
            row["answers__text"] or None,
        ]


# --- aggregated tables ----------------------------------------------------------------------


def aggregate_tables(results: SurveyResults) -> dict[str, list[list]]:
    """The figures of a results page as tables (the same suppression as the page)."""
    too_few = _("too few answers")
    questions = [
        [
            "question_code",
            "question",
            "item",
            "n",
            "mean",
            "dont_know",
            "value",
            "label",
            "count",
            "percent",
        ]
    ]
    if results.suppressed:
        questions.append(["", "", "", too_few, "", "", "", "", "", ""])
    else:
        for question_result in results.questions:
            question = question_result.question
            text = question.localized_text
            for item in question_result.items:
                base = [question.code, text, item.label]
                if item.no_answers:
                    continue
                if item.suppressed:
                    questions.append([*base, too_few, "", "", "", "", "", ""])
                    continue
                stats = [item.n, item.mean, item.dont_know]
                if not item.bars:
                    questions.append([*base, *stats, "", "", "", ""])
                for bar in item.bars:
                    questions.append([*base, *stats, bar.value, bar.label, bar.count, bar.percent])
    areas = [["area", "n", "importance", "competence", "gap", "baseline_gap", "change"]]
    for area in results.areas:
        if area.suppressed:
            areas.append([area.area.localized_name, too_few, "", "", "", "", ""])
        else:
            areas.append(
                [
                    area.area.localized_name,
                    area.n,
                    area.importance,
                    area.competence,
                    area.gap,
                    area.baseline_gap,
                    area.change,
                ]
            )
    rates = [["county", "library", "invited", "completed", "submitted", "rate_percent"]]
    for rate in results.response_rates:
        rates.append(
            [rate.county, rate.library, rate.invited, rate.completed, rate.submitted, rate.rate]
        )
    tables = {"questions": questions, "areas": areas, "response_rate": rates}
    if results.heatmap:
        heatmap = [["county", *(a.localized_name for a in results.heatmap_areas)]]
        for row in results.heatmap:
            heatmap.append([row.label, *(too_few if c.suppressed else c.gap for c in row.cells)])
        tables["gap_heatmap"] = heatmap
    return tables


def aggregate_csv_rows(results: SurveyResults) -> Iterator[list]:
    """All aggregate tables in one CSV: a 'table' column names the table of each row."""
    for name, rows in aggregate_tables(results).items():
        header, *body = rows
        yield ["table", *header]
        for row in body:
            yield [name, *row]
        yield []


# --- writers --------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _decimal_comma(value):
    if isinstance(value, float | Decimal):
        return str(value).replace(".", ",")
    return value


def csv_stream(rows: Iterable[list], *, semicolon: bool = False) -> Iterator[str]:
    """CSV text, row by row, with a byte-order mark so spreadsheets read it as UTF-8.

    `semicolon`: separated by semicolons, with decimal commas, as a Norwegian Excel expects."""
    writer = csv.writer(_Echo(), delimiter=";" if semicolon else ",")
    yield "\ufeff"
    for row in rows:
        if semicolon:
            row = [_decimal_comma(value) for value in row]
        yield writer.writerow([csv_cell(v) for v in row])


def xlsx_file(sheets: dict[str, Iterable[list]]):
    """A write-only workbook, one sheet per entry, saved into a temporary file (rewound)."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title=title[:31])
        for row in rows:
            sheet.append([xlsx_cell(value) for value in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the streaming response
    workbook.save(handle)
    handle.seek(0)
    return handle
