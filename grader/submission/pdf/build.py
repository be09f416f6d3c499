"""Math rebuilt from the geometry: glyphs that together draw one piece of a formula become one built glyph.

A rule with a numerator above and a denominator below is a fraction (innermost first, so nested fractions
work), a rule on top of a radical sign is a square root, small glyphs over and under a big operator are
its limits, a line of dashes between two lines is a fraction bar typed on the keyboard, and an accent over
a letter is `\\bar{x}` or `\\hat{p}`.
"""

from __future__ import annotations

import re
import statistics

from grader.submission.pdf.glyphs import ACCENTS, BIG_OPERATORS, Glyph, Rule, combined, math_text, replace
from grader.submission.pdf.lines import group_rows, render_math


_EXTENSION = re.compile(r"cmex|lmex|mathextension", re.I)


_RULE_CHARS = set("-_—–―─━‒⎯")


def rules_from_characters(glyphs: list[Glyph], rules: list[Rule], size: float) -> tuple[list[Glyph], list[Rule]]:
    """A line made only of rule characters (`------`, at least three) under one line and over another is a
    fraction bar drawn with the keyboard."""
    rows = group_rows(glyphs, size)
    used: set[int] = set()
    extra: list[Rule] = []
    for row in rows:
        if len(row.glyphs) >= 3 and all(set(g.text) <= _RULE_CHARS for g in row.glyphs):
            extra.append(Rule(min(g.x0 for g in row.glyphs), max(g.x1 for g in row.glyphs),
                              row.base + 0.2 * row.size, row.base + 0.35 * row.size, chars=True))
            used.update(id(g) for g in row.glyphs)
    if not extra:
        return glyphs, rules
    return [g for g in glyphs if id(g) not in used], rules + extra


def build_fractions(glyphs: list[Glyph], rules: list[Rule], size: float) -> list[Glyph]:
    """Replace each rule with glyphs just above and just below it by one `\\frac{..}{..}` glyph.

    Narrow rules go first, so an inner fraction is one glyph by the time the outer rule is looked at.
    A rule on top of a radical sign is a square root instead.
    """
    for rule in sorted(rules, key=lambda r: r.x1 - r.x0):
        width, height = rule.x1 - rule.x0, rule.y1 - rule.y0
        if width < 1.5 or height > 2.0 or width < 3 * height:
            continue
        reach = (1.3 if rule.chars else 0.45) * size
        slack = 0.2 * size
        inside = [g for g in glyphs if g.x0 >= rule.x0 - slack and g.x1 <= rule.x1 + slack]
        root = _radical(glyphs, rule, size)
        below = _stack(inside, rule, reach, above=False)
        if root is not None and below:
            glyphs = replace(glyphs, [root, *below], combined(
                f"\\sqrt{{{render_math(below, size)}}}", [root, *below], size, base=min(g.base for g in below)))
            continue
        above = _stack(inside, rule, reach, above=True)
        if not above or not below:
            continue
        mid = (rule.y0 + rule.y1) / 2
        parts_size = max(g.size for g in above + below)
        line_size = max(parts_size, size)  # a text-style fraction's small glyphs sit on a full-size line
        text = f"\\frac{{{render_math(above, size)}}}{{{render_math(below, size)}}}"
        frac = combined(text, above + below, line_size, base=mid - 0.25 * line_size)
        frac.x0, frac.x1 = min(frac.x0, rule.x0), max(frac.x1, rule.x1)
        glyphs = replace(glyphs, above + below, frac)
    return glyphs


def _stack(inside: list[Glyph], rule: Rule, reach: float, *, above: bool) -> list[Glyph]:
    """The glyphs of a numerator (above) or denominator (below): the row nearest the rule, with its scripts."""
    # A display fraction's math sits further from its bar than text from an underline.
    if above:
        near = [g for g in inside if g.y0 >= rule.y0 - 0.5 and g.y0 - rule.y1 <= reach * (1.25 if g.math else 1)]
    else:
        near = [g for g in inside if g.y1 <= rule.y1 + 0.5 and rule.y0 - g.y1 <= reach * (1.25 if g.math else 1)]
    if not near:
        return []
    # The numerator's row is the baseline of its largest glyphs nearest the rule; keep what sits on it or
    # is raised/lowered from it by no more than a script's shift.
    big = max(g.size for g in near)
    anchors = [g for g in near if g.size >= 0.85 * big]
    base = min(g.base for g in anchors) if above else max(g.base for g in anchors)
    return [g for g in inside if base - 0.45 * big <= g.base <= base + 0.75 * big
            and ((g.y0 >= rule.y0 - 0.5) if above else (g.y1 <= rule.y1 + 0.5))]


def _radical(glyphs: list[Glyph], rule: Rule, size: float) -> Glyph | None:
    for g in glyphs:
        if g.text == "√" and abs(g.x1 - rule.x0) <= 0.3 * size and abs(g.y1 - rule.y1) <= 0.5 * size:
            return g
    return None


def build_operators(glyphs: list[Glyph], size: float) -> list[Glyph]:
    """A big operator with small glyphs over and under it (or beside its top and bottom, in a formula set in
    a line of text, where `k=1` runs on to the right of the operator): its limits."""
    for op in [g for g in glyphs if g.text in BIG_OPERATORS and not g.built]:
        centre = (op.y0 + op.y1) / 2
        near = [g for g in glyphs if g is not op and g.size < 0.9 * op.size and op.x0 - 0.3 * size <= g.x0 <= op.x1 + 4 * size]
        upper = [g for g in near if g.y0 >= centre and g.y0 <= op.y1 + 0.6 * size]
        lower = [g for g in near if g.y1 <= centre and g.y1 >= op.y0 - 0.6 * size]
        upper, lower = _script_run(upper, op, size), _script_run(lower, op, size)
        if not upper and not lower:
            continue
        text = BIG_OPERATORS[op.text]
        if lower:
            text += f"_{{{render_math(lower, size)}}}"
        if upper:
            text += f"^{{{render_math(upper, size)}}}"
        limits = combined(text, [op, *upper, *lower], op.size, base=op.base)
        limits.x0 = op.x0
        glyphs = replace(glyphs, [op, *upper, *lower], limits)
    return glyphs


def _script_run(candidates: list[Glyph], op: Glyph, size: float) -> list[Glyph]:
    """Limits are one row: glyphs on one baseline, touching each other, the first over or beside the operator."""
    starts = [g for g in candidates if g.x0 <= op.x1 + 0.3 * size]
    if not starts:
        return []
    base = statistics.median(g.base for g in starts)
    row = sorted((g for g in candidates if abs(g.base - base) <= 0.3 * size), key=lambda g: g.x0)
    run = row[:1]
    for g in row[1:]:
        if g.x0 - run[-1].x1 > 0.4 * size:
            break
        run.append(g)
    return run


def build_delimiters(glyphs: list[Glyph], size: float) -> list[Glyph]:
    """A tall delimiter TeX draws from stacked pieces of one character (a `\\Big|` bar) is one glyph."""
    pieces = sorted((g for g in glyphs if g.text in "|()[]" and not g.built and _EXTENSION.search(g.font)),
                    key=lambda g: (g.text, round(g.x0), -g.y1))
    stacks: list[list[Glyph]] = []
    for g in pieces:
        last = stacks[-1][-1] if stacks else None
        if last is not None and last.text == g.text and abs(last.x0 - g.x0) <= 0.5 and -0.2 * size <= last.y0 - g.y1 <= 0.1 * size + 0.5:
            stacks[-1].append(g)
        else:
            stacks.append([g])
    for stack in (s for s in stacks if len(s) > 1):
        tall = combined(stack[0].text, stack, stack[0].size, base=(stack[-1].y0 + stack[0].y1) / 2 - 0.25 * stack[0].size)
        tall.built, tall.font = False, stack[0].font
        glyphs = replace(glyphs, stack, tall)
    return glyphs


_NEGATED = {"=": "≠", "∈": "∉", "<": "≮", ">": "≯", "≤": "≰", "≥": "≱", "≡": "≢", "∼": "≁"}


def build_negations(glyphs: list[Glyph]) -> list[Glyph]:
    """TeX draws `\\neq` as a slash (U+0338) over `=`: the pair is one `≠`."""
    for slash in [g for g in glyphs if g.text == "\u0338"]:
        under = [g for g in glyphs if g.text in _NEGATED and g.x0 <= slash.mid <= g.x1 and g.y0 >= slash.y0 - 1
                 and g.y1 <= slash.y1 + 1]
        if not under:
            continue
        negated = combined(_NEGATED[under[0].text], [under[0], slash], under[0].size, base=under[0].base)
        negated.built, negated.space_before = False, under[0].space_before or slash.space_before
        glyphs = replace(glyphs, [under[0], slash], negated)
    return glyphs


def build_accents(glyphs: list[Glyph], size: float) -> list[Glyph]:
    """An accent drawn over a letter (its box above the letter's middle, centred over it) makes one glyph."""
    for accent in [g for g in glyphs if g.text in ACCENTS]:
        letters = [g for g in glyphs if g is not accent and not g.built and g.text.isalpha() and len(g.text) == 1
                   and g.x0 - 1 <= accent.mid <= g.x1 + 1 and accent.y0 >= (g.y0 + g.y1) / 2
                   and accent.y0 - g.y1 <= 0.5 * size]
        if not letters:
            continue
        letter = min(letters, key=lambda g: abs(g.mid - accent.mid))
        marked = combined(f"{ACCENTS[accent.text]}{{{math_text(letter.text).strip()}}}", [letter, accent], letter.size,
                          base=letter.base)
        marked.space_before = letter.space_before or accent.space_before
        glyphs = replace(glyphs, [letter, accent], marked)
    return glyphs
