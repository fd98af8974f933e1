"""Survey structures in and out: LimeSurvey exports (.lss) and the portal's own JSON.

Public functions (import them from here):
- `parse_limesurvey(data) -> SurveyStructure` and `parse_portal_json(data) -> SurveyStructure`
  (StructureError with a message for people when a file is refused);
- `structure_from_file(filename=, data=)` picks the parser;
- `survey_import_structure(programme=, county=, created_by=, structure=) -> ImportResult`
  (.survey, .report) and `survey_import_file(..., filename=, data=)`: a new draft, all or nothing;
- `survey_structure(survey) -> SurveyStructure`, `survey_export_structure(survey) -> dict`.
"""

from ..structure import (
    ImportReport,
    OptionStructure,
    PageStructure,
    QuestionStructure,
    ReportItem,
    StatementStructure,
    StructureError,
    SurveyStructure,
    clean_text,
)
from .limesurvey import parse_limesurvey
from .portal_json import FORMAT, VERSION, parse_portal_json, structure_from_dict, structure_to_dict
from .services import (
    ImportResult,
    structure_from_file,
    survey_export_structure,
    survey_import_file,
    survey_import_structure,
    survey_structure,
)

__all__ = [
    "FORMAT",
    "VERSION",
    "ImportReport",
    "ImportResult",
    "OptionStructure",
    "PageStructure",
    "QuestionStructure",
    "ReportItem",
    "StatementStructure",
    "StructureError",
    "SurveyStructure",
    "clean_text",
    "parse_limesurvey",
    "parse_portal_json",
    "structure_from_dict",
    "structure_from_file",
    "structure_to_dict",
    "survey_export_structure",
    "survey_import_file",
    "survey_import_structure",
    "survey_structure",
]
