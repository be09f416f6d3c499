"""What the PDF library reports about a page, as plain data: glyphs (characters with their box, baseline,
size and font), rules (thin horizontal paths) and the lines they become; how a reported character is
normalised; and the glyph that stands for several once they are rebuilt into LaTeX.

Coordinates are PDF points with y growing upwards; `base` is a glyph's baseline (its origin's y).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from dataclasses import dataclass


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


BIG_OPERATORS = {"∑": "\\sum", "∏": "\\prod", "∫": "\\int", "∮": "\\oint", "⋃": "\\bigcup", "⋂": "\\bigcap"}


MATH_SYMBOLS = {
    "−": "-", "∗": "*", "·": "\\cdot ", "⋅": "\\cdot ", "×": "\\times ", "÷": "/", "≤": "\\le ", "≥": "\\ge ",
    "≠": "\\ne ", "∉": "\\notin ", "≈": "\\approx ", "∞": "\\infty ", "∈": "\\in ", "→": "\\to ", "′": "'", "″": "''",
    "∂": "\\partial ", "∇": "\\nabla ", "±": "\\pm ", "∼": "\\sim ", "∝": "\\propto ", "√": "\\sqrt ",
    "⌊": "\\lfloor ", "⌋": "\\rfloor ", "⌈": "\\lceil ", "⌉": "\\rceil ", "‖": "\\| ",
}


# Accents drawn over a letter, spacing (TeX's fonts) or combining (word processors): `\bar{x}`, `\hat{p}`.
ACCENTS = {**dict.fromkeys("¯ˉ\u0304\u0305", "\\bar"), **dict.fromkeys("ˆ\u0302", "\\hat"), **dict.fromkeys("˜\u0303", "\\tilde"),
           **dict.fromkeys("˙\u0307", "\\dot"), **dict.fromkeys("¨\u0308", "\\ddot"), "\u20d7": "\\vec"}
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ", "0123456789+-=()ni"))


SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓₜₙₖ", "0123456789+-=()aeoxtnk"))


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


def make_glyph(char: str, box: tuple[float, float, float, float], base: float, size: float, font: str,
               space_before: bool = False, index: int = -1) -> Glyph | None:
    """A glyph from what the PDF library reports, its character normalised; None for an invisible one."""
    x0, x1, y0, y1 = box
    if char == "\x02":  # pdfium's mark for a hyphen that ends a line: the page joiner decides about it
        char = "-"
    if _EXTENSION_FONT.search(font) and char in _EXTENSION:
        char = _EXTENSION[char]
        base = (y0 + y1) / 2 - 0.25 * size  # extension glyphs hang from their origin: centre them on the axis
    elif char in SUPERSCRIPTS or char in SUBSCRIPTS or char in ACCENTS:
        pass
    elif not char.isascii():
        char = unicodedata.normalize("NFKC", char) if char not in MATH_SYMBOLS else char
    if char == "\x00":
        char = "\ufffd"  # undecodable unless the extension font said what it is
    if not char.strip() or any(unicodedata.category(c) in ("Cc", "Cf", "Cs") for c in char):
        return None
    mathy = bool(_MATH_FONT.search(font)) or _math_char(char)
    return Glyph(char, x0, x1, y0, y1, base, size, font, space_before, math=mathy, bold=bool(_BOLD_FONT.search(font)),
                 index=index)


def _math_char(char: str) -> bool:
    code = ord(char[0])
    return char in MATH_SYMBOLS or char in BIG_OPERATORS or 0x2200 <= code <= 0x22FF or 0x1D400 <= code <= 0x1D7FF


def body_size(glyphs: list[Glyph]) -> float:
    """The most common font size: the size of the running text."""
    if not glyphs:
        return 10.0
    return statistics.mode(round(g.size * 2) / 2 for g in glyphs) or 10.0


def combined(text: str, parts: list[Glyph], size: float, base: float) -> Glyph:
    return Glyph(text, min(g.x0 for g in parts), max(g.x1 for g in parts), min(g.y0 for g in parts),
                 max(g.y1 for g in parts), base, size, space_before=parts[0].space_before, math=True, built=True)


def replace(glyphs: list[Glyph], old: list[Glyph], new: Glyph) -> list[Glyph]:
    gone = {id(g) for g in old}
    return [g for g in glyphs if id(g) not in gone] + [new]


def math_text(text: str) -> str:
    if text in MATH_SYMBOLS:
        return MATH_SYMBOLS[text]
    if len(text) == 1 and not text.isascii() and unicodedata.category(text).startswith("L"):
        name = unicodedata.name(text, "")
        if name.startswith("GREEK") and ("SMALL LETTER" in name or "CAPITAL LETTER" in name):
            letter = name.split("LETTER ")[-1].split()[0].lower()
            command = letter.capitalize() if "CAPITAL" in name else letter
            return f"\\{command} " if letter.isalpha() else text
    return text
