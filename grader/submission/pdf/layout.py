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

import re
import statistics
import unicodedata
from dataclasses import dataclass, field

from grader.submission.pdf.columns import split_columns

# Fonts that set math: TeX's math italic, symbols and extension fonts (Computer Modern, Latin Modern, AMS,
# Euler, STIX), OpenType math fonts (Cambria Math, the unicode-math fonts) and the Symbol font.
_MATH_FONT = re.compile(r"cmmi|cmsy|cmex|msam|msbm|eufm|rsfs|lmmath|lmmi|lmsy|lmex|math|symbol|stix|cmbsy|cmmib", re.I)
_EXTENSION_FONT = re.compile(r"cmex|lmex|mathextension", re.I)
_BOLD_FONT = re.compile(r"bold|cmbx|lmbx|black|heavy|semibold|demi", re.I)
# The extension font's big delimiters and operators, by their code (pdfium gives the code when the font
# carries no character map).
_EXTENSION = {
    **dict.fromkeys("\x00\x10\x12\x20", "("), **dict.fromkeys("\x01\x11\x13\x21", ")"),
    **dict.fromkeys("\x02\x14\x22\x68", "["), **dict.fromkeys("\x03\x15\x23\x69", "]"),
    **dict.fromkeys("\x08\x1a\x28\x6e", "\\{"), **dict.fromkeys("\x09\x1b\x29\x6f", "\\}"),
    **dict.fromkeys("\x0c\x0d\x3e", "|"), **dict.fromkeys("PX", "∑"), **dict.fromkeys("QY", "∏"),
    **dict.fromkeys("RZ", "∫"), **dict.fromkeys("\x70\x71\x72\x73\x74", "√"),
}
_BIG_OPERATORS = {"∑": "\\sum", "∏": "\\prod", "∫": "\\int", "∮": "\\oint", "⋃": "\\bigcup", "⋂": "\\bigcap"}
_MATH_SYMBOLS = {
    "−": "-", "∗": "*", "·": "\\cdot ", "⋅": "\\cdot ", "×": "\\times ", "÷": "/", "≤": "\\le ", "≥": "\\ge ",
    "≠": "\\ne ", "≈": "\\approx ", "∞": "\\infty ", "∈": "\\in ", "→": "\\to ", "′": "'", "″": "''",
    "∂": "\\partial ", "∇": "\\nabla ", "±": "\\pm ", "∼": "\\sim ", "∝": "\\propto ", "√": "\\sqrt ",
    "⌊": "\\lfloor ", "⌋": "\\rfloor ", "⌈": "\\lceil ", "⌉": "\\rceil ", "‖": "\\| ",
}
_RULE_CHARS = set("-_—–―─━‒⎯")
_FUNCTIONS = {"sin", "cos", "tan", "log", "ln", "exp", "max", "min", "lim", "det", "arg", "sup", "inf", "softmax"}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", "0123456789+-=()ni"))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₜₙₖ", "0123456789+-=()aeoxtnk"))


@dataclass
class Glyph:
    """One drawn character (or, once rebuilt, a fraction, root or operator with its limits)."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    base: float
    size: float
    font: str = ""
    space_before: bool = False
    math: bool = False
    bold: bool = False
    built: bool = False  # rebuilt from several glyphs: already LaTeX, never a script of its own
    index: int = -1  # position in the page's content stream, where the PDF's own word spacing is known

    @property
    def mid(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class Rule:
    """A horizontal rule drawn on the page (a filled thin rectangle or a stroked line)."""

    x0: float
    x1: float
    y0: float
    y1: float
    chars: bool = False  # made of rule characters (`-----`), so it sits a line away from what it divides


@dataclass
class Line:
    """One line of a page as text, with the geometry the page joiner needs."""

    text: str
    top: float
    bottom: float
    base: float
    size: float
    x0: float
    bold: bool = False
    math: bool = False
    heading: int = 0  # Markdown heading level it was given (0: none)


@dataclass
class _Row:
    base: float
    size: float
    glyphs: list[Glyph] = field(default_factory=list)


def make_glyph(char: str, box: tuple[float, float, float, float], base: float, size: float, font: str,
               space_before: bool = False, index: int = -1) -> Glyph | None:
    """A glyph from what the PDF library reports, its character normalised; None for an invisible one."""
    x0, x1, y0, y1 = box
    if char == "\x02":  # pdfium's mark for a hyphen that ends a line: the page joiner decides about it
        char = "-"
    if _EXTENSION_FONT.search(font) and char in _EXTENSION:
        char = _EXTENSION[char]
        base = (y0 + y1) / 2 - 0.25 * size  # extension glyphs hang from their origin: centre them on the axis
    elif char in _SUPERSCRIPTS or char in _SUBSCRIPTS:
        pass
    elif not char.isascii():
        char = unicodedata.normalize("NFKC", char) if char not in _MATH_SYMBOLS else char
    if not char.strip() or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in char):
        return None
    mathy = bool(_MATH_FONT.search(font)) or _math_char(char)
    return Glyph(char, x0, x1, y0, y1, base, size, font, space_before, math=mathy, bold=bool(_BOLD_FONT.search(font)),
                 index=index)


def _math_char(char: str) -> bool:
    code = ord(char[0])
    return char in _MATH_SYMBOLS or char in _BIG_OPERATORS or 0x2200 <= code <= 0x22FF or 0x1D400 <= code <= 0x1D7FF


def body_size(glyphs: list[Glyph]) -> float:
    """The most common font size: the size of the running text."""
    if not glyphs:
        return 10.0
    return statistics.mode(round(g.size * 2) / 2 for g in glyphs) or 10.0


def lay_out(glyphs: list[Glyph], rules: list[Rule]) -> list[Line]:
    """The page's lines in reading order (top to bottom, a left column before the right one), each rendered
    to text with its math as `$...$`."""
    glyphs = [g for g in glyphs if g.x1 >= g.x0 and g.y1 >= g.y0]
    size = body_size(glyphs)
    return [line for block, block_rules in split_columns(glyphs, rules, size)
            for line in _lay_out_block(block, block_rules, size)]


def _lay_out_block(glyphs: list[Glyph], rules: list[Rule], size: float) -> list[Line]:
    glyphs, rules = _rules_from_characters(glyphs, rules, size)
    glyphs = _build_fractions(glyphs, rules, size)
    glyphs = _build_operators(glyphs, size)
    rows = _rows(glyphs, size)
    return [_render_line(row, size) for row in rows]


def _rules_from_characters(glyphs: list[Glyph], rules: list[Rule], size: float) -> tuple[list[Glyph], list[Rule]]:
    """A line made only of rule characters (`------`, at least three) under one line and over another is a
    fraction bar drawn with the keyboard."""
    rows = _rows(glyphs, size)
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


def _build_fractions(glyphs: list[Glyph], rules: list[Rule], size: float) -> list[Glyph]:
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
            glyphs = _replace(glyphs, [root, *below], _built(
                f"\\sqrt{{{_render_math(below, size)}}}", [root, *below], size, base=min(g.base for g in below)))
            continue
        above = _stack(inside, rule, reach, above=True)
        if not above or not below:
            continue
        mid = (rule.y0 + rule.y1) / 2
        parts_size = max(g.size for g in above + below)
        line_size = max(parts_size, size)  # a text-style fraction's small glyphs sit on a full-size line
        text = f"\\frac{{{_render_math(above, size)}}}{{{_render_math(below, size)}}}"
        frac = _built(text, above + below, line_size, base=mid - 0.25 * line_size)
        frac.x0, frac.x1 = min(frac.x0, rule.x0), max(frac.x1, rule.x1)
        glyphs = _replace(glyphs, above + below, frac)
    return glyphs


def _stack(inside: list[Glyph], rule: Rule, reach: float, *, above: bool) -> list[Glyph]:
    """The glyphs of a numerator (above) or denominator (below): the row nearest the rule, with its scripts."""
    if above:
        near = [g for g in inside if g.y0 >= rule.y0 - 0.5 and g.y0 - rule.y1 <= reach]
    else:
        near = [g for g in inside if g.y1 <= rule.y1 + 0.5 and rule.y0 - g.y1 <= reach]
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


def _build_operators(glyphs: list[Glyph], size: float) -> list[Glyph]:
    """A big operator with small glyphs over and under it (or beside its top and bottom): its limits."""
    for op in [g for g in glyphs if g.text in _BIG_OPERATORS and not g.built]:
        centre = (op.y0 + op.y1) / 2
        near = [g for g in glyphs if g is not op and g.size < 0.9 * op.size and op.x0 - 0.3 * size <= g.x0 <= op.x1 + 0.3 * size]
        upper = [g for g in near if g.y0 >= centre and g.y0 <= op.y1 + 0.6 * size]
        lower = [g for g in near if g.y1 <= centre and g.y1 >= op.y0 - 0.6 * size]
        upper, lower = _script_run(upper, size), _script_run(lower, size)
        if not upper and not lower:
            continue
        text = _BIG_OPERATORS[op.text]
        if lower:
            text += f"_{{{_render_math(lower, size)}}}"
        if upper:
            text += f"^{{{_render_math(upper, size)}}}"
        built = _built(text, [op, *upper, *lower], op.size, base=op.base)
        built.x0, built.x1 = op.x0, op.x1
        glyphs = _replace(glyphs, [op, *upper, *lower], built)
    return glyphs


def _script_run(candidates: list[Glyph], size: float) -> list[Glyph]:
    """Limits are one row: the candidates on the baseline nearest the operator, and touching each other."""
    if not candidates:
        return []
    base = statistics.median(g.base for g in candidates)
    row = sorted((g for g in candidates if abs(g.base - base) <= 0.3 * size), key=lambda g: g.x0)
    run = row[:1]
    for g in row[1:]:
        if g.x0 - run[-1].x1 > 0.4 * size:
            break
        run.append(g)
    return run


def _built(text: str, parts: list[Glyph], size: float, base: float) -> Glyph:
    return Glyph(text, min(g.x0 for g in parts), max(g.x1 for g in parts), min(g.y0 for g in parts),
                 max(g.y1 for g in parts), base, size, space_before=parts[0].space_before, math=True, built=True)


def _replace(glyphs: list[Glyph], old: list[Glyph], new: Glyph) -> list[Glyph]:
    gone = {id(g) for g in old}
    return [g for g in glyphs if id(g) not in gone] + [new]


def _rows(glyphs: list[Glyph], size: float, depth: int = 0) -> list[_Row]:
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
    for g in (g for g in glyphs if g.size < 0.8 * size):
        fits = [r for r in rows if r.base - 0.5 * r.size <= g.base <= r.base + 0.8 * r.size
                and min(x.x0 for x in r.glyphs) - 2 * r.size <= g.x0 <= max(x.x1 for x in r.glyphs) + 2 * r.size]
        if fits:
            min(fits, key=lambda r: abs(r.base - g.base)).glyphs.append(g)
        else:
            rest.append(g)
    if rest:
        small = body_size(rest)
        rows += _rows(rest, small, depth + 1) if depth < 3 and small < size else [_Row(g.base, g.size, [g]) for g in rest]
    return sorted(rows, key=lambda r: -r.base)


def _render_line(row: _Row, page_size: float) -> Line:
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
            # scripts of the piece before: collect the run of the same role
            run = [g]
            while i < len(glyphs) and _role(glyphs[i], base, size) == role:
                run.append(glyphs[i])
                i += 1
            mark = "^" if role == "sup" else "_"
            inner = _render_math(run, size)
            if role == "sup" and set(inner) == {"'"}:
                mark = ""  # a prime: `f'(x)`
            pieces[-1].text += mark + (inner if len(inner) == 1 or not mark else f"{{{inner}}}")
            pieces[-1].math = True
            prev = run[-1]
            continue
        text = g.text
        if text in _SUPERSCRIPTS or text in _SUBSCRIPTS:
            mark = "^" if text in _SUPERSCRIPTS else "_"
            digit = (_SUPERSCRIPTS | _SUBSCRIPTS)[text]
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
        neutral = not g.math and (text.isdigit() or text in "()[]=+-/*,.:;'|!<>")
        if g.math and not g.built:
            text = _math_text(text)
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


def _render_math(glyphs: list[Glyph], size: float) -> str:
    """Glyphs of a numerator, denominator, script or limit as LaTeX (its own scripts included)."""
    glyphs = sorted(glyphs, key=lambda g: g.x0)
    full = [g for g in glyphs if g.size >= 0.85 * max(x.size for x in glyphs)]
    base = statistics.median(g.base for g in full)
    inner = max(g.size for g in full)
    return _tidy("".join((" " if p.space else "") + _math_text(p.text) for p in _pieces(glyphs, base, inner)))


def _tidy(latex: str) -> str:
    """Math spacing is the typesetter's: keep a space only where it separates two letters or digits (or
    ends a command), and write `=` with a space each side."""
    latex = re.sub(r"\s+", " ", latex).strip()
    latex = re.sub(r"(?<=[^\w\s])\s+|\s+(?=[^\w\s\\])", "", latex)
    latex = re.sub(r"(?<![\\a-zA-Z])([a-zA-Z0-9])\s+(?=[\\])", r"\1 ", latex)
    return re.sub(r"\s*=\s*", " = ", latex)


def _math_text(text: str) -> str:
    if text in _MATH_SYMBOLS:
        return _MATH_SYMBOLS[text]
    if len(text) == 1 and not text.isascii() and unicodedata.category(text).startswith("L"):
        name = unicodedata.name(text, "")
        if name.startswith("GREEK") and ("SMALL LETTER" in name or "CAPITAL LETTER" in name):
            letter = name.split("LETTER ")[-1].split()[0].lower()
            command = letter.capitalize() if "CAPITAL" in name else letter
            return f"\\{command} " if letter.isalpha() else text
    return text


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
                latex = _tidy("".join((" " if p.space and k else "") + _math_text(p.text) for k, p in enumerate(run)))
                out.append((" " if run[0].space and out else "") + "$" + latex + "$")
                found = True
            out.extend(p.text for p in tail)
        else:
            out.extend((" " if p.space and (out or k) else "") + p.text for k, p in enumerate(run))
        i = j
    return "".join(out).strip(), found


ITEM_LABEL = re.compile(r"(?:\d{1,2}|[a-zA-Z]|[ivx]{1,4})[.)]|\((?:\d{1,2}|[a-zA-Z]|[ivx]{1,4})\)")


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
