"""The homework's own numbering, in files without `## 4.1` headings (plain text, and what PDF or Word give).

`1. ...`, `2.1 ...`, `4.1: n(n+1)/2` and `4.2) ...` start the part they name; a `Question 4` heading (of no
part of its own) followed by items `1.`, `2.` or `(a)`, `(b)` means 4.1, 4.2, but only for part ids the rubric
has. Numbering goes forward: an item counts only for a part after every part seen so far in the rubric's
order, so a list inside an answer ("1. first reason") does not start part 1 again.
"""

from __future__ import annotations

import re

# `1.`, `1)`, `(1)`, `a)`, `(a)`, `a.`, optionally bold (`**(a)**`), then the answer.
_ITEM = re.compile(r"^\s*(?:\*\*)?\s*\(?(?:(?P<n>\d{1,2})|(?P<l>[a-hA-H]))[.)](?!\d)(?:\*\*)?\s*(?P<rest>.*)$")
_LETTERED = re.compile(r"^\s*(?:\*\*)?\s*\((?P<l>[a-hA-H])\)(?:\*\*)?\s*(?P<rest>.*)$")


class Numbering:
    """Reads a file's numbering line by line; one per file (it remembers the question it is in)."""

    def __init__(self, part_ids: list[str], *, direct: bool = True, exclude: set[str] = frozenset()):
        self.order = {part: index for index, part in enumerate(part_ids)}
        self.direct = direct  # `4.1)` starts 4.1 (files where no heading names a part)
        self.exclude = exclude  # parts a heading names: items never start them
        self.questions = {p.rsplit(".", 1)[0] for p in part_ids if "." in p}
        self.question: str | None = None
        self.question_heading = False  # the last line was a `Question 4` heading (it ends the answer before)

    def part(self, line: str, match: re.Match[str] | None, *, strong: bool, seen: dict) -> tuple[str, str] | None:
        """The part this line starts and the answer text on it, or None. `match` is the line's heading, if
        any; `strong` says it is a heading rather than numbering."""
        self.question_heading = False
        if self.question is not None:
            item = _LETTERED.match(line) or _ITEM.match(line)
            if item is not None:
                number = item.groupdict().get("n")
                index = number or str(ord(item.group("l").lower()) - ord("a") + 1)
                part = f"{self.question}.{index}"
                if part in self.order and part not in self.exclude and self._forward(part, seen):
                    return part, item.group("rest")
        if match is None:
            return None
        part = match.group("id")
        if part in self.order:
            # A part named in full (`4.1)`) ends the question's items: its own lists stay in its answer.
            if strong or self.direct:
                self.question = None
            if strong:
                return None  # the splitter handles headings
            return (part, match.group("rest")) if self.direct and self._forward(part, seen) else None
        if part in self.questions and (strong or (self.direct and not match.group("rest").strip())):
            # `Question 4`, `## 4`, `**4**` introduce a question; `4.` alone on a line does too, `4. text` not.
            self.question, self.question_heading = part, True
        return None

    def _forward(self, part: str, seen: dict) -> bool:
        return part not in seen and all(self.order[p] < self.order[part] for p in seen if p in self.order)
