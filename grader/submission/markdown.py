"""Markdown and plain text split into answers, one per part heading.

Headings, strongest first: `## 4.1`, `**4.1**` or `**Question 4.1:**`, `Question 4.1` or `Q4.1`. Weaker, the
homework's own numbering at a line's start: `4.1) ...`, `4.1: ...`, `2.1 ...`, `1. ...` (see `numbering`).
"""

from __future__ import annotations

import re
import unicodedata

from grader.submission.answers import MAX_ANSWER_CHARS
from grader.submission.blobs import strip_comments
from grader.submission.numbering import Numbering

PART_ID = r"(?P<id>\d+(?:\.\d+)*)"
WORD = r"(?:question|problem|exercise|part|q)"
_MARKDOWN = re.compile(rf"^\s{{0,3}}#{{1,6}}\s*(?:{WORD}\s*)?{PART_ID}\b[.:)]?(?P<rest>.*)$", re.I)
_BOLD = re.compile(rf"^\s*\*\*\s*(?:{WORD}\s*)?{PART_ID}\s*[.:)]?\s*\*\*\s*[.:)]?(?P<rest>.*)$", re.I)
_WORDED = re.compile(rf"^\s*{WORD}\s*{PART_ID}\b\s*[.:)]?(?P<rest>.*)$", re.I)
# The homework's numbering: a dotted id may be followed by a space (`2.1 text`); a bare number needs its
# punctuation (`1. text`, `4)`), and `1.5` is a number, not part 1.
_DOTTED = re.compile(r"^\s*(?P<id>\d+(?:\.\d+)+)(?:[.:)]\s*|\s+|$)(?P<rest>.*)$")
_SINGLE = re.compile(r"^\s*(?P<id>\d+)[.:)](?!\d)\s*(?P<rest>.*)$")
_DIGIT = re.compile(r"\d")
_STRONG = (_MARKDOWN, _BOLD, _WORDED)
_WEAK = (_DOTTED, _SINGLE)


def _fold(line: str) -> str:
    # Full-width digits and the like (`## ４.１`) count as the digits they look like.
    return unicodedata.normalize("NFKC", line) if not line.isascii() else line


def heading(line: str) -> re.Match[str] | None:
    if not _DIGIT.search(line):  # most lines of a long file: one C-level scan instead of five patterns
        return None
    folded = _fold(line)
    for pattern in _STRONG + _WEAK:
        match = pattern.match(folded)
        if match:
            return match
    return None


def is_strong(match: re.Match[str]) -> bool:
    return match.re in _STRONG


def split_markdown(text: str, part_ids: list[str]) -> dict[str, str]:
    """Split a Markdown or plain-text answers file into answers, one per part heading.

    The numbering (`4.1)`, `1.`) counts only in files without stronger headings of known parts; a `Question 4`
    heading followed by `(a)`, `(b)` counts for parts no heading names; both only forward in the rubric's order, so a numbered list
    inside an answer ("1) ...") does not start a part again. A repeated `## 4.1` continues that part; a
    heading of another id (e.g. `## Question 2`) ends it. Text after the heading on its line starts the
    answer, except after a `#` heading, where it is usually the question's title.
    """
    known = set(part_ids)
    lines = strip_comments(text).split("\n")
    headings = [heading(line) for line in lines]
    named = {m.group("id") for m in headings if m is not None and is_strong(m) and m.group("id") in known}
    # Numbering counts for parts no heading names; `4.1)` at a line's start only where no heading names a part.
    numbering = Numbering(part_ids, direct=not named, exclude=named)
    answers: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    sizes: dict[int, int] = {}  # characters kept per answer: past the cap (plus a margin) lines are not kept
    current: list[str] | None = None
    for line, match in zip(lines, headings):
        part, rest = None, ""
        strong = match is not None and is_strong(match)
        is_markdown_heading = match is not None and match.re is _MARKDOWN
        found = numbering.part(line, match, strong=strong, seen=answers)
        if found is not None:
            part, rest = found
        elif strong and (named or match.group("id") not in known):
            part, rest = match.group("id"), match.group("rest")
        if part in known and (part not in answers or is_markdown_heading):
            current = answers.setdefault(part, [])
            rest = rest.strip()
            if rest and is_markdown_heading:
                titles.setdefault(part, rest)
            elif rest:
                current.append(rest)
        elif is_markdown_heading or numbering.question_heading:
            current = None
        elif current is not None and sizes.get(id(current), 0) <= MAX_ANSWER_CHARS:
            current.append(line)
            sizes[id(current)] = sizes.get(id(current), 0) + len(line) + 1
    result = {part: "\n".join(body).strip() for part, body in answers.items()}
    # `## 4.1: n(n+1)/2` with nothing below: the "title" was the answer.
    return {part: body or titles.get(part, "") for part, body in result.items()}
