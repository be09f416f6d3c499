"""A page's glyphs and rules -> lines of Markdown-ish text with the math rebuilt from the geometry.

PDF keeps where each glyph is drawn, not what the formula meant: `h_{t-1}` is an `h` followed by a smaller,
lowered `t-1`, and `\\frac{n(n+1)}{2}` is a rule with glyphs above and below it. This module turns that
geometry back into LaTeX: rules with a numerator above and a denominator below become fractions (innermost
first, so nested fractions work), a rule on top of a radical sign is a square root, small glyphs over and
under a big operator are its limits, and within a line a smaller raised glyph is a superscript and a smaller
lowered one a subscript. Runs of math become `$...$`. Everything here is pure Python over plain data, so the
rules are tested on hand-made glyphs as well as on real PDFs.

Coordinates are PDF points with y growing upwards; `base` is a glyph's baseline (its origin's y).
"""

from __future__ import annotations

from grader.submission.pdf.build import build_accents, build_delimiters, build_fractions, build_negations, build_operators, rules_from_characters
from grader.submission.pdf.columns import split_columns
from grader.submission.pdf.glyphs import Glyph, Line, Rule, body_size
from grader.submission.pdf.lines import group_rows, render_line

__all__ = ["Glyph", "Line", "Rule", "lay_out"]  # the glyph types, for callers that build pages by hand


def lay_out(glyphs: list[Glyph], rules: list[Rule]) -> list[Line]:
    """The page's lines in reading order (top to bottom, a left column before the right one), each rendered
    to text with its math as `$...$`."""
    glyphs = [g for g in glyphs if g.x1 >= g.x0 and g.y1 >= g.y0]
    size = body_size(glyphs)
    return [line for block, block_rules in split_columns(glyphs, rules, size)
            for line in _lay_out_block(block, block_rules, size)]


def _lay_out_block(glyphs: list[Glyph], rules: list[Rule], size: float) -> list[Line]:
    glyphs, rules = rules_from_characters(glyphs, rules, size)
    glyphs = build_accents(build_negations(build_delimiters(glyphs, size)), size)
    glyphs = build_fractions(glyphs, rules, size)
    glyphs = build_operators(glyphs, size)
    return [render_line(row, size) for row in group_rows(glyphs, size)]
