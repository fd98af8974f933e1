"""Survey results in the API: the figures of the results page, from surveys.results, as JSON
or as CSV (one figure a row, written from the JSON: the same figures, nothing more).

Nothing is computed here. `survey_results` applies the disclosure rule (minimum group size, the
subtraction check, the person's counties and libraries); this module only writes its answer out,
leaving a suppressed figure empty (null) and free-text answers out altogether.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from portal.models import RoleAssignment
from surveys.results.selectors import ResultFilters, SurveyResults, register_results_form

OPEN_LINK = "open_link"  # answers given through the open link have no role


class ResultQuerySerializer(serializers.Serializer):
    county = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    library = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    role = serializers.ChoiceField(
        required=False, choices=[*RoleAssignment.Role.choices, (OPEN_LINK, "open link")]
    )

    def filters(self) -> ResultFilters:
        data = self.validated_data
        role = data.get("role")
        return ResultFilters(
            county_id=data.get("county"),
            library_id=data.get("library"),
            role="" if role == OPEN_LINK else role,
        )

    @staticmethod
    def refused_filters(asked: ResultFilters, applied: ResultFilters) -> dict:
        """The filters the person may not use (survey_results drops them): named, not ignored."""
        refused = {}
        if asked.county_id is not None and applied.county_id != asked.county_id:
            refused["county"] = [_("You see no figures for this county in this survey.")]
        if asked.library_id is not None and applied.library_id != asked.library_id:
            refused["library"] = [_("You see no figures for this library in this survey.")]
        return refused


class BarSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)
    percent = serializers.FloatField()


class ItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    n = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    mean = serializers.FloatField(allow_null=True)
    dont_know = serializers.IntegerField(allow_null=True)
    bars = BarSerializer(many=True)


class QuestionFiguresSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    code = serializers.CharField()
    items = ItemSerializer(many=True)


class AreaFiguresSerializer(serializers.Serializer):
    area = serializers.IntegerField()
    code = serializers.CharField()
    n = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    importance = serializers.FloatField(allow_null=True)
    competence = serializers.FloatField(allow_null=True)
    gap = serializers.FloatField(allow_null=True)
    baseline_gap = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    programme_gap = serializers.FloatField(allow_null=True)


class HeatCellSerializer(serializers.Serializer):
    area = serializers.IntegerField()
    n = serializers.IntegerField(allow_null=True)
    gap = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField()


class HeatRowSerializer(serializers.Serializer):
    county = serializers.IntegerField()
    cells = HeatCellSerializer(many=True)


class ResponseRateSerializer(serializers.Serializer):
    county = serializers.CharField()
    library = serializers.CharField()
    invited = serializers.IntegerField()
    completed = serializers.IntegerField()
    submitted = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)


class AppliedFiltersSerializer(serializers.Serializer):
    county = serializers.IntegerField(allow_null=True)
    library = serializers.IntegerField(allow_null=True)
    role = serializers.CharField(allow_null=True)


class SurveyResultsSerializer(serializers.Serializer):
    survey = serializers.IntegerField()
    min_group_size = serializers.IntegerField()
    n = serializers.IntegerField(allow_null=True)
    suppressed = serializers.BooleanField()
    by_difference = serializers.BooleanField()
    from_snapshot = serializers.BooleanField()
    unavailable = serializers.BooleanField()
    as_of = serializers.DateTimeField(allow_null=True)
    filters = AppliedFiltersSerializer()
    questions = QuestionFiguresSerializer(many=True)
    areas = AreaFiguresSerializer(many=True)
    gap_heatmap = HeatRowSerializer(many=True)
    response_rates = ResponseRateSerializer(many=True)


def _item(item) -> dict:
    hidden = item.suppressed
    return {
        "key": item.key,
        "label": item.label,
        "n": None if hidden else item.n,
        "suppressed": item.suppressed,
        "mean": None if hidden else item.mean,
        "dont_know": None if hidden else item.dont_know,
        "bars": [] if hidden else [vars(bar) for bar in item.bars],
    }


def _area(area) -> dict:
    figures = ("n", "importance", "competence", "gap", "baseline_gap", "change", "programme_gap")
    return {
        "area": area.area.id,
        "code": area.area.code,
        "suppressed": area.suppressed,
        **{name: None if area.suppressed else getattr(area, name) for name in figures},
    }


# What `results_data` forms, kept for each state of the sums (`survey_results_kept`): raise the
# number when what it writes changes, so that nothing kept by the code before is served.
RESULTS_DATA = "api-results:1"


def results_data(results: SurveyResults) -> dict:
    """The results as the API writes them (see SurveyResultsSerializer)."""
    role = results.filters.role
    questions = []
    if not results.suppressed:
        questions = [
            {
                "question": q.question.id,
                "code": q.question.code,
                "items": [_item(item) for item in q.items if not item.no_answers],
            }
            for q in results.questions
        ]
    heatmap = (
        [
            {
                "county": county.id,
                "cells": [
                    {"area": area.id, "n": cell.n, "gap": cell.gap, "suppressed": cell.suppressed}
                    for area, cell in zip(results.heatmap_areas, row.cells, strict=True)
                ],
            }
            for county, row in zip(results.counties, results.heatmap, strict=True)
        ]
        if results.heatmap
        else []
    )  # only for someone who sees the whole survey
    return {
        "survey": results.survey.id,
        "min_group_size": results.min_group_size,
        "n": None if results.suppressed else results.n,
        "suppressed": results.suppressed,
        "by_difference": results.by_difference,
        "from_snapshot": results.from_snapshot,
        "unavailable": results.unavailable,
        "as_of": results.as_of,
        "filters": {
            "county": results.filters.county_id,
            "library": results.filters.library_id,
            "role": OPEN_LINK if role == "" else role,
        },
        "questions": questions,
        "areas": [_area(area) for area in results.areas],
        "gap_heatmap": heatmap,
        "response_rates": [
            {
                "county": r.county,
                "library": r.library,
                "invited": r.invited,
                "completed": r.completed,
                "submitted": r.submitted,
                "rate": r.rate,
            }
            for r in results.response_rates
        ],
    }


class ResultRowSerializer(serializers.Serializer):
    """One figure of the results a row ("long" form, as Power BI and pivot tables like it):
    `section` says what it describes, `measure` which figure it is; a figure held back by the
    minimum group size has `suppressed` true and no value."""

    section = serializers.ChoiceField(
        choices=["survey", "question", "area", "gap_heatmap", "response_rate"]
    )
    question = serializers.IntegerField(allow_null=True)
    code = serializers.CharField(allow_blank=True)
    item = serializers.CharField(allow_blank=True)
    item_label = serializers.CharField(allow_blank=True)
    option = serializers.CharField(allow_blank=True)
    option_label = serializers.CharField(allow_blank=True)
    area = serializers.IntegerField(allow_null=True)
    county = serializers.IntegerField(allow_null=True)
    county_name = serializers.CharField(allow_blank=True)
    library_name = serializers.CharField(allow_blank=True)
    measure = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    suppressed = serializers.BooleanField()


ROW = dict.fromkeys(ResultRowSerializer().fields, "")


def _rows(section: str, measures, source: dict, *, suppressed: bool = False, **where) -> list:
    return [
        {
            **ROW,
            "question": None,
            "area": None,
            "county": None,
            **where,
            "section": section,
            "measure": measure,
            "value": None if suppressed else source[measure],
            "suppressed": suppressed,
        }
        for measure in measures
    ]


def result_rows(data: dict) -> list[dict]:
    """`results_data`'s figures as rows (see ResultRowSerializer)."""
    rows = _rows("survey", ["n"], data, suppressed=data["suppressed"])
    for question in data["questions"]:
        for item in question["items"]:
            where = {
                "question": question["question"],
                "code": question["code"],
                "item": item["key"],
                "item_label": item["label"],
            }
            hidden = item["suppressed"]
            rows += _rows("question", ["n", "mean", "dont_know"], item, suppressed=hidden, **where)
            for bar in item["bars"]:
                option = {"option": bar["value"], "option_label": bar["label"]}
                rows += _rows("question", ["count", "percent"], bar, **where, **option)
    figures = ["n", "importance", "competence", "gap", "baseline_gap", "change", "programme_gap"]
    for area in data["areas"]:
        where = {"area": area["area"], "code": area["code"]}
        rows += _rows("area", figures, area, suppressed=area["suppressed"], **where)
    for row in data["gap_heatmap"]:
        for cell in row["cells"]:
            where = {"county": row["county"], "area": cell["area"]}
            hidden = cell["suppressed"]
            rows += _rows("gap_heatmap", ["n", "gap"], cell, suppressed=hidden, **where)
    for rate in data["response_rates"]:
        where = {"county_name": rate["county"], "library_name": rate["library"]}
        measures = ["invited", "completed", "submitted", "rate"]
        rows += _rows("response_rate", measures, rate, **where)
    return rows


register_results_form(RESULTS_DATA, results_data)
