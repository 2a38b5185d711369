"""Geometry of the report's bar charts; the template draws them as inline SVG.

Each chart carries its own text alternative and the same rows the table beside it shows, so
nobody needs the picture to get the numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# px of the viewBox: narrow enough that a phone (288 px of text column at 320 px) shows
# the labels at nearly their set size; the stylesheet scales the chart up on wider screens
LABEL_WIDTH = 110  # row labels ("Transactional" is the longest)
BAR_AREA = 170
VALUE_WIDTH = 40
ROW_HEIGHT = 30
BAR_HEIGHT = 20
PADDING = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: float
    y: float
    tone: str  # a CSS class suffix for the fill colour

    @property
    def text_y(self) -> float:
        return self.y + BAR_HEIGHT / 2 + 5


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str  # the text alternative: every value in words
    bars: tuple[Bar, ...]
    width: int
    height: int
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def value_x(self) -> float:
        return self.label_width + max((b.width for b in self.bars), default=0) + 6


def bar_chart(chart_id: str, title: str, rows: Sequence[tuple[str, int, str]], unit: str) -> Chart:
    """Horizontal bars for ``(label, value, tone)`` rows, longest bar = the largest value."""
    largest = max((value for _, value, _ in rows), default=0)
    bars = tuple(
        Bar(
            label=label,
            value=value,
            width=round(BAR_AREA * value / largest, 1) if largest else 0.0,
            y=PADDING + n * ROW_HEIGHT,
            tone=tone,
        )
        for n, (label, value, tone) in enumerate(rows)
    )
    description = "; ".join(f"{label}: {value} {unit}" for label, value, _ in rows) + "."
    return Chart(
        id=chart_id,
        title=title,
        description=description,
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + VALUE_WIDTH,
        height=PADDING * 2 + ROW_HEIGHT * len(rows),
    )
