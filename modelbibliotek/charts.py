"""An indicator's values over time as a small server-drawn SVG line chart (no JavaScript).

The chart only draws what the table beside it says (templates always show both): the baseline,
each reported value in period order, and the target as a dashed line. Text indicators have no
chart.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from .models import Unit, value_display

WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


def _top(unit: str, values: list[Decimal]) -> Decimal:
    if unit == Unit.PERCENT:
        return Decimal(100)
    if unit == Unit.YES_NO:
        return Decimal(1)
    highest = max(values) if values else Decimal(0)
    return highest * Decimal("1.1") if highest > 0 else Decimal(1)


def indicator_chart(
    *, unit: str, baseline: Decimal | None, target: Decimal | None, points: list[tuple]
) -> dict | None:
    """Coordinates for the template: the line (baseline first, then each reported value), the
    target's height, and the scale's ticks. None when there is nothing to draw."""
    if unit == Unit.TEXT:
        return None
    labelled = ([(_("Baseline"), baseline)] if baseline is not None else []) + [
        (label, number) for label, number in points if number is not None
    ]
    if not labelled:
        return None
    values = [number for _label, number in labelled] + ([target] if target is not None else [])
    top = _top(unit, values)
    bottom = min([Decimal(0), *values])
    span = (top - bottom) or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: Decimal) -> float:
        return round(TOP + plot_h * float((top - value) / span), 1)

    step = plot_w / max(len(labelled) - 1, 1)
    dots = [
        {
            "x": round(LEFT + (step * index if len(labelled) > 1 else plot_w / 2), 1),
            "y": y(number),
            "label": label,
            "value": value_display(unit, number),
        }
        for index, (label, number) in enumerate(labelled)
    ]
    ticks = [bottom, (top + bottom) / 2, top] if unit != Unit.YES_NO else [Decimal(0), Decimal(1)]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "baseline_y": HEIGHT - BOTTOM,
        "dots": dots,
        "line": " ".join(f"{d['x']},{d['y']}" for d in dots),
        "target_y": y(target) if target is not None else None,
        "target": value_display(unit, target) if target is not None else "",
        "ticks": [
            {"y": y(t), "label": value_display(unit, t.quantize(Decimal("0.01")))} for t in ticks
        ],
    }
