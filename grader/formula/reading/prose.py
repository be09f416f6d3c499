"""Finding the formula in what the student wrote: math delimiters, `h_T = ...` lines, clutter around it."""

from __future__ import annotations

import re

from grader.formula.reading.tokens import FUNCTIONS, Names, _split_with_function, _split_word
from grader.formula.reading.unicode import Clean

_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\$(.+?)\$|\\\((.+?)\\\)|`([^`\n]+)`", re.DOTALL)
_LEAD = re.compile(r"\s*([A-Za-z]+)(?=[\s:,=]|$)[\s:,]*")
_TRAIL_PAREN = re.compile(r"\s\(([^()]*)\)[\s.,;:!?]*$")
_TRAIL = re.compile(r"[\s(]([A-Za-z]+)[\s.,;:!?)]*$")
_PROSE_KEEP = set(FUNCTIONS) | {"sum"}
_WORDY = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")  # a run of letters that is not a LaTeX command
_SPACING = " \n~"  # spaces, and `~` (LaTeX's unbreakable space)
_SPACING_CMD = ",;:! \n"  # `\,` `\;` `\:` `\!` `\ `: LaTeX spacing commands, never punctuation
_SPACING_WORD = re.compile(r"\\q?quad(?![A-Za-z])")
_SPACING_WORDS = ("\\quad", "\\qquad")


def math_segments(src: Clean) -> list[tuple[Clean, bool]]:
    """Contents of $$...$$, \\[...\\], $...$, \\(...\\) and `...`, in order, with whether they are display math."""
    out: list[tuple[Clean, bool]] = []
    for m in _MATH.finditer(src.text):
        g = next(i for i in range(1, 6) if m.group(i) is not None)
        a, b = m.span(g)
        out.append((src.slice(a, b), g in (1, 2)))
    return out


def _escaped(text: str, i: int, a: int = 0) -> bool:
    """Whether `text[i]` is the character of a command `\\x` (an odd run of backslashes before it, from `a`)."""
    k = i
    while k > a and text[k - 1] == "\\":
        k -= 1
    return (i - k) % 2 == 1


def strip(src: Clean, a: int, b: int) -> tuple[int, int]:
    """Narrow [a, b) past spacing at both ends: spaces, `~`, `\\,` `\\;` `\\:` `\\!` `\\ `, `\\quad`, `\\qquad`
    (a command is dropped whole, never split)."""
    text = src.text
    while a < b:
        if text[a] in _SPACING:
            a += 1
        elif text[a] == "\\" and a + 1 < b and text[a + 1] in _SPACING_CMD:
            a += 2
        elif m := _SPACING_WORD.match(text, a, b):
            a = m.end()
        else:
            break
    while b > a:
        escaped = _escaped(text, b - 1, a)
        if escaped and text[b - 1] in _SPACING_CMD:
            b -= 2
        elif not escaped and text[b - 1] in _SPACING:
            b -= 1
        elif (w := next((w for w in _SPACING_WORDS if text.endswith(w, a, b)), "")) and not _escaped(
                text, b - len(w), a):
            b -= len(w)
        else:
            break
    return a, b


def _is_prose(word: str, known: list[str]) -> bool:
    if len(word) < 2 or word in _PROSE_KEEP:
        return False
    return _split_word(word, known) is None and _split_with_function(word, known) is None


def strip_clutter(src: Clean, names: Names) -> Clean:
    """Drop `answer:`, a leading `=`, leading and trailing words that are not names, trailing punctuation, and
    spacing at both ends (LaTeX's too: a trailing `\\,` is spacing, not a comma)."""
    text = src.text
    core = text.strip()
    if not _WORDY.search(text) and core[:1] not in "=:" and core[-1:] not in ".,;:?" and core == text:
        return src  # no words, no leading `=`, no trailing punctuation or space: nothing to drop
    known = names.plain()
    a, b = strip(src, 0, len(text))
    changed = True
    while changed and a < b:
        changed = False
        m = _LEAD.match(text, a, b)
        prose = m and (_is_prose(m.group(1), known) or text[m.end(1) : m.end()].strip().startswith(":"))
        if prose and m.end() < b and text[a : m.end()].strip():
            a = m.end()
            changed = True
        if a < b and text[a] in "=:":
            a += 1
            changed = True
        a, b = strip(src, a, b)
        while b > a and text[b - 1] in ".,;:?" and not _escaped(text, b - 1, a):  # `\,` is spacing (`strip`)
            if text[b - 1] == "." and b - 2 >= a and text[b - 2] == ".":
                break  # an ellipsis
            b -= 1
            changed = True
        m = _TRAIL_PAREN.search(text, a, b)
        aside = m and any(_is_prose(w, known) for w in re.findall(r"[A-Za-z]+", m.group(1)))
        if aside and text[a : m.start()].strip():
            b = m.start()
            changed = True
        m = _TRAIL.search(text, a, b)
        if m and m.start(1) > a and _is_prose(m.group(1), known) and text[a : m.start(1)].strip():
            b = m.start(1)
            if text[b - 1] == "(":
                b -= 1
            changed = True
        a, b = strip(src, a, b)
    return src.slice(a, b)


def split_sides(src: Clean) -> list[Clean]:
    """Split at `=` outside brackets (the `=` of `\\sum_{i=1}` stays)."""
    depth = 0
    cuts: list[int] = []
    text = src.text
    for i, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "=" and depth == 0 and not (i > 0 and text[i - 1] in "<>!") and not text.startswith("==", i):
            cuts.append(i)
    if not cuts:
        return [src]
    sides = []
    prev = 0
    for c in cuts:
        sides.append(src.slice(prev, c))
        prev = c + 1
    sides.append(src.slice(prev, len(text)))
    return [s for s in sides if s.text.strip()]


_LHS = re.compile(r"^\s*([A-Za-z]+)\s*_\s*(?:\{\s*([A-Za-z0-9]+)\s*\}|([A-Za-z0-9]))\s*$")


def lhs_sequence(side: Clean) -> tuple[str, str] | None:
    """(`h`, `T`) when the side is `h_T` or `h_{T}`."""
    m = _LHS.match(side.text)
    if not m:
        return None
    return m.group(1), m.group(2) or m.group(3)


def target_lines(src: Clean, targets: list[str]) -> list[Clean]:
    """Lines outside math delimiters that hold `h_T = ...` for a target `h_T`."""
    out: list[Clean] = []
    if not targets:
        return out
    pats = []
    for t in targets:
        if "_" in t:
            head, sub = t.split("_", 1)
            pats.append(rf"{re.escape(head)}\s*_\s*\{{?\s*{re.escape(sub)}\s*\}}?\s*=")
        else:
            pats.append(rf"\b{re.escape(t)}\s*=")
    rx = re.compile("|".join(pats))
    text = _MATH.sub(lambda m: " " * len(m.group()), src.text)
    for m in rx.finditer(text):
        out.append(src.slice(m.start(), formula_end(text, m.end())))
    return out


def formula_end(text: str, i: int) -> int:
    """Where a formula written inside a sentence ends: at the end of the line, or at `.`, `,`, `;`, `:` outside
    brackets (an ellipsis and a decimal point do not end it)."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "\n" or c == "$":
            return i
        elif c == "\\" and i + 1 < n and text[i + 1] in ",;:! \\":
            i += 2  # `\,` and the like are spacing, `\\` a line break: neither ends the formula
            continue
        elif depth <= 0:
            if c in ",;:":
                return i
            alone = not (text.startswith("..", i) or (i > 0 and text[i - 1] == "."))
            if c == "." and alone and not (i + 1 < n and text[i + 1].isdigit()):
                return i
            if c == "." and text.startswith("..", i):
                while i < n and text[i] == ".":
                    i += 1
                continue
        i += 1
    return n
