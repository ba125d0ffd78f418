"""Accessible bar charts as server-rendered SVG, plain Python: ``role="img"`` with a title and a
description, every bar labelled with its value in text beside it, and each series told apart by a
pattern as well as a colour (solid, hatched, dotted), so that neither colour nor the picture alone
carries a figure. The page shows the same figures in a table and offers them as CSV.

The colours are the theme's tokens (their contrast checked when the theme loads); all text is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 480  # a narrow picture: on a 320 px phone its text shrinks by a third, not by half
LABEL_HEIGHT = 18  # each group's name on its own line above its bars: a long name is never cut off
INDENT = 4
BAR_WIDTH = 370  # room for the value's text after the longest bar
BAR_HEIGHT = 16
GAP = 12
LEGEND_HEIGHT = 28


@dataclass(frozen=True)
class Series:
    """One kind of bar: its name (in the legend), a length per group (0..1 of the longest), a text per group."""

    name: str
    lengths: Sequence[float | None]
    texts: Sequence[str]


def _patterns(prefix: str, colours: Mapping[str, str]) -> str:
    fill, ink, paper = colours["primary"], colours["text"], colours["background"]
    return (
        f'<pattern id="{prefix}-p0" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{fill}"/></pattern>'
        f'<pattern id="{prefix}-p1" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{paper}"/><rect width="3" height="6" fill="{ink}"/></pattern>'
        f'<pattern id="{prefix}-p2" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="{paper}"/><circle cx="3" cy="3" r="1.6" fill="{ink}"/></pattern>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    groups: Sequence[str],
    series: Sequence[Series],
    colours: Mapping[str, str],
) -> str:
    """A horizontal bar chart, one row of bars per group, one bar per series (at most three)."""
    if not 1 <= len(series) <= 3:
        raise ValueError("a chart has one to three series")
    if any(len(s.lengths) != len(groups) or len(s.texts) != len(groups) for s in series):
        raise ValueError("every series needs a length and a text for each group")
    ink, border = colours["text"], colours["border"]
    row = LABEL_HEIGHT + len(series) * BAR_HEIGHT + GAP
    height = LEGEND_HEIGHT + row * max(1, len(groups)) + GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-size="13" font-family="inherit">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        f"<defs>{_patterns(chart_id, colours)}</defs>",
    ]
    x = 0
    for n, s in enumerate(series):  # the legend: a swatch with the series' pattern, and its name
        parts.append(
            f'<rect x="{x}" y="4" width="18" height="14" fill="url(#{chart_id}-p{n})" stroke="{border}"/>'
            f'<text x="{x + 24}" y="16" fill="{ink}">{escape(s.name)}</text>'
        )
        x += 30 + 8 * len(s.name)
    for g, group in enumerate(groups):
        top = LEGEND_HEIGHT + g * row
        parts.append(f'<text x="0" y="{top + LABEL_HEIGHT - 5}" fill="{ink}" font-weight="bold">{escape(group)}</text>')
        for n, s in enumerate(series):
            length = max(0.0, min(1.0, s.lengths[g] or 0.0))
            y = top + LABEL_HEIGHT + n * BAR_HEIGHT
            width = round(length * BAR_WIDTH, 1)
            parts.append(
                f'<rect x="{INDENT}" y="{y + 1}" width="{width:g}" height="{BAR_HEIGHT - 2}" '
                f'fill="url(#{chart_id}-p{n})" stroke="{border}" stroke-width="{1 if width else 0}"/>'
                f'<text x="{INDENT + width + 6:g}" y="{y + BAR_HEIGHT - 3}" '
                f'fill="{ink}">{escape(s.texts[g])}</text>'
            )
        parts.append(
            f'<line x1="{INDENT}" y1="{top + LABEL_HEIGHT}" x2="{INDENT}" '
            f'y2="{top + LABEL_HEIGHT + len(series) * BAR_HEIGHT}" stroke="{border}"/>'
        )
    parts.append("</svg>")
    return "".join(parts)


def scaled(values: Sequence[float | None], *others: Sequence[float | None]) -> list[float | None]:
    """Values as lengths: a share of the largest of them and of ``others`` (the other series of the same
    chart, so that bars of different series compare)."""
    largest = max((v for v in (*values, *(o for other in others for o in other)) if v is not None), default=0) or 1
    return [None if v is None else v / largest for v in values]
