"""The dashboard's key figures per county in the API: the cards at the top of the programme's
dashboard, from `portal.dashboard.dashboard_cards` (the panels as the dashboard has them,
from the same cache: a warm dashboard makes warm key figures and the other way round).

Nothing is computed here: the panels decide the figures, their scope (a coordinator's counties,
or every county for the project leader) and what the disclosure rule holds back ("too few
answers"). Every figure any panel puts on a card appears, under its stable `key`.
"""

from __future__ import annotations

from rest_framework import serializers

from portal.dashboard import CountyCard, KeyFigure


class SubFigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()  # as the dashboard prints it
    share = serializers.FloatField(allow_null=True)  # 0 to 1, where the figure is a share


class KeyFigureSerializer(SubFigureSerializer):
    items = SubFigureSerializer(many=True)


class CountyFiguresSerializer(serializers.Serializer):
    county = serializers.IntegerField()
    county_number = serializers.CharField()
    county_name = serializers.CharField()
    figures = KeyFigureSerializer(many=True)


class KeyFigureRowSerializer(serializers.Serializer):
    """One row of the CSV: a figure, or one item of a figure (its key "parent.n")."""

    county = serializers.IntegerField()
    county_number = serializers.CharField()
    county_name = serializers.CharField()
    key = serializers.CharField()
    label = serializers.CharField()
    value = serializers.CharField()
    share = serializers.FloatField(allow_null=True)


def _figure(figure: KeyFigure) -> dict:
    return {
        "key": figure.key,
        "label": str(figure.label),
        "value": str(figure.value),
        "share": figure.share,
    }


def key_figures_data(cards: list[CountyCard]) -> list[dict]:
    """Per county the person sees, its card's figures in the card's order."""
    return [
        {
            "county": card.county.pk,
            "county_number": card.county.number,
            "county_name": card.county.name,
            "figures": [
                {**_figure(figure), "items": [_figure(item) for item in figure.items]}
                for figure in card.figures
            ],
        }
        for card in cards
    ]


def key_figure_rows(data: list[dict]) -> list[dict]:
    """The figures as one table (see KeyFigureRowSerializer)."""
    rows = []
    for county in data:
        where = {name: county[name] for name in ("county", "county_number", "county_name")}
        for figure in county["figures"]:
            rows.append({**where, **{k: v for k, v in figure.items() if k != "items"}})
            rows += [
                {**where, **item, "label": f"{figure['label']}: {item['label']}"}
                for item in figure["items"]
            ]
    return rows
