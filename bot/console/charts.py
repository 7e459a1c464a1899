"""Small bar charts as inline SVG (no JavaScript, no library): daily counts at a glance."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT, LABEL = 420, 120, 16


def bars(days: list[tuple[date, int]], title: str) -> Markup:
    """One bar per day, tallest = the busiest day; each bar's tooltip says the day and the count."""
    peak = max((count for _day, count in days), default=0) or 1
    step = WIDTH / max(len(days), 1)
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + LABEL}" role="img" aria-label="{escape(title)}">']
    for index, (day, count) in enumerate(days):
        height = round((HEIGHT - 4) * count / peak)
        x = round(index * step + 2, 1)
        parts.append(f'<rect x="{x}" y="{HEIGHT - height}" width="{round(step - 4, 1)}" height="{height}" '
                     f'fill="#06c755"><title>{day:%m/%d}: {count}</title></rect>')
        if index % 2 == 0 or len(days) <= 7:
            parts.append(f'<text x="{x}" y="{HEIGHT + LABEL - 3}" font-size="10" fill="#656d76">{day:%m/%d}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
