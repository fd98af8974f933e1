"""Reading LimeSurvey survey exports (.lss) into a `SurveyStructure`.

An .lss file is an XML `<document>` of table sections, each `<fields>` + `<rows><row>`. Two
layouts exist: from DBVersion ~400 texts sit in `*_l10ns` tables; before that they sit inline in
`groups`, `questions`, `subquestions` and `answers`, one row per language. A NULL column is simply
absent, so every value is read by element name. The file is untrusted: defusedxml's rules (no
document type, no entities) are applied before it is parsed, its size and the number of its
groups, questions, subquestions and answers are capped while it is parsed, and every text is
cleaned to plain text. Markup that was entity-encoded in the file (&amp;lt;b&amp;gt;) becomes
the characters <b> in a plain text: texts are never marked safe, so every page and file shows
them escaped, never as HTML.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter, defaultdict
from xml.etree import ElementTree
from xml.parsers import expat
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden
from defusedxml.common import ExternalReferenceForbidden
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from ..structure import (
    LANGUAGES,
    MAX_PAGES,
    MAX_QUESTIONS,
    MAX_ROWS,
    MAX_SCALE_POINTS,
    SCALE_KINDS,
    VALUE_MAX_LENGTH,
    OptionStructure,
    PageStructure,
    QuestionStructure,
    StatementStructure,
    StructureError,
    SurveyStructure,
    clean_text,
    code_from,
    condition_problem,
    parse_decimal,
)

MAX_FILE_SIZE = 10 * 1024 * 1024
MAX_SUBQUESTIONS = 20_000
MAX_ANSWERS = 20_000
MAX_ROWS_IN_FILE = 100_000  # all tables together (attributes, conditions, settings...)
PARSE_CHUNK = 64 * 1024

# LimeSurvey language codes we keep, and what they become.
LANGUAGE_MAP = {"nb": "nb", "no": "nb", "nn": "nn", "en": "en"}

TEXT_ONLY_SECTIONS = {
    # section: how the report names it (conditions are reported with their questions)
    "quota": gettext_noop("Quotas"),
    "assessments": gettext_noop("Assessments"),
    "defaultvalues": gettext_noop("Default answers"),
    "survey_url_parameters": gettext_noop("URL parameters"),
    "label_sets": gettext_noop("Label sets"),
}


def _fixed_labels(nb: list[str], nn: list[str], en: list[str]) -> dict[str, list[str]]:
    return {"nb": nb, "nn": nn, "en": en}


YES_NO = _fixed_labels(["Ja", "Nei"], ["Ja", "Nei"], ["Yes", "No"])
GENDER = _fixed_labels(["Kvinne", "Mann"], ["Kvinne", "Mann"], ["Female", "Male"])
INCREASE_SAME_DECREASE = _fixed_labels(
    ["Øke", "Det samme", "Minske"], ["Auke", "Det same", "Minke"], ["Increase", "Same", "Decrease"]
)

_SIMPLE_CONDITION = re.compile(
    r"""^([A-Za-z0-9][A-Za-z0-9_]*)(?:\.NAOK)?\s*==\s*(?:"([^"]*)"|'([^']*)'|(-?\d+(?:\.\d+)?))$"""
)
# A question named by LimeSurvey's internal id: Q481 (from the conditions table) or the SGQA
# field name 123456X12X481.
_INTERNAL_ID = re.compile(r"^(?:Q(\d+)|\d+X\d+X(\d+))$")
_MARKUP = re.compile(r"<\s*[a-zA-Z!/?]")
# Question attributes that are read; randomisation is reported on its own; values that mean
# "off" or "as usual" are not worth a line in the report.
USED_ATTRIBUTES = frozenset(
    {
        "min_num_value_n",
        "max_num_value_n",
        "multiflexible_min",
        "multiflexible_max",
        "multiflexible_step",
        "multiflexible_checkbox",
    }
)
RANDOM_ATTRIBUTES = frozenset({"random_order", "random_group"})
DEFAULT_VALUES = frozenset({"", "0", "N", "default", "core", "off", "none"})
DEFAULT_ATTRIBUTE_VALUES = {"fix_height": "200", "time_limit_action": "1"}
# Settings of LimeSurvey's own statistics pages, which no respondent sees.
IGNORED_ATTRIBUTES = frozenset(
    {"statistics_showgraph", "statistics_showmap", "statistics_graphtype", "public_statistics"}
)


def _notes() -> dict[str, str]:
    return {
        "markup": _("Formatting, markup or script was removed: texts here are plain text."),
        "expression": _(
            "The text holds LimeSurvey expressions in {…}; they are shown as plain text."
        ),
    }


def _attribute_names() -> dict[str, str]:
    return {
        "em_validation_q_tip": _("validation tip"),
        "em_validation_q": _("validation rule"),
        "em_validation_sq": _("subquestion validation"),
        "em_validation_sq_tip": _("subquestion validation tip"),
        "cssclass": _("CSS class"),
        "question_template": _("question template"),
        "hidden": _("always hidden"),
        "hide_tip": _("hidden tip"),
        "prefix": _("prefix"),
        "suffix": _("suffix"),
        "min_answers": _("least number of answers"),
        "max_answers": _("largest number of answers"),
        "array_filter": _("array filter"),
        "exclude_all_others": _("exclusive option"),
        "time_limit": _("time limit"),
        "page_break": _("page break"),
    }


_EXPRESSION = re.compile(r"\{[^}\s][^}]*\}")


def _type_names() -> dict[str, str]:
    return {
        "R": _("Ranking"),
        "X": _("Text display"),
        "|": _("File upload"),
        "*": _("Equation"),
        "D": _("Date"),
        "Q": _("Multiple short text"),
        ";": _("Array of texts"),
        "C": _("Array (yes/no/uncertain)"),
        "I": _("Language switch"),
        ":": _("Array of numbers"),
        "K": _("Multiple numerical input"),
    }


def parse_limesurvey(data: bytes) -> SurveyStructure:
    """A structure and its report from the bytes of an .lss file; StructureError when refused."""
    root = _read_document(data)
    return _LssReader(root).structure()


# How much a file may hold, counted while it is parsed (distinct ids, whatever the number of
# languages): a file beyond this is refused at once, before anything is built from it. The
# document is parsed with the standard library's C parser (expat, which bounds entity expansion)
# after `_refuse_declarations` has applied defusedxml's rules.
SECTION_LIMITS = {
    "groups": (("gid",), MAX_PAGES, gettext_noop("question groups (pages)")),
    "questions": (("qid",), MAX_QUESTIONS, gettext_noop("questions")),
    "subquestions": (("qid",), MAX_SUBQUESTIONS, gettext_noop("subquestions")),
    "answers": (("qid", "scale_id", "code"), MAX_ANSWERS, gettext_noop("answer options")),
}
_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"<\x00", b"\x00<")
_DECLARED_ENCODING = re.compile(rb"^(<\?xml[^>]*?encoding\s*=\s*)[\"'][^\"']*[\"']")


def _utf8(data: bytes) -> bytes:
    """The document as UTF-8 bytes starting at its first "<": a UTF-16 file (with or without a
    byte-order mark) is decoded, and whitespace before the XML declaration is dropped."""
    data = data.removeprefix(codecs.BOM_UTF8)
    head = data.lstrip(b" \t\r\n")[:2]
    if data[:2] in _UTF16[:2] or head in _UTF16[2:]:
        encoding = {b"<\x00": "utf-16-le", b"\x00<": "utf-16-be"}.get(head, "utf-16")
        try:
            text = data.lstrip(b" \t\r\n").decode(encoding)
        except UnicodeError:
            raise StructureError(
                _(
                    "The file looks like UTF-16 text but cannot be read as such. Export the "
                    "survey from LimeSurvey again (it writes UTF-8) and upload the new file."
                )
            ) from None
        data = text.lstrip("\ufeff \t\r\n").encode("utf-8")
        data = _DECLARED_ENCODING.sub(rb'\1"UTF-8"', data, count=1)
    return data.lstrip(b" \t\r\n")


def _read_document(data: bytes):
    if not data or not data.strip():
        raise StructureError(_("The file is empty."))
    if len(data) > MAX_FILE_SIZE:
        raise StructureError(_("The file is larger than 10 MB."))
    data = _utf8(data)
    if b"\x00" in data[:4096]:
        raise StructureError(
            _("The file is not a text file. A LimeSurvey export (.lss) is an XML text file.")
        )
    try:
        _refuse_declarations(data)
        root = _parse_within_limits(data)
    except StructureError:
        raise  # a ValueError too, but one that already says why
    except DefusedXmlException:
        raise StructureError(
            _(
                "The file declares a document type or entities, which LimeSurvey exports never "
                "do. It was refused for safety."
            )
        ) from None
    except (ExpatError, ElementTree.ParseError, ValueError, UnicodeError):
        raise StructureError(
            _(
                "The file is not readable XML: it may be damaged or cut short. Export the survey "
                "from LimeSurvey again and upload the new file."
            )
        ) from None
    doc_type = (root.findtext("LimeSurveyDocType") or "").strip()
    version = (root.findtext("DBVersion") or "").strip()
    if root.tag != "document" or not doc_type or not version.isdigit():
        raise StructureError(
            _(
                "This is not a LimeSurvey survey export (.lss). In LimeSurvey, choose Export → "
                "Survey structure (.lss)."
            )
        )
    if doc_type != "Survey":
        raise StructureError(
            _(
                "This is a LimeSurvey export of a %(kind)s, not of a whole survey. Export the "
                "survey structure (.lss) instead."
            )
            % {"kind": doc_type[:40]}
        )
    return root


def _refuse_declarations(data: bytes) -> None:
    """defusedxml's rules (no document type, no entities, nothing external), checked by expat in
    C with handlers only for declarations: a whole 10 MB file is checked in a tenth of a second,
    where defusedxml's pure-Python tree builder needs seconds."""
    parser = expat.ParserCreate()

    def doctype(name, system_id, public_id, _internal):
        raise DTDForbidden(name, system_id, public_id)

    def entity(name, *args):
        raise EntitiesForbidden(name, None, None, None, None, None)

    def external(context, base, system_id, public_id):
        raise ExternalReferenceForbidden(context, base, system_id, public_id)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    parser.ExternalEntityRefHandler = external
    parser.Parse(data, True)


def _parse_within_limits(data: bytes):
    """The document, parsed by the C parser in chunks; the rows are counted as they end (groups,
    questions, subquestions and answers as distinct ids per section, all rows together) and the
    file is refused as soon as one count is over its limit, before anything is built from it."""
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    depth, root, rows = 0, None, 0
    for offset in range(0, len(data), PARSE_CHUNK):
        parser.feed(data[offset : offset + PARSE_CHUNK])
        for event, element in parser.read_events():
            if event == "start":
                depth += 1
                root = element if root is None else root
                continue
            depth -= 1
            if element.tag == "row":
                rows += 1
                if rows > MAX_ROWS_IN_FILE:
                    _refuse_size(MAX_ROWS_IN_FILE, gettext_noop("rows of tables"))
            elif depth == 1 and element.tag in SECTION_LIMITS:
                id_fields, limit, what = SECTION_LIMITS[element.tag]
                ids = {
                    tuple(row.findtext(name) for name in id_fields)
                    for row in element.iterfind("rows/row")
                }
                if len(ids) > limit:
                    _refuse_size(limit, what)
    parser.close()
    return root


def _refuse_size(limit: int, what: str):
    raise StructureError(
        _(
            "The file holds more than %(limit)s %(what)s, more than a survey here may have. It "
            "was refused before anything was built from it."
        )
        % {"limit": limit, "what": _(what)}
    )


def _table(root, name: str) -> list[dict[str, str]]:
    """The rows of one table section, each {column: text}; absent columns are NULL."""
    return [
        {cell.tag: (cell.text or "") for cell in row} for row in root.findall(f"{name}/rows/row")
    ]


def _int(value, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


class _LssReader:
    def __init__(self, root):
        self.root = root
        self.structure_ = SurveyStructure(source="limesurvey")
        self.report = self.structure_.report
        self.taken_codes: set[str] = set()
        # LimeSurvey title (and internal id) → question structure, for conditions
        self.imported: dict[str, QuestionStructure] = {}
        self.imported_by_qid: dict[str, QuestionStructure] = {}
        self.noted: set[tuple[str, str]] = set()
        self.note_texts = _notes()  # translated once: gettext is slow in a loop
        self.subject = ""
        self.unsupported: Counter[str] = Counter()

    # --- languages and texts ---

    def _languages(self) -> None:
        survey = (_table(self.root, "surveys") or [{}])[0]
        codes: list[str] = []
        for code in [
            survey.get("language", ""),
            *survey.get("additional_languages", "").split(),
            *[(e.text or "") for e in self.root.findall("languages/language")],
        ]:
            code = code.strip()
            if code and code not in codes:
                codes.append(code)
        self.base_language = codes[0] if codes else ""
        self.language_map: dict[str, str] = {}
        for code in codes:
            ours = LANGUAGE_MAP.get(code.lower().replace("_", "-").split("-")[0])
            if ours and ours not in self.language_map.values():
                self.language_map[code] = ours
        if not self.language_map and self.base_language:
            self.language_map[self.base_language] = "nb"
            self.report.note(
                _("Language %(code)s") % {"code": self.base_language},
                _(
                    "The survey has no Bokmål, Nynorsk or English text, so its base language "
                    "was imported as Bokmål. Translate the texts before publishing."
                ),
            )
        for code in codes:
            if code not in self.language_map:
                self.report.skip(
                    _("Language %(code)s") % {"code": code},
                    _(
                        "Only Bokmål, Nynorsk and English texts are kept; texts in this language "
                        "were not imported."
                    ),
                )
        ours = set(self.language_map.values())
        self.structure_.languages = [code for code in LANGUAGES if code in ours]

    def texts(self, by_language: dict[str, str], subject: str = "") -> dict[str, str]:
        """Plain texts in our languages; what was lost on the way is noted for `subject` (by
        default the question or page being read)."""
        subject = subject or self.subject
        result = {}
        for code, ours in self.language_map.items():
            raw = by_language.get(code) or ""
            text = clean_text(raw)
            if text:
                result[ours] = text
            if _MARKUP.search(raw):
                self.note_once(subject, "markup")
            if _EXPRESSION.search(raw):
                self.note_once(subject, "expression")
        return result

    def note_once(self, subject: str, reason: str) -> None:
        """Note a reason (or one of NOTES by its key) once for a subject."""
        if (subject, reason) not in self.noted:
            self.noted.add((subject, reason))
            self.report.note(subject, self.note_texts.get(reason, reason))

    def code(self, wanted: str, taken: set[str], fallback: str = "q") -> str:
        """A unique code from the file's; a code that had to change is noted."""
        code = code_from(wanted, taken, fallback)
        if code != wanted:
            self.note_once(
                self.subject,
                _(
                    "The code %(old)s became %(new)s: codes here are unique and have at most 40 "
                    "letters, digits, - and _."
                )
                % {"old": wanted or "''", "new": code},
            )
        return code

    def _first_language(self) -> str:
        return self.structure_.languages[0] if self.structure_.languages else "nb"

    def _fixed(self, labels: dict[str, list[str]]) -> dict[str, list[str]]:
        return {code: labels[code] for code in self.structure_.languages}

    # --- reading the tables ---

    def _load(self) -> None:
        root = self.root
        has_group_l10ns = root.find("group_l10ns") is not None
        has_question_l10ns = root.find("question_l10ns") is not None
        has_answer_l10ns = root.find("answer_l10ns") is not None

        self.groups: dict[str, dict] = {}
        for row in _table(root, "groups"):
            group = self.groups.setdefault(
                row.get("gid", ""),
                {"row": row, "name": {}, "description": {}},
            )
            if not has_group_l10ns and row.get("language"):
                group["name"][row["language"]] = row.get("group_name", "")
                group["description"][row["language"]] = row.get("description", "")
        if has_group_l10ns:
            for row in _table(root, "group_l10ns"):
                group = self.groups.get(row.get("gid", ""))
                if group is not None:
                    group["name"][row.get("language", "")] = row.get("group_name", "")
                    group["description"][row.get("language", "")] = row.get("description", "")

        self.questions: dict[str, dict] = {}
        for row in _table(root, "questions") + _table(root, "subquestions"):
            question = self.questions.setdefault(
                row.get("qid", ""), {"row": row, "text": {}, "help": {}}
            )
            if row.get("language") == self.base_language:
                question["row"] = row
            if not has_question_l10ns and row.get("language"):
                question["text"][row["language"]] = row.get("question", "")
                question["help"][row["language"]] = row.get("help", "")
        if has_question_l10ns:
            for row in _table(root, "question_l10ns"):
                question = self.questions.get(row.get("qid", ""))
                if question is not None:
                    question["text"][row.get("language", "")] = row.get("question", "")
                    question["help"][row.get("language", "")] = row.get("help", "")

        # answers per question and scale: {qid: {scale: {key: {"code", "order", "text"}}}}
        self.answers: dict[str, dict[int, dict]] = defaultdict(lambda: defaultdict(dict))
        by_aid: dict[str, dict] = {}
        self.duplicate_answers: dict[str, set[str]] = defaultdict(set)
        for row in _table(root, "answers"):
            key = row.get("aid") or row.get("code", "")
            answer = self.answers[row.get("qid", "")][_int(row.get("scale_id"))].setdefault(
                key,
                {"code": row.get("code", ""), "order": _int(row.get("sortorder")), "text": {}},
            )
            if row.get("aid"):
                by_aid[row["aid"]] = answer
            if row.get("language") in answer["text"]:  # the same code twice: the first counts
                self.duplicate_answers[row.get("qid", "")].add(row.get("code", ""))
            elif row.get("language"):
                answer["text"][row["language"]] = row.get("answer", "")
        if has_answer_l10ns:
            for row in _table(root, "answer_l10ns"):
                answer = by_aid.get(row.get("aid", ""))
                if answer is not None:
                    answer["text"][row.get("language", "")] = row.get("answer", "")

        self.attributes: dict[str, dict[str, str]] = defaultdict(dict)
        for row in _table(root, "question_attributes"):
            if not row.get("language") or row.get("language") == self.base_language:
                self.attributes[row.get("qid", "")][row.get("attribute", "")] = row.get("value", "")

        # The questions of each group, found in one pass.
        self.by_group: dict[str, list[dict]] = defaultdict(list)
        for question in self.questions.values():
            if _int(question["row"].get("parent_qid")) == 0:
                self.by_group[question["row"].get("gid", "")].append(question)
        self.conditions: dict[str, list[dict]] = defaultdict(list)
        for row in _table(root, "conditions"):
            self.conditions[row.get("qid", "")].append(row)

    def _children(self, qid: str, scale: int = 0) -> list[dict]:
        if not hasattr(self, "_children_index"):
            self._children_index: dict[tuple[str, int], list[dict]] = defaultdict(list)
            for q in self.questions.values():
                key = (q["row"].get("parent_qid", ""), _int(q["row"].get("scale_id")))
                self._children_index[key].append(q)
        children = self._children_index.get((qid, scale), [])
        return sorted(
            children,
            key=lambda q: (_int(q["row"].get("question_order")), _int(q["row"].get("qid"))),
        )

    def _answers(self, qid: str, scale: int = 0) -> list[dict]:
        return sorted(self.answers.get(qid, {}).get(scale, {}).values(), key=lambda a: a["order"])

    # --- the survey ---

    def structure(self) -> SurveyStructure:
        self._languages()
        self._load()
        structure = self.structure_
        settings = {
            row.get("surveyls_language", ""): row
            for row in _table(self.root, "surveys_languagesettings")
        }
        subject = _("The survey")
        structure.title = self.texts(
            {k: v.get("surveyls_title", "") for k, v in settings.items()}, subject
        )
        description = self.texts(
            {k: v.get("surveyls_description", "") for k, v in settings.items()}, subject
        )
        welcome = self.texts(
            {k: v.get("surveyls_welcometext", "") for k, v in settings.items()}, subject
        )
        structure.intro = {
            code: "\n\n".join(t for t in (description.get(code), welcome.get(code)) if t)
            for code in LANGUAGES
            if description.get(code) or welcome.get(code)
        }
        if not structure.title:
            structure.title = {self._first_language(): _("Imported survey")}
        for gid, group in sorted(
            self.groups.items(),
            key=lambda item: (_int(item[1]["row"].get("group_order")), _int(item[0])),
        ):
            self._page(gid, group)
        for section, name in TEXT_ONLY_SECTIONS.items():
            rows = _table(self.root, section)
            if rows:
                names = [clean_text(r.get("name")) for r in rows if r.get("name")]
                reason = ngettext(
                    "%(n)s not imported: the portal has no counterpart.",
                    "%(n)s not imported: the portal has no counterpart.",
                    len(rows),
                ) % {"n": len(rows)}
                if names:
                    reason += " (" + ", ".join(names[:10]) + ")"
                self.report.skip(_(name), reason)
        if not structure.pages and self.unsupported:
            raise StructureError(
                _(
                    "Nothing in the file could be imported: its questions are of types that have "
                    "no counterpart here (%(types)s)."
                )
                % {
                    "types": ", ".join(
                        f"{name} ×{count}" if count > 1 else name
                        for name, count in self.unsupported.most_common()
                    )
                }
            )
        return structure

    def _page(self, gid: str, group: dict) -> None:
        self.subject, first_note = f"#{gid}", len(self.report.notes)
        page = PageStructure(
            title=self.texts(group["name"]), intro=self.texts(group["description"])
        )
        questions = sorted(
            self.by_group.get(gid, []),
            key=lambda q: (_int(q["row"].get("question_order")), _int(q["row"].get("qid"))),
        )
        group_name = page.title.get(self._first_language()) or gid
        where = _("Page %(name)s") % {"name": group_name}
        for item in self.report.notes[first_note:]:  # made before the page's title was known
            item.subject = where
        condition = self._condition(group["row"].get("grelevance", ""), where)
        if condition:
            page.condition_question, page.condition_value = condition
        if (group["row"].get("randomization_group") or "").strip():
            self.report.note(
                where, _("The random order of the pages was dropped: pages keep the file's order.")
            )
        for question in questions:
            built = self._question(question)
            for imported in built:
                page.questions.append(imported)
                self.imported[question["row"].get("title", "")] = imported
            if built:
                self.imported_by_qid[question["row"].get("qid", "")] = built[0]
        if page.questions:
            self.structure_.pages.append(page)
        else:
            self.report.skip(
                _("Page %(name)s") % {"name": group_name},
                _("No question on this page could be imported, so the page was left out."),
            )

    # --- conditions ---

    def _condition(self, expression: str, where: str) -> tuple[str, str] | None:
        expression = (expression or "").strip()
        while expression.startswith("(") and expression.endswith(")"):
            expression = expression[1:-1].strip()
        if expression in ("", "1", "true"):
            return None
        match = _SIMPLE_CONDITION.match(expression)
        target = self.imported.get(match.group(1)) if match else None
        internal = _INTERNAL_ID.match(match.group(1)) if match and target is None else None
        if internal:
            target = self.imported_by_qid.get(internal.group(1) or internal.group(2))
        value = ""
        if match:
            value = next(g for g in match.groups()[1:] if g is not None)
        # The structure's rule for conditions (what the builder enforces too) decides what is kept.
        if target is None or condition_problem(target, value) is not None:
            self.report.skip(
                where,
                _(
                    "Condition not imported: %(expression)s. Only conditions like "
                    'Q1 == "A1" on an earlier choice question are kept; set it again '
                    "in the builder."
                )
                % {"expression": expression[:200]},
            )
            return None
        return target.code, value

    # --- questions ---

    def _question(self, question: dict) -> list[QuestionStructure]:
        row = question["row"]
        qid, kind, title = row.get("qid", ""), row.get("type", ""), row.get("title", "")
        subject = title or qid
        handlers = {
            "L": self._single_choice,
            "!": self._single_choice,
            "O": self._single_choice,
            "M": self._multiple_choice,
            "P": self._multiple_choice,
            "F": self._array,
            "H": self._array,
            "A": self._array,
            "B": self._array,
            "E": self._array,
            "1": self._dual_scale,
            "5": self._five_point,
            "S": self._text,
            "T": self._text,
            "U": self._text,
            "N": self._number,
            "K": self._multiple_numerical,
            ":": self._array_numbers,
            "Y": self._yes_no,
            "G": self._gender,
        }
        self.subject = subject
        handler = handlers.get(kind)
        if handler is None:
            name = _type_names().get(kind, kind)
            self.unsupported[f"{name} ({kind})"] += 1
            self.report.skip(
                subject,
                _("Question type %(name)s (%(type)s) has no counterpart here and was not imported.")
                % {"name": name, "type": kind},
            )
            return []
        built = handler(question, subject)
        if built and built[0].kind in SCALE_KINDS:
            points = built[0].scale_max - built[0].scale_min + 1
            if points > MAX_SCALE_POINTS:
                self.report.skip(
                    subject,
                    _("Not imported: its scale has %(n)s points; a scale here has at most %(max)s.")
                    % {"n": points, "max": MAX_SCALE_POINTS},
                )
                return []
        if not built:
            return []
        first = built[0]
        condition = self._condition(self._relevance(row), subject)
        if condition:
            for imported in built:
                imported.condition_question, imported.condition_value = condition
        self._note_attributes(qid, subject)
        for code in sorted(self.duplicate_answers.get(qid, ())):
            self.report.note(
                subject,
                _("The option %(value)s is in the file twice; the first one was kept.")
                % {"value": code[:40]},
            )
        if row.get("preg"):
            self.report.note(subject, _("The answer validation pattern was not imported."))
        if not first.text:
            for imported in built:
                imported.text = {self._first_language(): imported.code}
            self.report.note(subject, _("The question has no text; its code is used as text."))
        return built

    def _relevance(self, row: dict) -> str:
        """The question's relevance equation, or one written from the (older) conditions table,
        where one condition on another question reads Q<its id>.NAOK == "value"."""
        relevance = (row.get("relevance") or "").strip()
        conditions = self.conditions.get(row.get("qid", ""), [])
        if relevance not in ("", "1") or not conditions:
            return relevance
        if len(conditions) == 1 and conditions[0].get("method", "==") == "==":
            condition = conditions[0]
            return f'Q{condition.get("cqid", "")}.NAOK == "{condition.get("value", "")}"'
        return " and ".join(
            f'Q{c.get("cqid", "")} {c.get("method", "")} "{c.get("value", "")}"' for c in conditions
        )

    def _note_attributes(self, qid: str, subject: str) -> None:
        """Report the question's settings that have no counterpart here, by name."""
        attributes = self.attributes.get(qid, {})
        if (attributes.get("random_order") or "0") not in DEFAULT_VALUES or (
            attributes.get("random_group") or ""
        ).strip():
            self.report.note(
                subject,
                _("Random order was dropped: options and statements keep the file's order."),
            )
        dropped = [
            name
            for name, value in attributes.items()
            if name not in USED_ATTRIBUTES | RANDOM_ATTRIBUTES | IGNORED_ATTRIBUTES
            and (value or "").strip() not in DEFAULT_VALUES
            and DEFAULT_ATTRIBUTE_VALUES.get(name) != (value or "").strip()
        ]
        if dropped:
            names = _attribute_names()
            self.report.note(
                subject,
                _("Settings not imported: %(names)s.")
                % {"names": ", ".join(sorted(names.get(name, name) for name in dropped))},
            )

    def _base(self, question: dict, kind: str, code: str | None = None) -> QuestionStructure:
        row = question["row"]
        return QuestionStructure(
            code=self.code(code or row.get("title", ""), self.taken_codes),
            kind=kind,
            text=self.texts(question["text"]),
            help_text=self.texts(question["help"]),
            required=row.get("mandatory") == "Y",
        )

    def _options_from(self, items: list[tuple[str, dict]], subject: str) -> list[OptionStructure]:
        options, seen = [], set()
        for value, texts in items[:MAX_ROWS]:
            cleaned = clean_text(value)[:VALUE_MAX_LENGTH]
            if not cleaned or cleaned in seen:
                self.note_once(
                    subject,
                    _("The option %(value)s was left out: its code is empty or used twice.")
                    % {"value": value[:40] or "''"},
                )
                continue
            if cleaned != value:
                self.note_once(
                    subject,
                    _("The option code %(old)s became %(new)s.")
                    % {"old": value[:40], "new": cleaned[:40]},
                )
            value = cleaned
            seen.add(value)
            options.append(
                OptionStructure(
                    value=value, label=self.texts(texts) or {self._first_language(): value}
                )
            )
        if len(items) > MAX_ROWS:
            self.report.note(
                subject, _("Only the first %(n)s options were imported.") % {"n": MAX_ROWS}
            )
        return options

    def _statements_from(self, children: list[dict], subject: str) -> list[StatementStructure]:
        statements, seen = [], set()
        for child in children[:MAX_ROWS]:
            code = self.code(child["row"].get("title", ""), seen, fallback="sq")
            statements.append(
                StatementStructure(
                    code=code, text=self.texts(child["text"]) or {self._first_language(): code}
                )
            )
        if len(children) > MAX_ROWS:
            self.report.note(
                subject, _("Only the first %(n)s statements were imported.") % {"n": MAX_ROWS}
            )
        return statements

    def _no_rows(self, subject: str, what: str) -> list:
        self.report.skip(subject, _("Not imported: the question has no %(what)s.") % {"what": what})
        return []

    def _single_choice(self, question, subject):
        answers = self._answers(question["row"].get("qid", ""))
        options = self._options_from([(a["code"], a["text"]) for a in answers], subject)
        if not options:
            return self._no_rows(subject, _("answer options"))
        imported = self._base(question, "single_choice")
        imported.options = options
        imported.allow_other = question["row"].get("other") == "Y"
        if question["row"].get("type") == "O":
            self.report.note(subject, _("The comment field of this list was not imported."))
        return [imported]

    def _multiple_choice(self, question, subject):
        children = self._children(question["row"].get("qid", ""))
        options = self._options_from(
            [(c["row"].get("title", ""), c["text"]) for c in children], subject
        )
        if not options:
            return self._no_rows(subject, _("answer options"))
        imported = self._base(question, "multiple_choice")
        imported.options = options
        imported.allow_other = question["row"].get("other") == "Y"
        if question["row"].get("type") == "P":
            self.report.note(subject, _("The comment fields of this question were not imported."))
        return [imported]

    def _scale_labels(self, answers: list[dict]) -> dict[str, list[str]]:
        labels: dict[str, list[str]] = {}
        for code, ours in self.language_map.items():
            values = [clean_text(a["text"].get(code)) for a in answers]
            if any(values):
                labels[ours] = values
        return labels

    def _array(self, question, subject):
        row = question["row"]
        statements = self._statements_from(self._children(row.get("qid", "")), subject)
        if not statements:
            return self._no_rows(subject, _("subquestions"))
        imported = self._base(question, "matrix")
        imported.statements = statements
        kind = row.get("type")
        if kind == "A":
            imported.scale_min, imported.scale_max = 1, 5
        elif kind == "B":
            imported.scale_min, imported.scale_max = 1, 10
        elif kind == "E":
            imported.scale_min, imported.scale_max = 1, 3
            imported.scale_labels = self._fixed(INCREASE_SAME_DECREASE)
        else:  # F and H: the answers are the scale points, in their order
            answers = self._answers(row.get("qid", ""))
            if len(answers) < 2:
                return self._no_rows(subject, _("scale with at least two answers"))
            imported.scale_min, imported.scale_max = 1, len(answers)
            imported.scale_labels = self._scale_labels(answers)
            self._note_codes(subject, answers)
            if kind == "H":
                self.report.note(
                    subject, _("An array by column is shown with the statements as rows.")
                )
        return [imported]

    def _note_codes(self, subject: str, answers: list[dict]) -> None:
        codes = [a["code"] for a in answers]
        if codes != [str(n) for n in range(1, len(codes) + 1)]:
            self.report.note(
                subject,
                _("The answer codes %(codes)s are stored as the points 1 to %(n)s.")
                % {"codes": ", ".join(codes[:12]), "n": len(codes)},
            )

    def _dual_scale(self, question, subject):
        """Importance on scale 0, competence on scale 1: the competence pair."""
        row = question["row"]
        qid = row.get("qid", "")
        statements = self._statements_from(self._children(qid), subject)
        if not statements:
            return self._no_rows(subject, _("subquestions"))
        importance, competence = self._answers(qid, 0), self._answers(qid, 1)
        points = max(len(importance), len(competence))
        if points < 2:
            return self._no_rows(subject, _("scale with at least two answers"))
        imported = self._base(question, "competence_pair")
        imported.statements = statements
        imported.scale_min, imported.scale_max = 1, points
        imported.scale_labels = self._scale_labels(importance or competence)
        self._note_codes(subject, importance or competence)
        if len(importance) != len(competence):
            self.report.note(
                subject,
                _(
                    "The two scales had %(a)s and %(b)s answers; both dimensions now use %(n)s "
                    "points."
                )
                % {"a": len(importance), "b": len(competence), "n": points},
            )
        competence_labels = self._scale_labels(competence)
        if competence and competence_labels != imported.scale_labels:
            shown = competence_labels.get(self._first_language()) or []
            self.report.note(
                subject,
                _(
                    "Scale 1 became “importance” and scale 2 “competence”. Both are rated on "
                    "one scale here, so the labels of scale 1 are used; the labels of scale 2 "
                    "(%(labels)s) were not imported."
                )
                % {"labels": ", ".join(shown)},
            )
        return [imported]

    def _five_point(self, question, subject):
        imported = self._base(question, "likert")
        imported.scale_min, imported.scale_max = 1, 5
        return [imported]

    def _text(self, question, subject):
        kind = "short_text" if question["row"].get("type") == "S" else "long_text"
        return [self._base(question, kind)]

    def _number_bounds(self, imported: QuestionStructure, qid: str, subject: str) -> None:
        attributes = self.attributes.get(qid, {})
        for attribute, target in (
            ("min_num_value_n", "number_min"),
            ("max_num_value_n", "number_max"),
        ):
            raw = (attributes.get(attribute) or "").strip()
            if not raw:
                continue
            number = parse_decimal(raw)
            if number is None:
                self.report.note(
                    subject,
                    _("The limit %(value)s is not a plain number and was not imported.")
                    % {"value": raw[:60]},
                )
            else:
                setattr(imported, target, str(number))
        if (
            imported.number_min is not None
            and imported.number_max is not None
            and parse_decimal(imported.number_min) > parse_decimal(imported.number_max)
        ):
            imported.number_min = imported.number_max = None
            self.report.note(
                subject, _("The number limits contradict each other and were dropped.")
            )

    def _number(self, question, subject):
        imported = self._base(question, "number")
        self._number_bounds(imported, question["row"].get("qid", ""), subject)
        return [imported]

    def _multiple_numerical(self, question, subject):
        row = question["row"]
        children = self._children(row.get("qid", ""))
        if not children:
            return self._no_rows(subject, _("subquestions"))
        built = []
        for child in children[:MAX_ROWS]:
            imported = self._base(
                question, "number", code=f"{row.get('title', '')}_{child['row'].get('title', '')}"
            )
            child_texts = self.texts(child["text"])
            imported.text = {
                language: " – ".join(t for t in (text, child_texts.get(language, "")) if t)
                for language, text in (imported.text or child_texts).items()
            }
            self._number_bounds(imported, row.get("qid", ""), subject)
            built.append(imported)
        self.report.note(
            subject,
            ngettext(
                "Split into %(n)s number question, one per subquestion.",
                "Split into %(n)s number questions, one per subquestion.",
                len(built),
            )
            % {"n": len(built)},
        )
        return built

    def _array_numbers(self, question, subject):
        row = question["row"]
        qid = row.get("qid", "")
        attributes = self.attributes.get(qid, {})
        columns = self._children(qid, 1)
        reason = None
        low = _int(attributes.get("multiflexible_min") or 1, default=None)
        high = _int(attributes.get("multiflexible_max") or 10, default=None)
        step = _int(attributes.get("multiflexible_step") or 1, default=None)
        if attributes.get("multiflexible_checkbox") == "1":
            reason = _("it is a grid of check boxes, not a scale")
        elif len(columns) > 1:
            reason = _("it has %(n)s columns, and a matrix here rates each statement once") % {
                "n": len(columns)
            }
        elif low is None or high is None or step != 1 or not (low < high < low + MAX_SCALE_POINTS):
            reason = _("its number range is not a simple scale")
        if reason:
            self.report.skip(
                subject,
                _("Array of numbers not imported: %(reason)s.") % {"reason": reason},
            )
            return []
        statements = self._statements_from(self._children(qid, 0), subject)
        if not statements:
            return self._no_rows(subject, _("subquestions"))
        imported = self._base(question, "matrix")
        imported.statements = statements
        imported.scale_min, imported.scale_max = low, high
        return [imported]

    def _fixed_choice(self, question, values: list[str], labels: dict[str, list[str]]):
        imported = self._base(question, "single_choice")
        imported.options = [
            OptionStructure(
                value=value,
                label={language: texts[i] for language, texts in self._fixed(labels).items()},
            )
            for i, value in enumerate(values)
        ]
        return [imported]

    def _yes_no(self, question, subject):
        return self._fixed_choice(question, ["Y", "N"], YES_NO)

    def _gender(self, question, subject):
        return self._fixed_choice(question, ["F", "M"], GENDER)
