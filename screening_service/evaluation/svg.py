"""Small inline SVG charts for the HTML report, drawn by hand.

No plotting library and nothing fetched at view time: each function returns
an ``<svg>`` element with its text escaped, sized in user units so the page
scales it. Bars are horizontal (labels stay legible for long rule ids)
except the score histogram, whose bins stack the traveler classes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Final

COLOURS: Final = {
    "victim": "#c0392b",
    "escort": "#e67e22",
    "lawful": "#2e86c1",
    "background": "#95a5a6",
    "unlabelled": "#7f8c8d",
    "precision": "#27ae60",
    "recall": "#8e44ad",
    "bar": "#2e86c1",
    "over": "#c0392b",
}
LABEL_WIDTH: Final = 260
BAR_WIDTH: Final = 420
ROW: Final = 18


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 11) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}">'
        f"{escape(text)}</text>"
    )


def hbars(
    title: str,
    rows: Sequence[tuple[str, float]],
    *,
    fmt: str = "{:.0f}",
    marker: float | None = None,
    marker_label: str = "",
    over: float | None = None,
) -> str:
    """One bar per row; a dashed vertical marker (a limit) and red bars above ``over``."""
    top = max([v for _, v in rows] + [marker or 0.0, 1e-9])
    height = 28 + ROW * len(rows) + 10
    parts = [
        f'<svg class="chart" viewBox="0 0 {LABEL_WIDTH + BAR_WIDTH + 80} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        _text(4, 16, title, size=13),
    ]
    for i, (label, value) in enumerate(rows):
        y = 28 + i * ROW
        width = BAR_WIDTH * max(0.0, value) / top
        colour = COLOURS["over"] if over is not None and value > over else COLOURS["bar"]
        parts += [
            _text(LABEL_WIDTH - 6, y + 12, label, anchor="end"),
            f'<rect x="{LABEL_WIDTH}" y="{y + 2}" width="{width:.1f}" height="{ROW - 5}" '
            f'fill="{colour}"/>',
            _text(LABEL_WIDTH + width + 4, y + 12, fmt.format(value)),
        ]
    if marker is not None:
        x = LABEL_WIDTH + BAR_WIDTH * marker / top
        parts += [
            f'<line x1="{x:.1f}" y1="22" x2="{x:.1f}" y2="{height - 4}" stroke="#333" '
            'stroke-dasharray="4 3"/>',
            _text(x + 3, 24, marker_label, size=10),
        ]
    parts.append("</svg>")
    return "".join(parts)


def paired_bars(title: str, rows: Sequence[tuple[str, float | None, float | None]]) -> str:
    """Precision and recall (0-1) side by side per row; a missing value draws no bar."""
    height = 44 + 2 * ROW * len(rows)
    parts = [
        f'<svg class="chart" viewBox="0 0 {LABEL_WIDTH + BAR_WIDTH + 80} {height}" '
        f'role="img" aria-label="{escape(title)}">',
        _text(4, 16, title, size=13),
        f'<rect x="{LABEL_WIDTH}" y="24" width="10" height="10" fill="{COLOURS["precision"]}"/>',
        _text(LABEL_WIDTH + 14, 33, "precision"),
        f'<rect x="{LABEL_WIDTH + 90}" y="24" width="10" height="10" fill="{COLOURS["recall"]}"/>',
        _text(LABEL_WIDTH + 104, 33, "recall"),
    ]
    for i, (label, precision, recall) in enumerate(rows):
        y = 40 + 2 * i * ROW
        parts.append(_text(LABEL_WIDTH - 6, y + 16, label, anchor="end"))
        for j, (name, value) in enumerate((("precision", precision), ("recall", recall))):
            if value is None:
                continue
            width = BAR_WIDTH * value
            parts += [
                f'<rect x="{LABEL_WIDTH}" y="{y + j * (ROW - 2)}" width="{width:.1f}" '
                f'height="{ROW - 4}" fill="{COLOURS[name]}"/>',
                _text(LABEL_WIDTH + width + 4, y + j * (ROW - 2) + 11, f"{100 * value:.0f}%"),
            ]
    parts.append("</svg>")
    return "".join(parts)


def stacked_histogram(
    title: str,
    bins: Sequence[tuple[str, Mapping[str, int]]],
    classes: Sequence[str],
    markers: Sequence[tuple[int, str]],
) -> str:
    """Vertical bins stacking ``classes`` on a square-root scale (rare classes stay visible).

    ``markers``: (bin index where a threshold starts, its name).
    """
    width, plot_h, left = 720, 220, 40
    step = (width - left - 10) / max(1, len(bins))
    top = max([sum(c.values()) for _, c in bins] + [1])
    scale = plot_h / top**0.5
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {plot_h + 80}" role="img" '
        f'aria-label="{escape(title)}">',
        _text(4, 16, title, size=13),
    ]
    base = plot_h + 30
    for i, (_, counts) in enumerate(bins):
        running = 0
        for cls in classes:
            n = counts.get(cls, 0)
            if not n:
                continue
            y_low = base - scale * running**0.5
            running += n
            y_high = base - scale * running**0.5
            parts.append(
                f'<rect x="{left + i * step:.1f}" y="{y_high:.1f}" width="{step - 1:.1f}" '
                f'height="{y_low - y_high:.1f}" fill="{COLOURS[cls]}"><title>'
                f"{escape(cls)}: {n}</title></rect>"
            )
    for index, name in markers:
        x = left + index * step
        parts += [
            f'<line x1="{x:.1f}" y1="26" x2="{x:.1f}" y2="{base}" stroke="#333" '
            'stroke-dasharray="4 3"/>',
            _text(x + 3, 34, name, size=10),
        ]
    for i, (label, _) in enumerate(bins):
        if i % 5 == 0:
            parts.append(_text(left + i * step, base + 14, label, size=9))
    for j, cls in enumerate(classes):
        x = left + j * 110
        parts += [
            f'<rect x="{x}" y="{base + 26}" width="10" height="10" fill="{COLOURS[cls]}"/>',
            _text(x + 14, base + 35, cls, size=10),
        ]
    parts.append("</svg>")
    return "".join(parts)
