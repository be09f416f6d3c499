"""Two-column pages: find the gutter from the glyphs' x-positions and read the left column before the right.

A two-column page (`\\documentclass[twocolumn]`, a journal template) draws the two columns' lines on the same
baselines, so reading line by line interleaves them. The gutter is a vertical band that almost no line's
text crosses (a word space is far narrower), with many lines of text on each side of it. Lines that do cross it
(a title over both columns, a wide figure, a centred page number) stay where they are: the page is cut into
bands at them, and each band between is read left column first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grader.submission.pdf.glyphs import Glyph, Rule

_PAD = 0.3  # of the body size on each side of a glyph: a gap narrower than 0.6 em is a word space
_MAX_CROSSING = 0.15  # share of the lines that may cross the gutter (titles, page numbers, wide formulas)
_MIN_SIDE = 0.2  # share of the lines with text on each side of it: a column, not a stray date or label
_MIN_LINES = 6
_NEAR_GUTTER = 4.0  # ems


def split_columns(glyphs: list[Glyph], rules: list[Rule], size: float) -> list[tuple[list[Glyph], list[Rule]]]:
    """The page as blocks in reading order: itself when it has one column, otherwise bands of lines that
    cross the gutter and, between them, the left column and then the right."""
    rows = _rows(glyphs, size)
    gutter = _gutter(rows, size)
    if gutter is None:
        return [(glyphs, rules)]
    blocks: list[tuple[list[Glyph], list[Rule]]] = []
    band: list[list[Glyph]] = []

    def flush() -> None:
        if band:
            left = [g for row in band for g in row if g.mid < gutter]
            right = [g for row in band for g in row if g.mid >= gutter]
            blocks.extend((side, _rules_for(side, rules)) for side in (left, right) if side)
            band.clear()

    for row in rows:
        if _crosses(row, gutter, size):
            flush()
            blocks.append((row, _rules_for(row, rules)))
        else:
            band.append(row)
    flush()
    return blocks


def _rows(glyphs: list[Glyph], size: float) -> list[list[Glyph]]:
    """Glyphs grouped by baseline, top to bottom (scripts and fraction parts may make rows of their own)."""
    rows: list[list[Glyph]] = []
    for g in sorted(glyphs, key=lambda g: -g.base):
        if rows and abs(rows[-1][0].base - g.base) <= 0.25 * size:
            rows[-1].append(g)
        else:
            rows.append([g])
    return rows


def _gutter(rows: list[list[Glyph]], size: float) -> float | None:
    """The x of a gutter between two columns, or None for a one-column page."""
    if len(rows) < _MIN_LINES:
        return None
    left = min(g.x0 for row in rows for g in row)
    right = max(g.x1 for row in rows for g in row)
    if right - left < 20 * size:
        return None
    # How many rows cross each point (1-point bins), from each row's text padded by a word space.
    start, bins = int(left), int(right - left) + 2
    crossing = [0] * (bins + 1)
    for row in rows:
        for x0, x1 in _covered(row, size):
            a, b = max(0, int(x0) - start), min(bins, int(x1) - start + 1)
            if a < b:
                crossing[a] += 1
                crossing[b] -= 1
    count, best = 0, None
    low, high = int(0.25 * bins), int(0.75 * bins)
    for k in range(bins):
        count += crossing[k]
        if low <= k <= high and (best is None or count < best[0]):
            best = (count, k)
    if best is None or best[0] > _MAX_CROSSING * len(rows):
        return None
    x = start + best[1] + 0.5
    # A column's lines reach the gutter (a left column's end near it, a right column's start near it);
    # short headings on the left and centred display formulas on the right are one column.
    near = _NEAR_GUTTER * size
    lefts = sum(1 for row in rows if any(x - near < g.x1 < x for g in row) and not _crosses(row, x, size))
    rights = sum(1 for row in rows if any(x < g.x0 < x + near for g in row) and not _crosses(row, x, size))
    return x if min(lefts, rights) >= max(3, _MIN_SIDE * len(rows)) else None


def _covered(row: list[Glyph], size: float) -> list[tuple[float, float]]:
    """The x-intervals a row's text covers, each glyph padded by half a word space, merged."""
    pad = _PAD * size
    spans = sorted((g.x0 - pad, g.x1 + pad) for g in row)
    merged = [list(spans[0])]
    for x0, x1 in spans[1:]:
        if x0 <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], x1)
        else:
            merged.append([x0, x1])
    return [(a, b) for a, b in merged]


def _crosses(row: list[Glyph], x: float, size: float) -> bool:
    return any(a < x < b for a, b in _covered(row, size))


def _rules_for(glyphs: list[Glyph], rules: list[Rule]) -> list[Rule]:
    """The rules (fraction bars, root overlines) inside the block's extent."""
    if not glyphs:
        return []
    x0, x1 = min(g.x0 for g in glyphs), max(g.x1 for g in glyphs)
    y0, y1 = min(g.y0 for g in glyphs), max(g.y1 for g in glyphs)
    return [r for r in rules if r.x0 >= x0 - 1 and r.x1 <= x1 + 1 and r.y0 >= y0 - 1 and r.y1 <= y1 + 1]
