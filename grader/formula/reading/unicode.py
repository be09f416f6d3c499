"""Unicode clean-up with an offset map, so every later error points into the text the student typed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from grader.formula import fast
from grader.formula.errors import ReadFailure

_SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7",
                 "⁸": "8", "⁹": "9", "⁻": "-", "⁺": "+", "ⁿ": "n", "ᵗ": "t", "ʷ": "w"}
_SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7",
               "₈": "8", "₉": "9", "₋": "-", "₊": "+", "ₜ": "t", "ₙ": "n", "ₖ": "k", "ᵢ": "i"}
_FRACTIONS = {"½": "(1/2)", "⅓": "(1/3)", "⅔": "(2/3)", "¼": "(1/4)", "¾": "(3/4)", "⅕": "(1/5)",
              "⅙": "(1/6)", "⅛": "(1/8)"}
_REPLACE = {
    "·": "*", "⋅": "*", "∙": "*", "×": "*", "✕": "*", "∗": "*", "•": "*",
    "÷": "/", "∕": "/", "⁄": "/",
    "−": "-", "–": "-", "—": "-", "‐": "-", "‑": "-", "﹣": "-", "－": "-",
    "…": "...", "⋯": "...",
    "√": "\\sqrt ", "∑": "\\sum", "Σ": "\\sum", "∛": "\\sqrt[3]", "∜": "\\sqrt[4]", "∏": "\\prod",
    "π": "\\pi ", "σ": "\\sigma ", "θ": "\\theta ", "α": "\\alpha ", "β": "\\beta ", "λ": "\\lambda ",
    "μ": "\\mu ", "ℯ": "e", "′": "'", "″": "''",
    "⌊": "\\lfloor ", "⌋": "\\rfloor ", "⌈": "\\lceil ", "⌉": "\\rceil ",
    "\u00a0": " ", "\u2009": " ", "\u200a": " ", "\u202f": " ", "\u3000": " ", "\u200b": "",
    "\t": " ", "\r": " ",
}


@dataclass(frozen=True)
class Clean:
    """Normalised text and, for each of its characters (and its end), the offset in the original."""

    text: str
    offsets: tuple[int, ...]

    def at(self, i: int) -> int:
        return self.offsets[min(max(i, 0), len(self.offsets) - 1)]

    def slice(self, a: int, b: int) -> Clean:
        end = self.offsets[b] if b < len(self.offsets) else self.offsets[-1]
        return Clean(self.text[a:b], (*self.offsets[a:b], end))


_PLAIN = re.compile(r"[ -~\n]*")  # printable ASCII and newlines: what the loop below keeps as it is


def clean(text: str) -> Clean:
    """Replace look-alike characters by ASCII; reject control characters."""
    if fast.ENABLED and _PLAIN.fullmatch(text):
        return Clean(text, tuple(range(len(text) + 1)))
    out: list[str] = []
    offs: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in _SUPERSCRIPTS or c in _SUBSCRIPTS:
            table = _SUPERSCRIPTS if c in _SUPERSCRIPTS else _SUBSCRIPTS
            j = i
            while j < n and text[j] in table:
                j += 1
            rep = ("^{" if table is _SUPERSCRIPTS else "_{") + "".join(table[ch] for ch in text[i:j]) + "}"
            out.append(rep)
            offs.extend([i] * len(rep))
            i = j
            continue
        if c in _FRACTIONS:
            rep = _FRACTIONS[c]
        elif c in _REPLACE:
            rep = _REPLACE[c]
        elif c == "\n" or " " <= c <= "~":
            rep = c
        else:
            cat = unicodedata.category(c)
            if cat in ("Cc", "Cs") or (cat == "Cf" and c != "\u200b"):
                name = "NUL byte" if c == "\0" else f"control character U+{ord(c):04X}"
                raise ReadFailure(f"Your answer contains a {name}, which cannot be part of a formula.", i)
            rep = unicodedata.normalize("NFKC", c)
            if len(rep) != 1 or not (" " <= rep <= "~"):
                rep = c  # left as is: the tokenizer reports it
        out.append(rep)
        offs.extend([i] * len(rep))
        i += 1
    offs.append(n)
    return Clean("".join(out), tuple(offs))
