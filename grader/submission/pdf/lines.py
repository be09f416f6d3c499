"""Glyphs -> lines of text: rows by baseline, scripts by size and shift, runs of math as `$...$`.

Within a line a smaller raised glyph is a superscript and a smaller lowered one a subscript; upright
function names next to math join it; an item's label stays text; a short bold lead is marked `**...**`.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from grader.submission.pdf.glyphs import SUBSCRIPTS, SUPERSCRIPTS, Glyph, Line, body_size, math_text


_FUNCTIONS = {"sin", "cos", "tan", "log", "ln", "exp", "max", "min", "lim", "det", "arg", "sup", "inf", "softmax"}


@dataclass
class _Row:
    base: float
    size: float
    glyphs: list[Glyph] = field(default_factory=list)


def group_rows(glyphs: list[Glyph], size: float, depth: int = 0) -> list[_Row]:
    """Group glyphs into lines: full-size glyphs by baseline, then each smaller glyph joins the line it is
    a script of; smaller glyphs that join none (footnotes, captions) make lines of their own."""
    full = sorted((g for g in glyphs if g.size >= 0.8 * size), key=lambda g: -g.base)
    rows: list[_Row] = []
    for g in full:
        row = rows[-1] if rows else None
        if row is not None and abs(row.base - g.base) <= 0.25 * min(row.size, g.size):
            row.glyphs.append(g)
            row.size = max(row.size, g.size)
        else:
            rows.append(_Row(g.base, g.size, [g]))
    rest: list[Glyph] = []
    hung: dict[int, list[Glyph]] = {}  # per row, the scripts joined only by hanging on a tall piece
    tall = {id(r): [t for t in r.glyphs if t.built or t.y1 - t.y0 > 1.2 * r.size] for r in rows}
    for g in sorted((g for g in glyphs if g.size < 0.8 * size), key=lambda g: g.x0):
        fits = [r for r in rows if (r.base - 0.5 * r.size <= g.base <= r.base + 0.8 * r.size
                                    and min(x.x0 for x in r.glyphs) - 2 * r.size <= g.x0 <= max(x.x1 for x in r.glyphs) + 2 * r.size)
                or ((tall[id(r)] or id(r) in hung) and _hangs_on(r, g, tall[id(r)], hung.get(id(r), [])))]
        if fits:
            row = min(fits, key=lambda r: abs(r.base - g.base))
            row.glyphs.append(g)
            if not row.base - 0.5 * row.size <= g.base <= row.base + 0.8 * row.size:
                hung.setdefault(id(row), []).append(g)
        else:
            rest.append(g)
    if rest:
        small = body_size(rest)
        rows += group_rows(rest, small, depth + 1) if depth < 3 and small < size else [_Row(g.base, g.size, [g]) for g in rest]
    return sorted(rows, key=lambda r: -r.base)


_COUNTED = re.compile(r"\d{1,2}(?:\.\d{1,2}){0,2}\s+(\d{1,2}(?:\.\d{1,2}){0,2})")


def _hangs_on(row: _Row, g: Glyph, tall: list[Glyph], hung: list[Glyph]) -> bool:
    """A script of a tall piece (a fraction, a big parenthesis or bar) is raised or lowered by the piece's
    height, past where a script of a letter would be: it belongs to the piece it touches on the right (and
    the rest of the script runs on from its first glyph)."""
    def touches(t: Glyph) -> bool:
        return -0.1 * row.size <= g.x0 - t.x1 <= 0.3 * row.size
    return (any(touches(t) and g.y0 < t.y1 and g.y1 > t.y0 for t in tall)
            or any(touches(t) and abs(t.base - g.base) <= 0.1 * row.size for t in hung))


def render_line(row: _Row, page_size: float) -> Line:
    glyphs = sorted(row.glyphs, key=lambda g: g.x0)
    full = [g for g in glyphs if g.size >= 0.8 * row.size] or glyphs
    base = statistics.median(g.base for g in full)
    size = statistics.median(g.size for g in full)
    pieces = _pieces(glyphs, base, size)
    text, has_math = _join_pieces(pieces)
    bold = all(g.bold for g in glyphs if not g.math) and any(g.bold for g in glyphs)
    line = Line(text, max(g.y1 for g in glyphs), min(g.y0 for g in glyphs), base, size, glyphs[0].x0, bold, has_math)
    if not has_math and len(text) <= 100:
        if size >= 1.25 * page_size:
            line.heading = 1
        elif size >= 1.05 * page_size:
            line.heading = 2
        elif bold:
            line.heading = 3
    if line.heading and (numbered := _COUNTED.fullmatch(text)):
        line.text = numbered.group(1)  # LaTeX's counter `1.2` before the student's own number `2.1`
    if not line.heading:
        line.text = _bold_lead(glyphs, pieces, text)
    return line


@dataclass
class _Piece:
    text: str
    math: bool
    neutral: bool
    space: bool  # a space separates it from the piece before
    bold: bool = False


def _pieces(glyphs: list[Glyph], base: float, size: float) -> list[_Piece]:
    """Each base glyph with the scripts that follow it, as one piece of text."""
    pieces: list[_Piece] = []
    prev: Glyph | None = None
    i = 0
    while i < len(glyphs):
        g = glyphs[i]
        i += 1
        role = _role(g, base, size)
        if role != "base" and pieces and prev is not None and g.x0 - prev.x1 <= 0.3 * size:
            # scripts of the piece before: the run of raised and lowered glyphs (limits stacked on a bar
            # interleave by x)
            run = [g]
            while i < len(glyphs) and _role(glyphs[i], base, size) != "base":
                run.append(glyphs[i])
                i += 1
            for script in ("sup", "sub"):
                inner = render_math([x for x in run if _role(x, base, size) == script], size) \
                    if any(_role(x, base, size) == script for x in run) else ""
                if not inner:
                    continue
                mark = "^" if script == "sup" else "_"
                if script == "sup" and set(inner) == {"'"}:
                    mark = ""  # a prime: `f'(x)`
                pieces[-1].text += mark + (inner if len(inner) == 1 or not mark else f"{{{inner}}}")
            pieces[-1].math = True
            prev = max(run, key=lambda x: x.x1)
            continue
        text = g.text
        if text in SUPERSCRIPTS or text in SUBSCRIPTS:
            mark = "^" if text in SUPERSCRIPTS else "_"
            digit = (SUPERSCRIPTS | SUBSCRIPTS)[text]
            if pieces and prev is not None and g.x0 - prev.x1 <= 0.3 * size:
                pieces[-1].text += mark + digit
                pieces[-1].math = True
                prev = g
                continue
            text = mark + digit
        gap = g.x0 - prev.x1 if prev is not None else 0.0
        if prev is not None and g.index >= 0 and g.index == prev.index + 1:
            space = g.space_before  # drawn one after the other: the PDF's spacing says whether a space is between
        else:
            space = prev is not None and gap > 0.15 * size
        neutral = not g.math and (text.isdigit() or text in "()[]=+-/*,.:;'|!<>%")
        if g.math and not g.built:
            text = math_text(text)
        pieces.append(_Piece(text, g.math or g.built, neutral, space, g.bold and not g.math))
        prev = g
    return _function_names(pieces)


def _role(g: Glyph, base: float, size: float) -> str:
    if g.built or g.size >= 0.9 * size:
        return "base"
    if g.base > base + 0.15 * size:
        return "sup"
    if g.base < base - 0.08 * size:
        return "sub"
    return "base"


def _function_names(pieces: list[_Piece]) -> list[_Piece]:
    """Upright `log`, `exp`, `max` next to math are part of the formula, written `\\log`."""
    i = 0
    while i < len(pieces):
        j = i
        while j < len(pieces) and pieces[j].text.isalpha() and not pieces[j].math and (j == i or not pieces[j].space):
            j += 1
        word = "".join(p.text for p in pieces[i:j])
        touches_math = (j < len(pieces) and pieces[j].math) or (i > 0 and pieces[i - 1].math and not pieces[i].space)
        if word in _FUNCTIONS and touches_math:
            command = f"\\{word} " if word != "softmax" else "\\operatorname{softmax}"
            pieces[i:j] = [_Piece(command, True, False, pieces[i].space)]
        i += 1
    return pieces


def render_math(glyphs: list[Glyph], size: float) -> str:
    """Glyphs of a numerator, denominator, script or limit as LaTeX (its own scripts included)."""
    glyphs = sorted(glyphs, key=lambda g: g.x0)
    full = [g for g in glyphs if g.size >= 0.85 * max(x.size for x in glyphs)]
    base = statistics.median(g.base for g in full)
    inner = max(g.size for g in full)
    return _tidy("".join((" " if p.space else "") + math_text(p.text) for p in _pieces(glyphs, base, inner)))


def _tidy(latex: str) -> str:
    """Math spacing is the typesetter's: keep a space only where it separates two letters or digits (or
    ends a command), and write `=` with a space each side."""
    latex = re.sub(r"\s+", " ", latex).strip()
    latex = re.sub(r"(?:\\cdot\s*){3}", r"\\cdots ", latex)  # `\cdots` is three dots drawn apart
    latex = re.sub(r"(?<=[^\w\s])\s+|\s+(?=[^\w\s\\])", "", latex)
    latex = re.sub(r"(?<![\\a-zA-Z])([a-zA-Z0-9])\s+(?=[\\])", r"\1 ", latex)
    return re.sub(r"\s*=\s*", " = ", latex)


def _in_math(text: str) -> str:
    return "\\%" if text == "%" else math_text(text)  # a bare `%` would start a LaTeX comment


def _join_pieces(pieces: list[_Piece]) -> tuple[str, bool]:
    """The line's text: runs of math pieces (with the digits and operators between them) become `$...$`."""
    out: list[str] = []
    i = _label_length(pieces)
    if i:  # an item's label (`1.`, `2)`, `(a)`) is text, even when the item is a formula
        out.append("".join(p.text for p in pieces[:i]))
    found = False
    while i < len(pieces):
        if not (pieces[i].math or pieces[i].neutral):
            out.append((" " if pieces[i].space and out else "") + pieces[i].text)
            i += 1
            continue
        j = i
        while j < len(pieces) and (pieces[j].math or pieces[j].neutral):
            j += 1
        run = pieces[i:j]
        if any(p.math for p in run):
            # Sentence punctuation at either end stays outside the formula.
            while run and run[0].neutral and run[0].text in ",.:;":
                out.append(run.pop(0).text)
            tail: list[_Piece] = []
            while run and run[-1].neutral and run[-1].text in ",.:;":
                tail.insert(0, run.pop())
            if run:
                latex = _tidy("".join((" " if p.space and k else "") + _in_math(p.text) for k, p in enumerate(run)))
                out.append((" " if run[0].space and out else "") + "$" + latex + "$")
                found = True
            out.extend(p.text for p in tail)
        else:
            out.extend((" " if p.space and (out or k) else "") + p.text for k, p in enumerate(run))
        i = j
    return "".join(out).strip(), found


# `1.`, `2)`, `(a)`, and a part's full number `3.1)`, `4.2:` (the homework's numbering, as in plain text)
ITEM_LABEL = re.compile(r"(?:\d{1,2}|[a-zA-Z]|[ivx]{1,4})[.)]|\((?:\d{1,2}|[a-zA-Z]|[ivx]{1,4})\)|\d{1,2}(?:\.\d{1,2}){1,2}[.):]")


def _label_length(pieces: list[_Piece]) -> int:
    """How many pieces at the line's start form an item label followed by a space."""
    text = ""
    for k, piece in enumerate(pieces[:6]):
        if k and piece.space:
            return k if ITEM_LABEL.fullmatch(text) else 0
        text += piece.text
    return 0


def _bold_lead(glyphs: list[Glyph], pieces: list[_Piece], text: str) -> str:
    """A line that starts with a short bold run (`4.1` in bold, then the answer) marks it `**4.1**`."""
    lead = 0
    while lead < len(pieces) and pieces[lead].bold:
        lead += 1
    if 0 < lead < len(pieces) and not pieces[lead].bold:
        head = "".join((" " if p.space and k else "") + p.text for k, p in enumerate(pieces[:lead])).strip()
        if len(head) <= 40 and text.startswith(head):
            return f"**{head}** {text[len(head):].lstrip()}"
    return text
